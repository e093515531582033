"""Counting without tracking people: concurrent /live viewers per interview (each server process
keeps its own row, the total is their sum, the peak is kept), archive page views (a counter),
and the question figures read from moderation's rows (read only).

No socket id, address or cookie is stored: the only per-socket memory is this process's set of
rooms a connected socket is in, dropped when it leaves or disconnects.
"""
from __future__ import annotations

import os
import socket
import threading
import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from studio.platform.db import utcnow
from .models import InterviewStats, ViewerCount

# Rows of a process that has not written for this long are from a process that is gone.
STALE_AFTER = timedelta(hours=6)
PROCESS = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

_lock = threading.Lock()
# Keyed by the database too: one process may serve several apps (tests), each its own count.
_rooms: dict[tuple[str, str], set[int]] = {}   # (database, sid) -> interviews (process memory only)
_counts: dict[tuple[str, int], int] = {}       # (database, interview) -> sockets in its /live room here
# The highest count since it was last stored (the peak of a burst the stored count skipped).
_highs: dict[tuple[str, int], int] = {}


def joined(sid: str, interview_id: int, database: str = "") -> int | None:
    """A /live socket joined an interview's room: this process's new count, or None if it was in."""
    with _lock:
        rooms = _rooms.setdefault((database, sid), set())
        if interview_id in rooms:
            return None
        rooms.add(interview_id)
        key = (database, interview_id)
        _counts[key] = _counts.get(key, 0) + 1
        _highs[key] = max(_highs.get(key, 0), _counts[key])
        return _counts[key]


def to_store(database: str, interview_ids) -> dict[int, tuple[int, int]]:
    """{interview: (this process's count now, its highest since last stored)}; resets the highs."""
    out = {}
    with _lock:
        for iid in interview_ids:
            key = (database, iid)
            count = _counts.get(key, 0)
            out[iid] = (count, max(count, _highs.pop(key, 0)))
    return out


def left(sid: str, interview_id: int | None = None, database: str = "") -> dict[int, int]:
    """A socket left one room (or, interview_id None, disconnected): {interview: new count}."""
    changed = {}
    with _lock:
        rooms = _rooms.get((database, sid), set())
        for iid in ([interview_id] if interview_id is not None else list(rooms)):
            if iid in rooms:
                rooms.discard(iid)
                key = (database, iid)
                _counts[key] = max(0, _counts.get(key, 0) - 1)
                changed[iid] = _counts[key]
        if not rooms:
            _rooms.pop((database, sid), None)
    return changed


def _ensure_stats(session, interview_id: int) -> InterviewStats:
    stats = session.get(InterviewStats, interview_id)
    if stats is None:
        stats = InterviewStats(interview_id=interview_id, viewers_peak=0, archive_views=0)
        session.add(stats)
        session.flush()
    return stats


def store_count(session, interview_id: int, count: int, process: str = PROCESS, high: int | None = None) -> int:
    """Write this process's count and raise the kept peak if the total is higher; the total.
    `high`: this process's highest count since it last stored one (counted in the peak)."""
    now = utcnow()
    row = session.get(ViewerCount, (interview_id, process))
    if row is None:
        session.add(ViewerCount(interview_id=interview_id, process=process, viewers=count, updated_at=now))
    else:
        row.viewers, row.updated_at = count, now
    session.flush()
    total = viewers_now(session, interview_id)
    peak = total + max(0, (high or count) - count)
    _ensure_stats(session, interview_id)
    # One conditional UPDATE: processes raising the peak at once never lower it.
    session.execute(update(InterviewStats).where(InterviewStats.interview_id == interview_id,
                                                 InterviewStats.viewers_peak < peak)
                    .values(viewers_peak=peak, viewers_peak_at=now))
    return total


def viewers_now(session, interview_id: int) -> int:
    since = utcnow() - STALE_AFTER
    return int(session.scalar(select(func.coalesce(func.sum(ViewerCount.viewers), 0)).where(
        ViewerCount.interview_id == interview_id, ViewerCount.updated_at >= since)) or 0)


def count_archive_view(session, interview_id: int) -> None:
    """One GET of a published interview's archive page: a number goes up, nothing else is kept."""
    _ensure_stats(session, interview_id)
    session.execute(update(InterviewStats).where(InterviewStats.interview_id == interview_id)
                    .values(archive_views=InterviewStats.archive_views + 1))


def reply_questions(session, interview_id: int):
    """Approved questions not answered on air: those owed a written reply (答复)."""
    from moderation.models import Question

    return list(session.scalars(select(Question).where(Question.interview_id == interview_id,
                                                       Question.status.in_(("approved", "pushed")))))


def question_figures(session, interview_ids: list[int]) -> dict:
    from moderation.models import PUBLIC_STATUSES, Question
    from moderation import reply_due  # its public rule: the question's own due, else end + reply_days

    from studio.platform.models import Interview

    figures = {"received": 0, "approved": 0, "answered_live": 0, "replied": 0, "replied_on_time": 0}
    if not interview_ids:
        return figures
    interviews = {i.id: i for i in session.scalars(select(Interview).where(Interview.id.in_(interview_ids)))}
    for q in session.scalars(select(Question).where(Question.interview_id.in_(interview_ids),
                                                    Question.status != "merged")):
        figures["received"] += 1
        figures["approved"] += q.status in PUBLIC_STATUSES
        figures["answered_live"] += q.status == "answered"
        if q.reply_text and q.replied_at is not None:
            figures["replied"] += 1
            due = reply_due(session, q, interviews[q.interview_id])
            figures["replied_on_time"] += due is None or q.replied_at <= due
    return figures


def interview_stats(session, interview_id: int) -> dict:
    stats = session.get(InterviewStats, interview_id)
    questions = question_figures(session, [interview_id])
    questions.pop("replied_on_time")
    return {"viewers_now": viewers_now(session, interview_id),
            "viewers_peak": stats.viewers_peak if stats else 0,
            "archive_views": stats.archive_views if stats else 0,
            "questions": questions}
