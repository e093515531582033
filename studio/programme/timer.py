"""The optional once-a-day digest in the server process (DIGEST_HOUR 0–23; -1, the default, off).
With several server processes set it for one of them only (or use the command from cron)."""
from __future__ import annotations

import logging
from datetime import datetime

log = logging.getLogger(__name__)


def start_digest_timer(app) -> None:
    hour = int(app.config.get("DIGEST_HOUR", -1))
    if not 0 <= hour <= 23 or app.testing or app.extensions.get("programme_digest_timer"):
        return
    app.extensions["programme_digest_timer"] = True
    from studio.platform.extensions import socketio

    socketio.start_background_task(_run_daily, app, hour)


def _run_daily(app, hour: int) -> None:
    from studio.platform.extensions import socketio
    from studio.platform.timefmt import local_zone

    last_day = None
    while True:
        socketio.sleep(300)
        try:
            with app.app_context():
                local = datetime.now(local_zone())
                if local.hour == hour and local.date() != last_day:
                    last_day = local.date()
                    from studio.platform.db import Session
                    from . import digest
                    sent = digest.send_digest(Session(), app.config)
                    log.info("programme digest sent to %d addresses", len(sent))
        except Exception:  # noqa: BLE001 - the timer must outlive one failed send
            log.exception("programme digest failed; trying again tomorrow")
        finally:
            from studio.platform.db import Session
            Session.remove()
