"""The interview as the platform sees it: the stream every event, room and permission hangs on.

The interviews area owns what an interview says (title, guests, schedule) and how it moves
between states; the platform only needs to find one and to know whether the public may see it.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.util import identity_key

from .errors import NotFound
from .http import MAX_ID
from .models import Interview

PUBLIC_STATES = ("preview", "live", "ended", "published")
# Most callers only check that the interview exists (and its state): its units and guests,
# eager (selectin) on the model for the lists, are two more queries each time. Here they load
# when first read (one query each), as before but only for the callers that read them.
_ROW_ONLY = (lazyload(Interview.units), lazyload(Interview.guests))
# Built once: session.get() would build (and key for the statement cache) a new SELECT per call.
_BY_ID = select(Interview).options(*_ROW_ONLY).where(Interview.id == bindparam("interview_id"))


def _require_id(interview_id) -> None:
    if isinstance(interview_id, bool) or not isinstance(interview_id, int) or not 0 < interview_id <= MAX_ID:
        raise NotFound("访谈不存在", code="interview_not_found")


def _require_visible(state: str | None, staff: bool) -> None:
    """No such interview (state None), or one the public may not see yet: the same 404."""
    if state is None or (not staff and state not in PUBLIC_STATES):
        raise NotFound("访谈不存在", code="interview_not_found")


def get_interview(session, interview_id: int, staff: bool = True) -> Interview:
    """An interview by id; the public only sees announced ones."""
    _require_id(interview_id)
    if identity_key(Interview, interview_id) in session.identity_map:
        interview = session.get(Interview, interview_id)  # the session's copy (refreshed if expired)
    else:
        interview = session.execute(_BY_ID, {"interview_id": interview_id}).scalar_one_or_none()
    _require_visible(interview.state if interview is not None else None, staff)
    return interview


_STATE = select(Interview.__table__.c.state).where(Interview.__table__.c.id == bindparam("interview_id"))


def check_interview(session, interview_id: int, staff: bool = True) -> str:
    """get_interview's checks and errors when only they matter (a socket joining a room): the
    state, one column read, instead of loading the interview (a burst of viewers joins at once)."""
    _require_id(interview_id)
    state = session.connection().execute(_STATE, {"interview_id": interview_id}).scalar()
    _require_visible(state, staff)
    return state


# A Core statement: the ORM's UPDATE would also evaluate its SET against every object in the
# session (synchronize_session), on every locked write (each netizen question takes it).
_LOCK = (update(Interview.__table__).where(Interview.__table__.c.id == bindparam("interview_id"))
         .values(last_seq=Interview.__table__.c.last_seq))


def lock_interview(session, interview_id: int) -> None:
    """Serialise writers of one interview until commit: a row lock on PostgreSQL, the write lock on SQLite.

    Use it before a check-then-insert ("is a job already running?") that must not race.
    """
    session.flush()  # what the caller added goes first, as the ORM UPDATE's autoflush did
    session.connection().execute(_LOCK, {"interview_id": interview_id})
    interview = session.identity_map.get(identity_key(Interview, interview_id))
    if interview is not None:
        session.expire(interview, ["updated_at"])  # set by the UPDATE (the column's onupdate)


