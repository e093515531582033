"""The sequenced event log: every visible change of an interview is an event row.

record_event() writes the row in the caller's transaction with the next per-interview sequence
number (taken under the interview row's lock), and queues the event; the queue is broadcast
only after the transaction commits, and dropped on rollback. Clients remember the highest seq
they applied and resume with it (see replay_events and docs/API.md).
"""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session as OrmSession

from .db import get_engine, utcnow
from .errors import Gone, NotFound, ValidationError
from .models import Event, Interview
from .timefmt import iso

PUBLIC = "public"
STAFF = "staff"
NAMESPACE_FOR = {PUBLIC: "/live", STAFF: "/studio"}


@dataclass(frozen=True)
class EventType:
    name: str
    public: bool
    doc: str


EVENT_TYPES: dict[str, EventType] = {}


def register_event_type(name: str, public: bool, doc: str) -> None:
    """Declare an event type; every declared type must be documented in docs/API.md."""
    EVENT_TYPES[name] = EventType(name, public, doc)


for _name, _public, _doc in (
    ("feed.posted", True, "a live feed entry was posted"),
    ("feed.edited", True, "a feed entry was corrected"),
    ("feed.deleted", True, "a feed entry was withdrawn"),
    ("feed.pinned", True, "a feed entry was pinned or unpinned"),
    ("interview.state_changed", True, "planned/preview/live/ended/published"),
    ("interview.updated", True, "title, schedule, units or guests changed"),
    ("stream.state", True, "live video started or stopped"),
    ("question.submitted", False, "a netizen question arrived (staff only)"),
    ("question.approved", True, "a question passed screening"),
    ("question.rejected", False, "a question was rejected (staff only)"),
    ("question.on_air", True, "the host put a question to the guest"),
    ("question.answered", True, "a question was answered"),
    ("cue.changed", False, "the current cue card changed (staff only)"),
    ("obs.state", False, "OBS connection, scenes, stream and record state (staff only)"),
):
    register_event_type(_name, _public, _doc)


def room_for(interview_id: int, audience: str) -> str:
    """The Socket.IO room of one interview's audience; the only place room names are made."""
    if audience not in NAMESPACE_FOR:
        raise ValueError(f"unknown audience {audience!r}")
    return f"interview:{int(interview_id)}:{audience}"


# Called inside the recording transaction with (session, event_row): e.g. the OBS marker log.
_listeners: list[Callable[[OrmSession, Event], None]] = []


def add_event_listener(listener: Callable[[OrmSession, Event], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


# Called after commit with the committed events in seq order and what else the commit did,
# {"redacted_interviews": [id, ...]} (interviews whose earlier public events redact_public_events
# rewrote: copies kept outside the DB, e.g. nchan's message buffer, are stale), e.g. by
# studio/fanout's nchan publisher; must not block: a listener hands the work to its own queue.
AfterCommitListener = Callable[[list[Event], dict], None]
_after_commit_listeners: list[AfterCommitListener] = []


def add_after_commit_listener(listener: AfterCommitListener) -> None:
    if listener not in _after_commit_listeners:
        _after_commit_listeners.append(listener)


def remove_after_commit_listener(listener: AfterCommitListener) -> None:
    if listener in _after_commit_listeners:
        _after_commit_listeners.remove(listener)


def record_event(session: OrmSession, interview_id: int, type: str, data: dict,
                 public: bool | None = None) -> Event:
    """Store an event with the next seq of its interview, to be broadcast after commit."""
    spec = EVENT_TYPES.get(type)
    if spec is None:
        raise ValueError(f"unregistered event type {type!r}")
    is_public = spec.public if public is None else public
    row = session.execute(
        update(Interview).where(Interview.id == interview_id)
        .values(last_seq=Interview.last_seq + 1)
        .returning(Interview.last_seq, Interview.last_public_seq)
    ).first()
    if row is None:
        raise NotFound("访谈不存在", code="interview_not_found")
    seq, prev_public = row
    if is_public:
        session.execute(update(Interview).where(Interview.id == interview_id)
                        .values(last_public_seq=seq))
    ev = Event(interview_id=interview_id, seq=seq, prev_public_seq=prev_public, type=type,
               public=is_public, data=data, at=utcnow())
    session.add(ev)
    session.flush()
    for listener in _listeners:
        listener(session, ev)
    session.info.setdefault("pending_events", []).append(ev)
    return ev


def redact_public_events(session: OrmSession, interview_id: int,
                         match: Callable[[str, dict], bool],
                         replace: Callable[[str, dict], dict],
                         types: tuple[str, ...] | None = None) -> int:
    """Rewrite (tombstone) the stored payload of an interview's earlier public events.

    What was withdrawn or redacted must not come back through replay (GET …/events?after=0,
    a /live join from seq 0): the log is public history, so a withdrawn feed entry or a
    question rejected after approval keeps only its id there, and an edited question's earlier
    events carry the new text. Call it in the same transaction as the change that removes the
    text, so nobody ever replays a log where the change is committed but the old text is not
    yet gone. `match(type, data)` picks the events, `replace(type, data)` returns the new
    payload; `types` narrows the rows read. Seq, type and order stay as they were, so clients
    resuming from any seq still see a gap-free stream. Returns how many rows changed.
    """
    query = select(Event).where(Event.interview_id == interview_id, Event.public.is_(True))
    if types:
        query = query.where(Event.type.in_(types))
    changed = 0
    for ev in session.scalars(query.order_by(Event.seq)):
        data = dict(ev.data or {})
        if not match(ev.type, data):
            continue
        new = replace(ev.type, data)
        if new != data:
            ev.data = new  # a new object: the JSON column is written on flush
            changed += 1
    if changed:
        session.flush()
        # After commit, listeners learn the old payloads are gone (the nchan buffer is purged).
        session.info.setdefault("redacted_interviews", []).append(int(interview_id))
    return changed


def close_public_room_after_commit(session: OrmSession, interview_id: int) -> None:
    """After commit, remove every /live socket from the interview's public room.

    For an interview that left the public states (e.g. preview → planned): its public sockets
    must stop receiving its events. A socket can join again only while it is public.
    """
    session.info.setdefault("closed_public_rooms", []).append(int(interview_id))


def event_payload(ev: Event, audience: str) -> dict:
    """The wire form {seq, type, at, data, prev}: prev is the seq of the audience's previous event."""
    prev = ev.prev_public_seq if audience == PUBLIC else ev.seq - 1
    return {"seq": ev.seq, "type": ev.type, "at": iso(ev.at), "data": ev.data, "prev": prev}


def replay_events(session: OrmSession, interview_id: int, after: int, audience: str) -> tuple[list[dict], int]:
    """Every event of the audience after `after`, in order, and the interview's last seq.

    Raises Gone(resync_required) when `after` is older than the kept log or newer than the log
    (a client from before a restore): the client must then take a fresh snapshot.
    """
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise ValidationError("after / last_seq 必须是非负整数", code="invalid_seq")
    last_seq = session.scalar(select(Interview.last_seq).where(Interview.id == interview_id))
    if last_seq is None:
        raise NotFound("访谈不存在", code="interview_not_found")
    first_kept = session.scalar(select(func.min(Event.seq)).where(Event.interview_id == interview_id))
    if after > last_seq or (first_kept is not None and after < first_kept - 1):
        raise Gone("事件已过期，请重新加载", code="resync_required", last_seq=last_seq)
    query = select(Event).where(Event.interview_id == interview_id, Event.seq > after,
                                Event.seq <= last_seq).order_by(Event.seq)
    if audience == PUBLIC:
        query = query.where(Event.public.is_(True))
    return [event_payload(ev, audience) for ev in session.scalars(query)], last_seq


def prune_events(session: OrmSession, interview_id: int, keep_last: int) -> int:
    """Drop all but the newest keep_last events of an interview (EVENT_RETENTION)."""
    last_seq = session.scalar(select(Interview.last_seq).where(Interview.id == interview_id)) or 0
    cutoff = last_seq - keep_last
    if cutoff <= 0:
        return 0
    result = session.execute(Event.__table__.delete().where(
        Event.interview_id == interview_id, Event.seq <= cutoff))
    return result.rowcount or 0


# Snapshot parts: name -> fn(session, interview, audience) -> JSON-able. Packages add theirs.
_snapshot_parts: dict[str, Callable] = {}


def register_snapshot_part(name: str, builder: Callable) -> None:
    _snapshot_parts[name] = builder


@contextlib.contextmanager
def consistent_read():
    """A session whose reads all see one point in time, so a snapshot matches its last_seq."""
    engine = get_engine()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")  # pysqlite would otherwise autocommit each SELECT
        else:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        session = OrmSession(bind=conn, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            conn.rollback()


def build_snapshot(interview_id: int, audience: str) -> tuple[dict, int]:
    """The state of an interview for a fresh client, and the seq it reflects."""
    with consistent_read() as session:
        interview = session.get(Interview, interview_id)
        if interview is None:
            raise NotFound("访谈不存在", code="interview_not_found")
        last_seq = interview.last_seq
        snapshot = {name: build(session, interview, audience) for name, build in _snapshot_parts.items()}
    return snapshot, last_seq


def _emit_pending(session: OrmSession) -> None:
    pending = session.info.pop("pending_events", None) or []
    closed_rooms = session.info.pop("closed_public_rooms", None) or []
    redacted = list(dict.fromkeys(session.info.pop("redacted_interviews", None) or []))
    if not pending and not closed_rooms and not redacted:
        return
    from .extensions import socketio

    for ev in pending:
        socketio.emit("event", event_payload(ev, STAFF), namespace="/studio",
                      to=room_for(ev.interview_id, STAFF))
        if ev.public:
            socketio.emit("event", event_payload(ev, PUBLIC), namespace="/live",
                          to=room_for(ev.interview_id, PUBLIC))
    for listener in _after_commit_listeners if pending or redacted else ():
        try:
            listener(pending, {"redacted_interviews": redacted})
        except Exception:  # noqa: BLE001 - the commit is done; one listener must not stop the others
            logging.getLogger(__name__).exception("after-commit listener %r failed", listener)
    # After the events: the viewers still learn of the state change that closes their room.
    for interview_id in dict.fromkeys(closed_rooms):
        socketio.close_room(room_for(interview_id, PUBLIC), namespace="/live")


def _drop_pending(session: OrmSession, *_args) -> None:
    session.info.pop("pending_events", None)
    session.info.pop("closed_public_rooms", None)
    session.info.pop("redacted_interviews", None)


def install_broadcast_hooks() -> None:
    """Broadcast queued events after commit (never before: a rolled-back change is never seen)."""
    if not sa_event.contains(OrmSession, "after_commit", _emit_pending):
        sa_event.listen(OrmSession, "after_commit", _emit_pending)
        sa_event.listen(OrmSession, "after_rollback", _drop_pending)
