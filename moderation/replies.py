"""Written replies (答复) after the live: routing to a unit, deadlines, publishing, the archive's list."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from studio.platform.db import utcnow
from studio.platform.errors import ValidationError
from studio.platform.events import record_event
from studio.platform.models import Interview, Unit, User
from studio.platform.timefmt import iso, parse_iso

from .audit import record_audit
from .lists import MAX_ID
from .models import Question
from .question_settings import DEFAULT_REPLY_DAYS, get_settings
from .screening import check_status
from .serialisation import event_json, public_question_json, question_json


def _lead_unit_id(interview: Interview) -> int | None:
    for iu in interview.units:
        if iu.is_lead:
            return iu.unit_id
    return interview.units[0].unit_id if interview.units else None


def reply_due(session, q: Question, interview: Interview) -> datetime | None:
    if q.reply_due_at is not None:
        return q.reply_due_at
    if interview.ended_at is None:
        return None
    return interview.ended_at + timedelta(days=get_settings(session, interview.id).reply_days or DEFAULT_REPLY_DAYS)


def list_replies(session, interview_id: int | None = None, unit_id: int | None = None,
                 overdue_only: bool = False, include_done: bool = False) -> list[dict]:
    """Approved questions not answered on air, after the live, grouped by responsible unit."""
    query = select(Question, Interview).join(Interview, Interview.id == Question.interview_id).where(
        Question.status.in_(("approved", "pushed")), Interview.state.in_(("ended", "published")))
    if interview_id is not None:
        query = query.where(Question.interview_id == interview_id)
    now = utcnow()
    groups: dict[int | None, dict] = {}
    for q, interview in session.execute(query.order_by(Interview.id, Question.created_at, Question.id)):
        if q.reply_text and not include_done:
            continue
        unit = q.reply_unit_id or _lead_unit_id(interview)
        if unit_id is not None and unit != unit_id:
            continue
        due = reply_due(session, q, interview)
        overdue = bool(due and not q.reply_text and due < now)
        if overdue_only and not overdue:
            continue
        group = groups.get(unit)
        if group is None:
            unit_row = session.get(Unit, unit) if unit else None
            group = groups[unit] = {"unit_id": unit, "unit": unit_row.name if unit_row else "未指定单位",
                                    "questions": [], "overdue": 0}
        group["overdue"] += overdue
        group["questions"].append({**question_json(session, q), "interview_title": interview.title,
                                   "reply_unit_id": unit, "reply_due_at": iso(due), "overdue": overdue})
    return sorted(groups.values(), key=lambda g: (-g["overdue"], g["unit"]))


def assign_reply(session, q: Question, user: User, body: dict) -> Question:
    """Route an unanswered question to a responsible unit and/or change its deadline."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", code="invalid_json")
    check_status(session, q, ("approved", "pushed"), "安排答复")
    before = {"reply_unit_id": q.reply_unit_id, "reply_due_at": iso(q.reply_due_at)}
    if "unit_id" in body:
        unit_id = body["unit_id"]
        if unit_id is not None and (isinstance(unit_id, bool) or not isinstance(unit_id, int)
                                    or not 0 < unit_id <= MAX_ID or session.get(Unit, unit_id) is None):
            raise ValidationError("没有这个责任单位", code="unit_not_found", field="unit_id")
        q.reply_unit_id = unit_id
    if "due_at" in body:
        q.reply_due_at = parse_iso(body["due_at"], "due_at")
    q.updated_at = utcnow()
    session.flush()
    record_audit(session, user, q, "assign_reply", before,
                 {"reply_unit_id": q.reply_unit_id, "reply_due_at": iso(q.reply_due_at)})
    record_event(session, q.interview_id, "question.reply_assigned", event_json(session, q))
    return q


def save_reply(session, q: Question, user: User, body: dict) -> Question:
    """Publish the unit's written reply (答复); it appears on the viewer and archive pages."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象 {text}", code="invalid_json")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("请填写答复内容", code="empty_text", field="text")
    text = text.replace("\r\n", "\n").strip()
    if len(text) > 5000:
        raise ValidationError("答复最多 5000 个字", code="too_long", field="text")
    check_status(session, q, ("approved", "pushed", "answered"), "答复")
    if "unit_id" in body:
        assign_reply(session, q, user, {"unit_id": body["unit_id"]})
    before = {"reply": q.reply_text or None}
    q.reply_text = text
    q.replied_at = utcnow()
    q.replied_by_id = user.id
    if q.reply_unit_id is None:
        q.reply_unit_id = _lead_unit_id(session.get(Interview, q.interview_id))
    q.updated_at = utcnow()
    session.flush()
    record_audit(session, user, q, "reply", before, {"reply": text})
    record_event(session, q.interview_id, "question.replied", public_question_json(session, q))
    return q


def list_answered_for_archive(session, interview_id: int) -> list[dict]:
    """Public JSON of the questions answered on air or in writing, in the order they were answered."""
    rows = session.scalars(select(Question).where(
        Question.interview_id == interview_id,
        (Question.status == "answered") | ((Question.status.in_(("approved", "pushed"))) & (Question.reply_text != "")))
        .order_by(Question.answered_at.is_(None), Question.answered_at, Question.replied_at, Question.id))
    return [public_question_json(session, q) for q in rows]
