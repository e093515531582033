"""Interviews: the plan rows that become live programmes. Services, then HTTP routes."""
from __future__ import annotations

import re
import unicodedata

from flask import Blueprint, g, jsonify
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from studio.platform.auth import has_role, require_permission
from studio.platform.db import Session, utcnow
from studio.platform.errors import Conflict, NotFound, ValidationError
from studio.platform.http import declare
from studio.platform.streams import MAX_ID, PUBLIC_STATES, get_interview, lock_interview
from studio.platform.events import close_public_room_after_commit, record_event
from studio.platform.models import INTERVIEW_KINDS, INTERVIEW_STATES, Guest, Interview, InterviewUnit, Unit
from studio.feed.models import Image
from .permissions import PERMISSIONS
from studio.platform.timefmt import iso, parse_iso
from . import schemas as _schemas

# Which state may follow which. ended -> live resumes a live ended by mistake;
# published -> ended is unpublishing.
TRANSITIONS = {
    "planned": {"preview", "live"},
    "preview": {"planned", "live"},
    "live": {"ended"},
    "ended": {"live", "published"},
    "published": {"ended"},
}
STATE_LABELS = {"planned": "计划中", "preview": "预告", "live": "直播中", "ended": "已结束", "published": "已发布"}

# What `POST …/state` may do, by who asks (admin may do all of ADMIN_MOVES). The studio roles
# start, end and restart the live. Nobody leaves `published` here: unpublishing (the
# publisher's DELETE …/publish) also withdraws the archive, which would otherwise keep serving it.
STUDIO_MOVES = {"planned": {"live"}, "preview": {"live"}, "live": {"ended"}, "ended": {"live"}}
ADMIN_MOVES = {state: set(targets) for state, targets in TRANSITIONS.items() if state != "published"}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# More than this many units, guests or hosts on one interview is a mistake (or an attack).
MAX_LIST_ITEMS = {"units": 30, "guests": 30, "hosts": 20}

bp = Blueprint("interviews", __name__)


# ---- serialisation --------------------------------------------------------------------------

def guest_json(guest: Guest) -> dict:
    return {"id": guest.id, "name": guest.name, "title": guest.title, "bio": guest.bio,
            "photo_url": f"/media/{guest.photo_image_id}" if guest.photo_image_id else None,
            "photo_image_id": guest.photo_image_id}


def interview_json(interview: Interview, staff: bool) -> dict:
    """Public fields for everyone; liaison and notes for staff only."""
    data = {
        "id": interview.id, "title": interview.title, "topic": interview.topic,
        "description": interview.description, "state": interview.state, "year": interview.year,
        "scheduled_at": iso(interview.scheduled_at), "scheduled_month": interview.scheduled_month,
        "units": [{"id": iu.unit.id, "name": iu.unit.name, "is_lead": iu.is_lead} for iu in interview.units],
        "guests": [guest_json(guest) for guest in interview.guests],
        "hosts": list(interview.hosts or []),
        "questions_open_at": iso(interview.questions_open_at),
        "questions_close_at": iso(interview.questions_close_at),
        "started_at": iso(interview.started_at), "ended_at": iso(interview.ended_at),
        "published_at": iso(interview.published_at),
        "last_seq": interview.last_seq,
        "kind": interview.kind or "interview", "policy_title": interview.policy_title or "",
        "policy_url": interview.policy_url or "",
    }
    if staff:
        data.update({"plan_no": interview.plan_no, "liaison_name": interview.liaison_name,
                     "liaison_phone": interview.liaison_phone, "liaison_email": interview.liaison_email,
                     "notes": interview.notes, "created_at": iso(interview.created_at),
                     "updated_at": iso(interview.updated_at)})
    return data


# ---- services -------------------------------------------------------------------------------

def list_interviews(session, staff: bool, year: int | None = None, state: str | None = None) -> list[Interview]:
    query = select(Interview).order_by(Interview.scheduled_at.is_(None), Interview.scheduled_at,
                                       Interview.scheduled_month, Interview.id)
    if year:
        query = query.where(Interview.year == year)
    if state:
        query = query.where(Interview.state == state)
    if not staff:
        query = query.where(Interview.state.in_(PUBLIC_STATES))
    return list(session.scalars(query))


def unit_by_name(session, name: str) -> Unit:
    """Find or create a unit by its exact name."""
    name = name.strip()
    unit = session.scalar(select(Unit).where(Unit.name == name))
    if unit is None:
        unit = Unit(name=name)
        session.add(unit)
        session.flush()
    return unit


# Fields that may hold several lines; every other text field is one line.
MULTILINE_FIELDS = frozenset({"topic", "description", "notes", "bio"})


def clean_text(value: str, field: str, limit: int, multiline: bool = False) -> str:
    """Strip a text value and refuse control characters (NUL breaks PostgreSQL, others mangle pages)."""
    value = value.strip()
    allowed = "\n\r\t" if multiline else ""
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        raise ValidationError(f"{field} 含有不可见的控制字符", code="invalid_characters", field=field)
    if len(value) > limit:
        raise ValidationError(f"{field} 超过 {limit} 个字符", code="too_long", field=field)
    return value


def _text(body: dict, key: str, limit: int, required: bool = False) -> str | None:
    if key not in body:
        if required:
            raise ValidationError(f"{key} 不能为空", code="missing_field", field=key)
        return None
    value = body[key]
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{key} 必须是字符串", code="invalid_field", field=key)
    value = clean_text(value, key, limit, multiline=key in MULTILINE_FIELDS)
    if required and not value:
        raise ValidationError(f"{key} 不能为空", code="missing_field", field=key)
    return value


def _time(body: dict, key: str):
    try:
        return parse_iso(body[key], key)
    except OverflowError:  # e.g. year 1 with a positive offset falls outside datetime's range
        raise ValidationError(f"{key}: 时间超出范围", code="invalid_time", field=key)


def _check_count(field: str, items: list) -> None:
    if len(items) > MAX_LIST_ITEMS[field]:
        raise ValidationError(f"{field} 最多 {MAX_LIST_ITEMS[field]} 项", code="too_many_items", field=field)


def _apply_units(session, interview: Interview, units) -> None:
    if not isinstance(units, list):
        raise ValidationError("units 必须是列表", code="invalid_field", field="units")
    _check_count("units", units)
    interview.units.clear()
    session.flush()
    seen = set()
    for position, item in enumerate(units):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not isinstance(item.get("name", ""), str) \
                or not isinstance(item.get("is_lead", False), bool):
            raise ValidationError("units 的每一项需要 {name, is_lead?}", code="invalid_field", field="units")
        raw = clean_text(item.get("name", ""), "units", 200)
        name = raw.strip("★").strip()
        lead = item.get("is_lead", False) or raw.startswith("★") or raw.endswith("★")
        if not name or name in seen:
            continue
        seen.add(name)
        interview.units.append(InterviewUnit(unit=unit_by_name(session, name), is_lead=lead, position=position))
    if sum(iu.is_lead for iu in interview.units) > 1:
        raise ValidationError("只能有一个第一责任单位（★）", code="several_leads", field="units")
    if interview.units and not any(iu.is_lead for iu in interview.units):
        interview.units[0].is_lead = True  # the first-named unit leads unless one is marked


def _apply_guests(session, interview: Interview, guests) -> None:
    if not isinstance(guests, list):
        raise ValidationError("guests 必须是列表", code="invalid_field", field="guests")
    _check_count("guests", guests)
    by_id = {guest.id: guest for guest in interview.guests}
    kept = []
    for position, item in enumerate(guests):
        if not isinstance(item, dict):
            raise ValidationError("guests 的每一项需要 {name, title, bio}", code="invalid_field", field="guests")
        guest_id = item.get("id")
        if guest_id is not None and (isinstance(guest_id, bool) or not isinstance(guest_id, int)):
            raise ValidationError("guests 的 id 必须是整数", code="invalid_field", field="guests")
        guest = by_id.get(guest_id) if guest_id is not None else None
        if guest is None:
            guest = Guest(interview_id=interview.id)
        guest.name = _text(item, "name", 120, required=True)
        guest.title = _text(item, "title", 200) or ""
        guest.bio = _text(item, "bio", 2000) or ""
        if "photo_image_id" in item:
            photo = item["photo_image_id"]
            if photo is not None and (isinstance(photo, bool) or not isinstance(photo, int)):
                raise ValidationError("photo_image_id 必须是整数", code="invalid_field", field="guests")
            if photo is not None and (not 0 < photo <= MAX_ID or session.get(Image, photo) is None):
                raise ValidationError(f"没有编号为 {photo} 的图片", code="image_not_found", field="guests")
            guest.photo_image_id = photo
        guest.position = position
        kept.append(guest)
    interview.guests[:] = kept


def apply_changes(session, interview: Interview, body: dict) -> None:
    """Apply the editable fields of body to interview (validating each)."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", code="invalid_json")
    for key, limit in (("title", 300), ("topic", 5000), ("description", 20000), ("liaison_name", 120),
                       ("liaison_phone", 60), ("liaison_email", 200), ("notes", 20000)):
        value = _text(body, key, limit, required=(key == "title" and "title" in body))
        if value is not None:
            setattr(interview, key, value)
    _apply_kind(interview, body)
    if interview.liaison_email and not EMAIL.fullmatch(interview.liaison_email):
        raise ValidationError("联络人电子邮箱格式不正确", code="invalid_email", field="liaison_email")
    for key in ("scheduled_at", "questions_open_at", "questions_close_at"):
        if key in body:
            setattr(interview, key, _time(body, key))
    if "year" in body:
        year = body["year"]
        if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100):
            raise ValidationError("year 必须是 2000–2100 的整数", code="invalid_field", field="year")
        interview.year = year
    if "scheduled_month" in body:
        month = body["scheduled_month"]
        if month is not None and (isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12):
            raise ValidationError("scheduled_month 必须是 1–12", code="invalid_field", field="scheduled_month")
        interview.scheduled_month = month
    if "hosts" in body:
        hosts = body["hosts"]
        if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
            raise ValidationError("hosts 必须是姓名列表", code="invalid_field", field="hosts")
        _check_count("hosts", hosts)
        interview.hosts = [name for name in (clean_text(h, "hosts", 120) for h in hosts) if name]
    if interview.scheduled_at and not interview.year:
        interview.year = interview.scheduled_at.year
    if interview.scheduled_at and interview.scheduled_month is None:
        interview.scheduled_month = interview.scheduled_at.month
    if interview.questions_open_at and interview.questions_close_at \
            and interview.questions_close_at <= interview.questions_open_at:
        raise ValidationError("提问征集结束时间必须晚于开始时间", code="invalid_window")
    if "units" in body:
        _apply_units(session, interview, body["units"])
    if "guests" in body:
        _apply_guests(session, interview, body["guests"])


def _apply_kind(interview: Interview, body: dict) -> None:
    """kind and, for a policy explainer, the document it explains (an http(s) link only: it is
    shown as a link on the archive page)."""
    if "kind" in body:
        if body["kind"] not in INTERVIEW_KINDS:
            raise ValidationError("kind 必须是 interview、policy_video 或 open_day", code="invalid_kind", field="kind")
        interview.kind = body["kind"]
    for key, limit in (("policy_title", 300), ("policy_url", 1000)):
        value = _text(body, key, limit)
        if value is not None:
            setattr(interview, key, value)
    if interview.policy_url and not re.fullmatch(r"https?://[^\s<>\"]+", interview.policy_url):
        raise ValidationError("政策文件链接必须以 http:// 或 https:// 开头", code="invalid_url", field="policy_url")


def create_interview(session, body: dict) -> Interview:
    """Create an interview in state planned."""
    if not isinstance(body, dict) or not isinstance(body.get("title"), str) or not body["title"].strip():
        raise ValidationError("title 不能为空", code="missing_field", field="title")
    interview = Interview(title=body["title"].strip(), hosts=[])
    session.add(interview)
    session.flush()
    apply_changes(session, interview, body)
    if "state" in body and body["state"] != "planned":
        change_state(session, interview, body["state"])
    return interview


def update_interview(session, interview: Interview, body: dict) -> Interview:
    """Change fields (and, with "state", the state) and tell viewers."""
    state = body.get("state") if isinstance(body, dict) else None
    fields = {k: v for k, v in body.items() if k != "state"} if isinstance(body, dict) else body
    apply_changes(session, interview, fields)
    session.flush()
    if fields:
        record_event(session, interview.id, "interview.updated", interview_json(interview, staff=False))
    if state is not None and state != interview.state:
        change_state(session, interview, state)
    return interview


def change_state(session, interview: Interview, new_state: str) -> Interview:
    """Move an interview along planned → preview → live → ended → published."""
    if new_state not in INTERVIEW_STATES:
        raise ValidationError(f"未知状态 {new_state!r}", code="invalid_state")
    if new_state not in TRANSITIONS[interview.state]:
        raise Conflict(f"不能从「{STATE_LABELS[interview.state]}」变为「{STATE_LABELS[new_state]}」",
                       code="invalid_transition", state=interview.state)
    old = interview.state
    interview.state = new_state
    now = utcnow()
    if new_state == "live" and interview.started_at is None:
        interview.started_at = now
    if new_state == "ended":
        interview.ended_at = now
    if new_state == "published":
        interview.published_at = now
    session.flush()
    record_event(session, interview.id, "interview.state_changed",
                 {"from": old, "state": new_state, "started_at": iso(interview.started_at),
                  "ended_at": iso(interview.ended_at), "published_at": iso(interview.published_at)})
    if old in PUBLIC_STATES and new_state not in PUBLIC_STATES:
        close_public_room_after_commit(session, interview.id)  # no longer public: viewers' sockets leave
    return interview


def request_state(session, interview: Interview, new_state: str, role: str) -> Interview:
    """A state change asked for through `POST …/state` by a staff role (see STUDIO_MOVES).

    Asking for the state the interview is already in (a double click, a lost answer) changes
    nothing and succeeds: what was wanted is true.
    """
    if new_state not in INTERVIEW_STATES:
        raise ValidationError(f"未知状态 {new_state!r}", code="invalid_state")
    moves = ADMIN_MOVES if role == "admin" else STUDIO_MOVES
    if not any(new_state in targets for targets in moves.values()):
        raise ValidationError("演播室角色只能开始、结束或重新开始直播", code="forbidden_transition", status=403)
    if new_state == interview.state:
        return interview
    if interview.state == "published":
        raise Conflict("已发布的访谈不能在这里改回；请编辑在剪辑发布页「撤回发布」", code="published_use_unpublish",
                       state=interview.state)
    if new_state not in moves.get(interview.state, set()):
        if new_state in TRANSITIONS[interview.state]:  # a move another role may make
            raise ValidationError(f"当前角色不能把访谈从「{STATE_LABELS[interview.state]}」改为"
                                  f"「{STATE_LABELS[new_state]}」", code="forbidden_transition", status=403)
    return change_state(session, interview, new_state)  # an impossible move: its clear 409


def delete_planned_interview(session, interview: Interview) -> None:
    """Remove an interview that was never announced (e.g. a plan imported into the wrong year)."""
    if interview.state != "planned" or interview.started_at is not None:
        raise Conflict("只能删除尚未发布预告的访谈", code="not_deletable", state=interview.state)
    session.delete(interview)
    try:
        session.flush()
    except IntegrityError:
        # Another package's rows (questions, scripts, recordings) still point at it.
        session.rollback()
        raise Conflict("此访谈已有关联数据（提问、访谈稿或录制），不能删除", code="not_deletable")


def snapshot_part(session, interview: Interview, audience: str) -> dict:
    """Snapshot part "interview" (signals.snapshot_parts; connected by init_app)."""
    return {"interview": interview_json(interview, staff=(audience == "staff"))}


# ---- HTTP -----------------------------------------------------------------------------------

def _is_staff() -> bool:
    return g.get("user") is not None


@bp.get("/api/interviews")
@declare(query=_schemas.InterviewsQuery, resp={200: _schemas.Interviews})
def list_interviews_api(query: _schemas.InterviewsQuery):
    year = query.year
    if year is not None and not 1900 <= year <= 2200:
        raise ValidationError("year 必须是四位年份", code="invalid_field", field="year")
    state = query.state
    if state and state not in INTERVIEW_STATES:
        raise ValidationError(f"未知状态 {state!r}", code="invalid_state")
    staff = _is_staff()
    return jsonify({"interviews": [interview_json(i, staff) for i in
                                   list_interviews(Session(), staff, year, state)]})


@bp.get("/api/interviews/<id:interview_id>")
@declare(resp={200: _schemas.Interview})
def get_interview_api(interview_id: int):
    staff = _is_staff()
    return jsonify(interview_json(get_interview(Session(), interview_id, staff), staff))


@bp.post("/api/interviews")
@require_permission(PERMISSIONS["edit_interviews"])
@declare(body=_schemas.NewInterview, resp={201: _schemas.Interview})
def create_interview_api(body: _schemas.NewInterview):
    session = Session()
    interview = create_interview(session, body.given())
    session.commit()
    return jsonify(interview_json(interview, staff=True)), 201


@bp.patch("/api/interviews/<id:interview_id>")
@require_permission(PERMISSIONS["edit_interviews"])
@declare(body=_schemas.InterviewChange, resp={200: _schemas.Interview})
def update_interview_api(interview_id: int, body: _schemas.InterviewChange):
    session = Session()
    interview = update_interview(session, get_interview(session, interview_id), body.given())
    session.commit()
    return jsonify(interview_json(interview, staff=True))


@bp.delete("/api/interviews/<id:interview_id>")
@require_permission(PERMISSIONS["edit_interviews"])
@declare(resp={200: _schemas.Deleted})
def delete_interview_api(interview_id: int):
    session = Session()
    delete_planned_interview(session, get_interview(session, interview_id))
    session.commit()
    return jsonify({"ok": True, "deleted": interview_id})


@bp.post("/api/interviews/<id:interview_id>/state")
@require_permission(PERMISSIONS["change_live_state"])
@declare(body=_schemas.StateChange, resp={200: _schemas.Interview})
def change_state_api(interview_id: int, body: _schemas.StateChange):
    """Start or end the live (the studio roles may do this; admin may do any transition)."""
    new_state = body.state
    if not isinstance(new_state, str):
        raise ValidationError("state 必须是字符串", code="invalid_state")
    session = Session()
    interview = request_state(session, get_interview(session, interview_id), new_state, g.user.role)
    session.commit()
    return jsonify(interview_json(interview, staff=True))
