"""Server-rendered staff pages: the interview list, the interview edit page, accounts.

The JS on each page talks to the JSON API (studio/interviews/static/admin*.js, and
static/js/admin_users.js for accounts); the pages themselves only read.
"""
from __future__ import annotations

import re

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import select

from studio.platform import users
from studio.platform.auth import require_page_permission, require_staff_page
from studio.platform.permissions import PERMISSIONS as PLATFORM_PERMISSIONS
from studio.platform.db import Session
from .services import ADMIN_MOVES, STATE_LABELS, get_interview, interview_json, list_interviews
from .permissions import PERMISSIONS
from studio.platform.models import INTERVIEW_STATES, ROLES, Interview
from studio.platform.timefmt import local_zone

bp = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/interviews")
# The account API lives with its page (studio/platform/users.py); nested so app.py need not list it.
bp.register_blueprint(users.bp)

# Where each role lands after logging in: the interview list, which shows each role its own pages.
HOME_FOR_ROLE = {role: "pages.admin_interviews" for role in ROLES}

ROLE_LABELS = users.ROLE_LABELS

# The studio pages of one interview (URLs fixed in the team brief), and the role each is for.
STUDIO_PAGES = (
    ("feed_editor", "图文直播", "/studio/{id}/feed"),
    ("moderator", "问题审核", "/studio/{id}/moderation"),
    ("host", "主持人", "/studio/{id}/host"),
    ("director", "导播", "/studio/{id}/director"),
    ("publisher", "剪辑发布", "/studio/{id}/edit"),
)

TRANSITIONS_ORDER = ("planned", "preview", "live", "ended", "published")

# The state buttons of the edit page: target state -> (label, confirmation question or "").
STATE_ACTIONS = {
    "preview": ("发布预告", "发布预告后，观众页将公开此访谈。确定发布预告吗？"),
    "planned": ("撤回为计划", "撤回后观众页将不再显示此访谈。确定撤回吗？"),
    "live": ("开始直播", "确定现在开始直播吗？观众页会立即显示“直播中”。"),
    "ended": ("结束直播", "确定结束直播吗？观众页会显示“回顾”。"),
    "published": ("标记为已发布", "通常由编辑在剪辑发布后完成。确定直接标记为已发布吗？"),
}


def page_links(interview_id: int, role: str) -> list[tuple[str, str]]:
    """(label, url) of the studio pages this role may open for one interview (admin: all)."""
    links = [(label, url.format(id=interview_id)) for page_role, label, url in STUDIO_PAGES
             if role == "admin" or role == page_role]
    links.append(("观众页", f"/i/{interview_id}"))
    return links


def local_input(value) -> str:
    """An aware datetime as the value of an <input type=datetime-local> in the studio's zone."""
    return value.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""


def local_text(value) -> str:
    return value.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M") if value else ""


@bp.app_context_processor
def _labels():
    return {"STATE_LABELS": STATE_LABELS, "ROLE_LABELS": ROLE_LABELS}


@bp.get("/")
def index():
    if g.get("user") is not None:
        return redirect(url_for(HOME_FOR_ROLE.get(g.user.role, "pages.admin_interviews")))
    return redirect("/archive/")


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for it on every site, whatever the page links (no 404 in the log)."""
    return current_app.send_static_file("favicon.ico")


@bp.get("/admin/")
@require_staff_page()
def admin_interviews():
    """The interview list by year and state; admin also gets editing and the plan import."""
    session = Session()
    years = sorted((y for y in session.scalars(select(Interview.year).distinct()) if y), reverse=True)
    year = request.args.get("year", type=int)
    state = request.args.get("state") or None
    if state not in INTERVIEW_STATES:
        state = None
    if year is not None and not 1900 <= year <= 2200:
        year = None
    interviews = list_interviews(session, staff=True, year=year, state=state)
    rows = [{"interview": i, "when": local_text(i.scheduled_at)[:10] if i.scheduled_at else
             (f"{i.scheduled_month}月" if i.scheduled_month else "待定"),
             "time": local_text(i.scheduled_at)[11:] if i.scheduled_at else "",
             "links": page_links(i.id, g.user.role)} for i in interviews]
    return render_template("admin_interviews.html", rows=rows, years=years, year=year, state=state,
                           states=INTERVIEW_STATES, is_admin=g.user.role == "admin",
                           default_year=year or (years[0] if years else None))


@bp.get("/admin/interviews/<id:interview_id>")
@require_page_permission(PERMISSIONS["edit_interviews"])
def admin_interview_edit(interview_id: int):
    """Everything about one interview, and the buttons that start and end its live."""
    interview = get_interview(Session(), interview_id)
    # The photo upload belongs to the live feed package; the page offers it only when it is there.
    can_upload_photos = any(re.sub(r"<[^>]*>", "<>", rule.rule) == "/api/interviews/<>/images"
                            and "POST" in rule.methods for rule in current_app.url_map.iter_rules())
    actions = [(target, *STATE_ACTIONS[target]) for target in INTERVIEW_STATES
               if target in ADMIN_MOVES.get(interview.state, ()) and target in STATE_ACTIONS]
    return render_template(
        "admin_interview_edit.html", interview=interview, data=interview_json(interview, staff=True),
        scheduled_at=local_input(interview.scheduled_at), questions_open_at=local_input(interview.questions_open_at),
        questions_close_at=local_input(interview.questions_close_at), actions=actions,
        started=local_text(interview.started_at), ended=local_text(interview.ended_at),
        links=page_links(interview.id, "admin"), can_upload_photos=can_upload_photos,
        # A published interview is taken back by the publisher's 撤回发布, not by these buttons.
        transitions={state: sorted(ADMIN_MOVES.get(state, ())) for state in TRANSITIONS_ORDER},
        state_actions=STATE_ACTIONS)


@bp.get("/admin/users")
@require_page_permission(PLATFORM_PERMISSIONS["manage_accounts"])
def admin_users():
    session = Session()
    return render_template("admin_users.html", accounts=users.list_accounts(session), roles=ROLES)
