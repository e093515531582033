"""The screening lists, the counters, the public list and the duplicate suggestions (reads only)."""
from __future__ import annotations

from sqlalchemy import func, select

from studio.platform.errors import NotFound
from studio.platform.http import MAX_ID  # a larger id is simply not there (re-exported for replies, screening)

from . import similarity
from .models import PUBLIC_STATUSES, Question
from .serialisation import STATUS_NAMES, public_question_json, question_json



def get_question(session, question_id: int) -> Question:
    q = session.get(Question, question_id) if 0 < question_id <= MAX_ID else None
    if q is None:
        raise NotFound("问题不存在", code="question_not_found")
    return q


_ORDER = {
    "pending": (Question.created_at, Question.id),
    "pushed": (Question.queue_position, Question.id),
    "answered": (Question.answered_at.desc(), Question.id),
    "rejected": (Question.updated_at.desc(), Question.id),
}


def list_questions(session, interview_id: int, statuses: list[str] | None = None, contact: bool = False,
                   source: str | None = None, flag: str | None = None) -> list[dict]:
    """The screening lists, oldest first (the host queue by position), each with its merged originals."""
    query = select(Question).where(Question.interview_id == interview_id)
    if statuses:
        query = query.where(Question.status.in_(statuses))
    if source:
        query = query.where(Question.source == source)
    order = _ORDER.get(statuses[0]) if statuses and len(statuses) == 1 else None
    rows = list(session.scalars(query.order_by(*(order or (Question.created_at, Question.id)))))
    children: dict[int, list[Question]] = {}
    merged_rows = session.scalars(select(Question).where(
        Question.interview_id == interview_id, Question.merged_into_id.is_not(None)).order_by(Question.id))
    for child in merged_rows:
        children.setdefault(child.merged_into_id, []).append(child)
    result = [question_json(session, q, contact=contact, merged=children.get(q.id, [])) for q in rows]
    if flag:
        result = [q for q in result if _has_flag(q, flag)]
    return result


def _has_flag(q: dict, flag: str) -> bool:
    if flag == "none":
        return not q["flags"]
    if flag == "starred":
        return q["starred"]
    return any(f.get("type") == flag for f in q["flags"]) or flag in q["labels"]


def counters(session, interview_id: int) -> dict:
    rows = session.execute(select(Question.status, func.count()).where(
        Question.interview_id == interview_id).group_by(Question.status)).all()
    counts = {status: 0 for status in STATUS_NAMES}
    counts.update({status: n for status, n in rows})
    return counts


def public_questions(session, interview_id: int) -> list[dict]:
    """Approved questions for the viewer page, oldest first."""
    rows = session.scalars(select(Question).where(
        Question.interview_id == interview_id, Question.status.in_(PUBLIC_STATUSES))
        .order_by(Question.created_at, Question.id))
    return [public_question_json(session, q) for q in rows]


def similar_questions(session, q: Question) -> list[dict]:
    """Questions of the same interview that read alike (duplicate suggestions), best first."""
    found = similarity.interview_candidates(session, q.interview_id, q.match_key, exclude=q.id)
    result = []
    for item in found:
        other = session.get(Question, item["question_id"])
        result.append({**item, "question": question_json(session, other)})
    return result
