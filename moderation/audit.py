"""The moderation audit trail: who did what to which question or setting, with before and after.

Every screening action writes its row in the caller's transaction, with the change itself.
"""
from __future__ import annotations

from sqlalchemy import select

from studio.platform.db import utcnow
from studio.platform.models import User
from studio.platform.timefmt import iso

from .models import ModerationAudit, Question


def record_audit(session, user: User | None, q: Question | None, action: str, before: dict, after: dict,
                 interview_id: int | None = None) -> None:
    """Write one audit row, in the caller's transaction with the change it records."""
    session.add(ModerationAudit(
        at=utcnow(), user_id=user.id if user else None, username=user.username if user else "",
        interview_id=q.interview_id if q is not None else interview_id, question_id=q.id if q is not None else None,
        action=action, before=before, after=after))


def audit_json(row: ModerationAudit) -> dict:
    return {"id": row.id, "at": iso(row.at), "user": row.username, "interview_id": row.interview_id,
            "question_id": row.question_id, "action": row.action, "before": row.before, "after": row.after}


def list_audit(session, interview_id: int | None = None, question_id: int | None = None,
               limit: int = 500, before_id: int | None = None) -> list[dict]:
    query = select(ModerationAudit).order_by(ModerationAudit.id.desc()).limit(limit)
    if interview_id is not None:
        query = query.where(ModerationAudit.interview_id == interview_id)
    if question_id is not None:
        query = query.where(ModerationAudit.question_id == question_id)
    if before_id is not None:
        query = query.where(ModerationAudit.id < before_id)
    return [audit_json(row) for row in session.scalars(query)]


def record_wordlist_change(session, user: User, added: list[str], removed: list[str]) -> None:
    record_audit(session, user, None, "wordlist", {"removed": removed}, {"added": added})
