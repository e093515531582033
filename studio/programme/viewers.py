"""Socket glue for the viewer counts: /live room joins and leaves (studio.platform.sockets' hook) update
this process's row; the numbers are in stats.py."""
from __future__ import annotations

import logging

from flask import current_app

from studio.platform.db import Session
from . import stats

log = logging.getLogger(__name__)


def on_live_room(sid: str, interview_id: int | None, joined: bool) -> None:
    """studio.platform.sockets calls this on join (interview), leave (interview) and disconnect (None)."""
    database = current_app.config["DATABASE_URL"]
    changed = {}
    if joined:
        count = stats.joined(sid, interview_id, database)
        if count is not None:
            changed[interview_id] = count
    else:
        changed = stats.left(sid, interview_id, database)
    if not changed:
        return
    session = Session()
    try:
        for iid, count in changed.items():
            stats.store_count(session, iid, count)
        session.commit()
    except Exception:  # noqa: BLE001 - counting must never break a viewer's join
        session.rollback()
        log.exception("storing the viewer count failed")
