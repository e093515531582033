"""Public fan-out at scale: public events through nginx's nchan module (PUBLIC_FANOUT=nchan).

Socket.IO /live stays the embedded default. With PUBLIC_FANOUT=nchan each process also
publishes every public event to nchan after commit (publisher.py), the viewer page follows
/live/<id>/events through nginx (static/js/live_nchan.js), and `flask --app server deploy
nginx-conf` prints the nginx configuration that carries it (nginx_conf.py). docs/api/fanout.md.
"""
from __future__ import annotations

from flask import Flask, g, request
from sqlalchemy import select

from studio.platform.db import get_engine
from studio.platform.events import add_after_commit_listener, remove_after_commit_listener
from studio.interviews import PUBLIC_STATES
from studio.platform.models import Interview
from .publisher import NchanPublisher

FANOUTS = ("socketio", "nchan")
_publisher: NchanPublisher | None = None


def interview_is_public(interview_id: int) -> bool:
    """Whether the public may see the interview now (read on the publisher's own connection)."""
    with get_engine().connect() as conn:
        state = conn.scalar(select(Interview.state).where(Interview.id == interview_id))
    return state in PUBLIC_STATES


def current_publisher() -> NchanPublisher | None:
    return _publisher


def init_app(app: Flask) -> None:
    global _publisher
    fanout = (app.config.get("PUBLIC_FANOUT") or "socketio").strip().lower()
    if fanout not in FANOUTS:
        raise RuntimeError(f"PUBLIC_FANOUT must be one of {', '.join(FANOUTS)}, not {fanout!r}")
    if fanout == "nchan" and not app.config.get("NCHAN_PUBLISH_URL"):
        raise RuntimeError("PUBLIC_FANOUT=nchan needs NCHAN_PUBLISH_URL (docs/configuration.md)")
    app.config["PUBLIC_FANOUT"] = fanout

    # The listener list is the process's; a second app in one process (tests) replaces the first's.
    if _publisher is not None:
        remove_after_commit_listener(_publisher.after_commit)
        _publisher = None
    if fanout == "nchan":
        _publisher = NchanPublisher(app.config["NCHAN_PUBLISH_URL"], is_public=interview_is_public,
                                    retry_seconds=float(app.config["NCHAN_PUBLISH_RETRY_SECONDS"]))
        add_after_commit_listener(_publisher.after_commit)

    @app.context_processor
    def _fanout_flag():
        # viewer.html: data-fanout on the page root, and live_nchan.js instead of Socket.IO /live.
        return {"public_fanout": fanout}

    @app.after_request
    def _cacheable_viewer_page(resp):
        # The viewer page is the same for every member of the public: nginx may keep it 1 s.
        if (request.endpoint == "feed.viewer_page" and resp.status_code == 200 and g.get("user") is None
                and "Set-Cookie" not in resp.headers):
            resp.headers.setdefault("Cache-Control", "public, max-age=1")
        return resp

    from .cli import register_commands
    register_commands(app)
