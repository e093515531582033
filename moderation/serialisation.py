"""The questions' JSON: the staff form, the public form, and the names of statuses and sources.

The staff form carries the claim and the merged originals; the contact only when the caller says
the reader is screening staff, never in events (the event log is kept and replayed).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from studio.platform.db import utcnow
from studio.platform.models import Unit, User
from studio.platform.timefmt import iso

from .models import Question


CLAIM_SECONDS = 90
STATUS_NAMES = {"pending": "待审核", "approved": "已通过", "pushed": "已推送", "on_air": "正在回答",
                "answered": "已回答", "rejected": "已驳回", "merged": "已合并"}
SOURCE_NAMES = {"web": "网站", "hotline": "热线", "onsite": "现场"}


def user_ref(session, user_id: int | None) -> dict | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return {"id": user.id, "name": user.display_name or user.username} if user else None


def reply_json(session, q: Question) -> dict | None:
    if not q.reply_text:
        return None
    unit = session.get(Unit, q.reply_unit_id) if q.reply_unit_id else None
    return {"text": q.reply_text, "unit": unit.name if unit else "", "replied_at": iso(q.replied_at)}


def public_status(status: str) -> str:
    """The host queue is backstage: to the public a pushed question is simply approved."""
    return "approved" if status == "pushed" else status


def public_question_json(session, q: Question) -> dict:
    """What anyone may see of an approved question: never contact, flags, labels or the original."""
    return {"id": q.id, "interview_id": q.interview_id, "nickname": q.nickname, "text": q.text,
            "status": public_status(q.status), "askers": q.askers, "created_at": iso(q.created_at),
            "on_air_at": iso(q.on_air_at), "answered_at": iso(q.answered_at),
            "reply": reply_json(session, q), "version": q.version}


def question_json(session, q: Question, contact: bool = False, merged: list[Question] | None = None) -> dict:
    """The staff form. `contact` only for screening staff (moderator, admin), never in events."""
    data = {
        "id": q.id, "interview_id": q.interview_id, "nickname": q.nickname, "text": q.text,
        "original_text": q.original_text, "status": q.status, "source": q.source,
        "flags": list(q.flags or []), "labels": list(q.labels or []), "starred": q.starred,
        "queue_position": q.queue_position, "merged_into": q.merged_into_id, "askers": q.askers,
        "receipt": q.receipt, "created_at": iso(q.created_at), "updated_at": iso(q.updated_at),
        "version": q.version, "claimed_by": claim_ref(session, q), "claimed_until": claim_until(q),
        "handled_by": user_ref(session, q.handled_by_id),
        "reject_reason": q.reject_reason or None, "on_air_at": iso(q.on_air_at),
        "answered_at": iso(q.answered_at), "reply": reply_json(session, q),
        "reply_due_at": iso(q.reply_due_at), "has_contact": bool(q.contact),
    }
    if merged is not None:
        data["merged_questions"] = [{"id": m.id, "nickname": m.nickname, "text": m.text,
                                     "created_at": iso(m.created_at)} for m in merged]
    if contact:
        data["contact"] = q.contact or None
    return data


def claim_ref(session, q: Question) -> dict | None:
    if q.claimed_by_id is None or q.claimed_at is None or q.claimed_at < utcnow() - timedelta(seconds=CLAIM_SECONDS):
        return None
    return user_ref(session, q.claimed_by_id)


def claim_until(q: Question) -> str | None:
    if q.claimed_by_id is None or q.claimed_at is None:
        return None
    until = q.claimed_at + timedelta(seconds=CLAIM_SECONDS)
    return iso(until) if until > utcnow() else None


def merged_children(session, q: Question) -> list[Question]:
    return list(session.scalars(select(Question).where(Question.merged_into_id == q.id).order_by(Question.id)))


def event_json(session, q: Question) -> dict:
    """Staff event data: the staff JSON without contact (the event log is kept and replayed)."""
    return question_json(session, q, contact=False, merged=merged_children(session, q))
