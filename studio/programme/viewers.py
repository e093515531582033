"""Socket glue for the viewer counts: /live room joins and leaves (studio.platform.sockets' hook) update
this process's row; the numbers are in stats.py."""
from __future__ import annotations

import logging
import threading

from flask import current_app

from studio.platform.db import Session
from . import stats

log = logging.getLogger(__name__)


# Interviews whose count changed since this process last stored it, per database, and the
# databases a write is running for. A burst of joins (2,000 viewers arriving at the start) is
# then a few transactions, not one COMMIT per socket each queuing for SQLite's single writer
# ahead of the feed's posts: whoever finds a write running only marks its interview, and the
# running writer stores the latest counts again before it stops. An idle join still writes at
# once, before its ack.
_dirty: dict[str, set[int]] = {}
_writing: set[str] = set()
_state_lock = threading.Lock()


def on_live_room(sid: str, interview_id: int | None, joined: bool) -> None:
    """studio.platform.sockets calls this on join (interview), leave (interview) and disconnect (None)."""
    database = current_app.config["DATABASE_URL"]
    changed = set()
    if joined:
        if stats.joined(sid, interview_id, database) is not None:
            changed.add(interview_id)
    else:
        changed = set(stats.left(sid, interview_id, database))
    if not changed:
        return
    with _state_lock:
        _dirty.setdefault(database, set()).update(changed)
        if database in _writing:
            return
        _writing.add(database)
    try:
        while True:
            with _state_lock:
                interview_ids = _dirty.pop(database, None)
                if not interview_ids:
                    _writing.discard(database)
                    return
            _store(database, interview_ids)
    except BaseException:
        with _state_lock:
            _writing.discard(database)
        raise


def _store(database: str, interview_ids: set[int]) -> None:
    session = Session()
    try:
        for iid, (count, high) in sorted(stats.to_store(database, interview_ids).items()):
            stats.store_count(session, iid, count, high=high)
        session.commit()
    except Exception:  # noqa: BLE001 - counting must never break a viewer's join
        session.rollback()
        log.exception("storing the viewer count failed")
