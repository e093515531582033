"""The feed editor page (/studio/<id>/feed) and the public viewer page (/i/<id>).

The viewer's first paint is rendered here (works before any script runs, and for search
engines and the portal's link previews); studio/feed/static/viewer.js then follows /live.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from flask import current_app, render_template
from markupsafe import Markup, escape

from studio.platform.auth import require_page_permission
from studio.platform.db import Session
from studio.platform.errors import NotFound
from studio.interviews import get_interview, guest_json, interview_json
from studio.platform.signals import viewer_page_context
from studio.platform.timefmt import iso, local_zone
from . import services
from .permissions import PERMISSIONS
from .routes import bp  # the feed's one blueprint; routes.py never imports this module

# The same rule as FangtanLive.renderText in static/js/live.js: only http(s) URLs become links,
# and they stop at whitespace, quotes, angle brackets and Chinese closing punctuation.
_URL = re.compile(r"https?://[^\s<>\"'）)，。]+")
# Scripts of the viewer's partials (live video, questions), loaded after viewer.js when present.
# (blueprint, file in its static folder): loaded when that area is attached and ships the file.
VIEWER_PLUGINS = (("feed", "viewer_video.js"), ("feed", "viewer_questions.js"), ("venues", "viewer_venues.js"))
BANNERS = {"preview": ("preview", "预告"), "live": ("live", "直播中"),
           "ended": ("review", "回顾"), "published": ("review", "回顾")}


@bp.app_template_filter("feed_text")
def feed_text(text: str) -> Markup:
    """Plain text as HTML: escaped, http(s) URLs as links that open safely in a new tab."""
    text = str(text or "")
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts.append(escape(text[last:match.start()]))
        url = escape(match.group(0))
        parts.append(Markup(f'<a href="{url}" rel="noopener noreferrer nofollow" target="_blank">{url}</a>'))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


@bp.app_template_filter("local_time")
def local_time(value: str | None, fmt: str = "%H:%M:%S") -> str:
    """An ISO time from the API shown in the studio's zone."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(local_zone()).strftime(fmt)


def _interview_or_none(interview_id: int, staff: bool):
    try:
        return get_interview(Session(), interview_id, staff=staff)
    except NotFound:
        return None


def _not_found_page():
    return render_template("viewer.html", not_found=True), 404


@bp.get(f"/studio/<id:interview_id>/feed")
@require_page_permission(PERMISSIONS["write_feed"])
def feed_editor_page(interview_id: int):
    interview = _interview_or_none(interview_id, staff=True)
    if interview is None:
        return _not_found_page()
    return render_template("feed_editor.html", interview=interview_json(interview, staff=True),
                           writable=interview.state in services.WRITABLE_STATES,
                           state_name=services.STATE_NAMES.get(interview.state, interview.state))


@bp.get(f"/i/<id:interview_id>")
def viewer_page(interview_id: int):
    interview = _interview_or_none(interview_id, staff=False)
    if interview is None:
        return _not_found_page()
    entries = services.list_entries(Session(), interview.id, staff=False)
    scheduled = interview.scheduled_at.astimezone(local_zone()) if interview.scheduled_at else None
    banner_class, banner_text = BANNERS[interview.state]
    return render_template(
        "viewer.html", not_found=False, interview=interview_json(interview, staff=False),
        guests=[guest_json(guest) for guest in interview.guests], entries=entries,
        pinned=[entry for entry in entries if entry["pinned"]],
        banner_class=banner_class, banner_text=banner_text,
        scheduled_text=(f"{scheduled.year}年{scheduled.month}月{scheduled.day}日 {scheduled:%H:%M}"
                        if scheduled else (f"{interview.scheduled_month}月" if interview.scheduled_month else "")),
        scheduled_iso=iso(interview.scheduled_at), viewer_plugins=_viewer_plugins(), **_contributions(interview),
        archive_kind=_archive_kind(interview.id) if interview.state == "published" else None)


def _contributions(interview) -> dict:
    """Template variables other areas add for their partials (signals.viewer_page_context): the
    questions, an open day's report; the feed knows none of them."""
    context = {}
    app = current_app._get_current_object()
    for _receiver, variables in viewer_page_context.send(app, session=Session(), interview=interview):
        context.update(variables or {})
    return context


def _archive_kind(interview_id: int) -> str | None:
    """"video" or "text" (图文直播 without video) from the published archive's interview.json, if any.

    Read from the folder, not from publishing's code: studio never imports publishing."""
    meta = Path(current_app.config["DATA_DIR"]) / "archive" / str(interview_id) / "interview.json"
    try:
        return json.loads(meta.read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None


def _viewer_plugins() -> list[tuple[str, str]]:
    """(static endpoint, filename) of each viewer script present, in load order."""
    found = []
    for area, name in VIEWER_PLUGINS:
        blueprint = current_app.blueprints.get(area)
        if blueprint is not None and blueprint.has_static_folder and (Path(blueprint.static_folder) / name).is_file():
            found.append((f"{area}.static", name))
    return found
