"""The year's programme (issue 12): deadlines per interview, the script's review path with the
liaison's upload link, the year's dashboard and the daily digest, themed series (专题) with
their archive pages, assessment (考核) of the units, and viewer counts that track nobody.

An area in the shape of issue 9: its own models, services (deadlines, scripts, series, stats,
assessment, digest: plain functions), routes, templates, static files and init_app. It reads
other areas only through their public names (studio.cues' script readers and replace_script,
moderation.models and reply_due, publishing's archive index helpers) and the event log.
"""
from __future__ import annotations

import hashlib
import logging

from flask import Flask, request

from studio.platform.areas import lazy_public_names
from studio.platform.events import register_event_types

from .event_types import EVENT_TYPES

log = logging.getLogger(__name__)

# Public to other areas (imported on first use: studio.platform.areas): the deadline rules, for an
# area with deadlines of its own after the live (openday's report and feedback).
__getattr__ = lazy_public_names(__name__, {name: "deadlines" for name in (
    "DEFAULT_DAYS", "SETTING_DAYS", "STATE_LABELS", "happened", "planned_start", "state_of")})

SERIES_MARK = "<!-- fangtan:series -->"


def init_app(app: Flask) -> None:
    """Attach the routes, pages, event types, the /live room counting, archive view counting and
    the `programme` commands."""
    from . import routes

    register_event_types(EVENT_TYPES)
    if "programme" not in app.blueprints:
        app.register_blueprint(routes.bp)
    _count_live_rooms()
    _wrap_archive_page(app)
    from .cli import register_commands
    register_commands(app)
    from .timer import start_digest_timer
    start_digest_timer(app)


def _count_live_rooms() -> None:
    from studio.platform.sockets import on_live_room
    from . import viewers

    on_live_room(viewers.on_live_room)


def _wrap_archive_page(app: Flask) -> None:
    """Wrap publishing's archive page view (publishing.init_app ran first): around the view, so
    the page is changed before any after-request step (compression) touches the answer."""
    import functools

    view = app.view_functions.get("publishing.archive_file")
    if view is None or getattr(view, "programme_wrapped", False):
        return

    @functools.wraps(view)
    def archive_file(*args, **kwargs):
        return _archive_page_hook(app.make_response(view(*args, **kwargs)))
    archive_file.programme_wrapped = True
    app.view_functions["publishing.archive_file"] = archive_file


def _archive_page_hook(resp):
    """After a published interview's archive page is served: count the view (a number, nothing
    about the viewer) and add the links to its series (the page file was rendered at publish time
    and knows nothing of series made since)."""
    if request.method != "GET":
        return resp
    name = (request.view_args or {}).get("name", "index.html")
    if name != "index.html" or resp.status_code not in (200, 304):
        return resp
    interview_id = request.view_args["interview_id"]
    from studio.platform.db import Session
    from . import series, stats

    session = Session()
    try:
        stats.count_archive_view(session, interview_id)
        session.commit()
    except Exception:  # noqa: BLE001 - a counter must never break the page
        session.rollback()
        log.exception("counting an archive view failed")
    if resp.status_code == 200 and resp.mimetype == "text/html":
        linked = series.series_of_interview(session, interview_id)
        if linked:
            resp.direct_passthrough = False
            html = resp.get_data(as_text=True)
            block = series.links_html(linked)
            html = html.replace("</main>", block + "</main>", 1) if "</main>" in html else \
                html.replace("</body>", block + "</body>", 1)
            resp.set_data(html)
            resp.set_etag(hashlib.sha256(resp.get_data()).hexdigest()[:32])
    return resp
