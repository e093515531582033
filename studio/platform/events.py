"""The sequenced event log: every visible change of an interview is an event row.

record_event() writes the row in the caller's transaction with the next per-interview sequence
number (taken under the interview row's lock), and queues the event; the queue is broadcast
only after the transaction commits, and dropped on rollback. Clients remember the highest seq
they applied and resume with it (see replay_events and docs/API.md).
"""
from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from flask import current_app, has_app_context
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import event as sa_event
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.util import identity_key

from .db import get_engine, utcnow
from .errors import Gone, NotFound, ValidationError
from .models import Event, Interview
from .signals import event_recorded, snapshot_parts
from .timefmt import iso

PUBLIC = "public"
STAFF = "staff"
NAMESPACE_FOR = {PUBLIC: "/live", STAFF: "/studio"}


class Payload(BaseModel):
    """Base of every event payload schema: exactly the fields the code sends, with their types.

    Strict (no coercion: "1" is not an int) and closed (an unknown key is an error), so a schema
    that no longer says what a service sends fails the tests at once (see record_event).
    """
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


@dataclass(frozen=True)
class EventType:
    """A declared event type. `payload` is the schema of the data recorded (and sent to both
    audiences when public); `redacted` the form a public event's stored data may later be
    rewritten to by redact_public_events (the tombstone replay serves), when it differs."""
    name: str
    public: bool
    doc: str
    payload: type[Payload] | None = None
    redacted: type[Payload] | None = None
    area: str = ""


EVENT_TYPES: dict[str, EventType] = {}


class EventPayloadError(ValueError):
    """An event's data does not match its declared schema (raised only while validating)."""


def register_event_type(name: str, public: bool, doc: str, payload: type[Payload] | None = None,
                        redacted: type[Payload] | None = None, area: str = "") -> EventType:
    """Declare an event type; every declared type must be documented in docs/API.md.

    Areas declare their own types (each in its `event_types.py`, registered by its init_app);
    the platform declares none of them.
    """
    spec = EventType(name, public, doc, payload, redacted, area)
    EVENT_TYPES[name] = spec
    return spec


def register_event_types(types) -> None:
    """Register a sequence of EventType declarations (an area's EVENT_TYPES)."""
    for spec in types:
        EVENT_TYPES[spec.name] = spec


def validating() -> bool:
    """Whether event payloads are checked against their schemas: in tests only (FANGTAN_TESTING=1
    or an app with TESTING), so production never pays for it."""
    if os.environ.get("FANGTAN_TESTING") == "1":
        return True
    return has_app_context() and bool(current_app.testing)


_unchecked_depth = 0  # > 0 inside unchecked_payloads(): test-only, never set by the product


@contextlib.contextmanager
def unchecked_payloads():
    """Tests of the log itself (seq, replay, fan-out, redaction) record made-up payloads: inside
    this block they are not checked. What the product's code sends always is, in tests."""
    global _unchecked_depth
    _unchecked_depth += 1
    try:
        yield
    finally:
        _unchecked_depth -= 1


def _checking() -> bool:
    return _unchecked_depth == 0 and validating()


def check_payload(spec: EventType, data, *, redacted: bool = False) -> None:
    """Raise EventPayloadError unless `data` matches the type's payload (or, for a rewritten
    public event, its redacted form)."""
    schemas = [s for s in ((spec.payload, spec.redacted) if redacted else (spec.payload,)) if s is not None]
    if not schemas:
        raise EventPayloadError(f"event type {spec.name!r} declares no payload schema")
    errors = []
    for schema in schemas:
        try:
            schema.model_validate(data)
            return
        except PydanticValidationError as exc:
            errors.append(f"{schema.__name__}: {exc}")
    raise EventPayloadError(f"{spec.name} payload does not match its schema:\n" + "\n".join(errors))


def room_for(interview_id: int, audience: str) -> str:
    """The Socket.IO room of one interview's audience; the only place room names are made."""
    if audience not in NAMESPACE_FOR:
        raise ValueError(f"unknown audience {audience!r}")
    return f"interview:{int(interview_id)}:{audience}"


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


_interviews = Interview.__table__
# Core statements on the session's connection: the ORM's UPDATE would also evaluate the SET
# against every object in the session (synchronize_session) on each event.
_LAST_SEQ = select(_interviews.c.last_seq).where(_interviews.c.id == bindparam("interview_id"))
_BUMP_SEQ = (update(_interviews).where(_interviews.c.id == bindparam("interview_id"))
             .values(last_seq=_interviews.c.last_seq + 1)
             .returning(_interviews.c.last_seq, _interviews.c.last_public_seq))
_MARK_PUBLIC = (update(_interviews).where(_interviews.c.id == bindparam("interview_id"))
                .values(last_public_seq=bindparam("seq")))


def _next_seq(session: OrmSession, interview_id: int, is_public: bool) -> tuple[int, int]:
    """The interview's next seq and its previous public seq, taken under the row's write lock."""
    session.flush()  # what the caller added goes first, as the ORM UPDATE's autoflush did
    connection = session.connection()
    row = connection.execute(_BUMP_SEQ, {"interview_id": interview_id}).first()
    if row is None:
        raise NotFound("访谈不存在", code="interview_not_found")
    seq, prev_public = row
    if is_public:
        connection.execute(_MARK_PUBLIC, {"interview_id": interview_id, "seq": seq})
    interview = session.identity_map.get(identity_key(Interview, interview_id))
    if interview is not None:
        # The counters (and updated_at, set by its onupdate) changed under the loaded object:
        # read again when next used, from this transaction (or, after a rollback, without it).
        session.expire(interview, ["last_seq", "last_public_seq", "updated_at"])
    return seq, prev_public


_INSERT_EVENT = Event.__table__.insert()


def record_event(session: OrmSession, interview_id: int, type: str, data: dict,
                 public: bool | None = None, seq_field: str | None = None) -> Event:
    """Store an event with the next seq of its interview, to be broadcast after commit.

    `seq_field`: the payload also carries the event's own seq under this key (feed.posted: an
    entry's seq is the seq of the event that posted it, only known here)."""
    spec = EVENT_TYPES.get(type)
    if spec is None:
        raise ValueError(f"unregistered event type {type!r}")
    if _checking():
        check_payload(spec, data)
    is_public = spec.public if public is None else public
    seq, prev_public = _next_seq(session, interview_id, is_public)
    if seq_field is not None:
        data = {**data, seq_field: seq}
    row = {"interview_id": interview_id, "seq": seq, "prev_public_seq": prev_public, "type": type,
           "public": is_public, "data": data, "at": utcnow()}
    # One Core INSERT on the session's connection, in statement order after the seq's UPDATE:
    # the ORM's unit of work cost more than the rest of record_event on every netizen question.
    # The Event returned is the row as stored, outside the session (what is broadcast after
    # commit; it keeps its values after a rollback): the log is append-only but for redaction,
    # which reads and rewrites rows itself.
    row["id"] = session.connection().execute(_INSERT_EVENT, row).inserted_primary_key[0]
    ev = Event(**row)
    # Inside the transaction, in connection order: e.g. the OBS marker log (signals.py).
    event_recorded.send(session, event=ev)
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
        if new != data and ev.type in EVENT_TYPES and _checking():
            check_payload(EVENT_TYPES[ev.type], new, redacted=True)
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
    last_seq = session.connection().execute(_LAST_SEQ, {"interview_id": interview_id}).scalar()
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
    last_seq = session.connection().execute(_LAST_SEQ, {"interview_id": interview_id}).scalar() or 0
    cutoff = last_seq - keep_last
    if cutoff <= 0:
        return 0
    result = session.execute(Event.__table__.delete().where(
        Event.interview_id == interview_id, Event.seq <= cutoff))
    return result.rowcount or 0


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
        snapshot = {}
        for _receiver, parts in snapshot_parts.send(session, interview=interview, audience=audience):
            snapshot.update(parts)  # each area's parts, in the order the areas connected
    return snapshot, last_seq


# A burst of viewers joining one interview at once (the programme starts; a reconnect storm after
# a network blip) would each build the same public snapshot: several reads and their objects per
# socket, on the hub, while every other socket waits. A join reuses the snapshot the previous
# join built while the interview's last_seq is unchanged (every visible change is an event, so a
# changed state has a new seq) and for at most PUBLIC_SNAPSHOT_REUSE seconds (what depends on the
# clock, e.g. question intake opening at its time, is that late at most; nginx keeps GET
# …/snapshot for 1 s). One indexed read per join instead of the whole build.
PUBLIC_SNAPSHOT_REUSE = 0.5
_public_snapshots: "OrderedDict[tuple[str, int], tuple[float, int, dict]]" = OrderedDict()


def shared_public_snapshot(session: OrmSession, interview_id: int) -> tuple[dict, int]:
    """build_snapshot(interview_id, PUBLIC) for a /live join: possibly the object an earlier join
    got (read it, never change it). Call it after joining the room, as build_snapshot."""
    key = (str(get_engine().url), int(interview_id))
    started = time.monotonic()
    cached = _public_snapshots.get(key)
    if cached is not None and started - cached[0] < PUBLIC_SNAPSHOT_REUSE:
        last_seq = session.connection().execute(_LAST_SEQ, {"interview_id": interview_id}).scalar()
        if last_seq == cached[1]:
            return cached[2], cached[1]
    snapshot, last_seq = build_snapshot(interview_id, PUBLIC)
    _public_snapshots[key] = (started, last_seq, snapshot)  # its age counts from before the build
    _public_snapshots.move_to_end(key)
    while len(_public_snapshots) > 32:
        _public_snapshots.popitem(last=False)
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


# ---- docs generated from the declarations ---------------------------------------------------

EVENTS_DOC = "docs/events.md"


def _type_name(annotation, nested: dict) -> str:
    """A readable type for the docs: int, str | null, list[FeedImage], …; nested payload
    models are collected in `nested` to be described once each."""
    import types
    import typing

    if annotation is type(None):
        return "null"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        nested.setdefault(annotation.__name__, annotation)
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_type_name(a, nested) for a in args)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a!r}`" if not isinstance(a, bool) else f"`{str(a).lower()}`" for a in args)
    if origin in (list, tuple):
        return f"list[{_type_name(args[0], nested)}]" if args else "list"
    if origin is dict:
        return f"dict[{_type_name(args[0], nested)}, {_type_name(args[1], nested)}]" if args else "object"
    if annotation is typing.Any:
        return "any"
    return {int: "int", str: "str", float: "number", bool: "bool", dict: "object", list: "list"}.get(
        annotation, getattr(annotation, "__name__", str(annotation)))


def _field_rows(model: type[BaseModel], nested: dict) -> list[str]:
    rows = ["| field | type | |", "| --- | --- | --- |"]
    for name, field in model.model_fields.items():
        key = field.alias or name
        optional = "" if field.is_required() else " (optional)"
        doc = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{key}` | {_type_name(field.annotation, nested)}{optional} | {doc} |")
    return rows


def _model_doc(model: type[BaseModel]) -> str:
    text = (model.__doc__ or "").strip()
    return "" if text.startswith("Base of every event payload") else " ".join(text.split())


def event_docs_markdown() -> str:
    """docs/events.md from EVENT_TYPES: type, audience, doc and payload fields with types."""
    nested: dict[str, type[BaseModel]] = {}
    out = ["# Event types", "",
           "Generated from the declarations (each area's `event_types.py`) by",
           "`flask --app server events docs`; do not edit by hand (a test compares). Every event is",
           "`{seq, type, at, data, prev}` (see [API.md](API.md)); below is each type's `data`. Staff",
           "events go to `/studio` only; public ones to `/live` too, with the same data. A public",
           "event's stored data may later be rewritten to its redacted form (what was withdrawn is",
           "not replayed: `redact_public_events`). In tests `record_event` validates every payload.",
           ""]
    by_area: dict[str, list[EventType]] = {}
    for spec in sorted(EVENT_TYPES.values(), key=lambda s: (s.area, s.name)):
        by_area.setdefault(spec.area or "other", []).append(spec)
    out += ["| type | audience | area | what |", "| --- | --- | --- | --- |"]
    for area, specs in by_area.items():
        for spec in specs:
            out.append(f"| [`{spec.name}`](#{spec.name.replace('.', '')}) | "
                       f"{'public + staff' if spec.public else 'staff'} | {area} | "
                       f"{spec.doc.replace('|', chr(92) + '|')} |")
    out.append("")
    for area, specs in by_area.items():
        out += [f"## {area}", ""]
        for spec in specs:
            out += [f"### {spec.name}", "",
                    f"{'Public (and staff)' if spec.public else 'Staff only'}. {spec.doc}", ""]
            if spec.payload is None:
                out += ["(no schema declared)", ""]
                continue
            out += [f"Payload `{spec.payload.__name__}`. {_model_doc(spec.payload)}".rstrip(), ""]
            out += _field_rows(spec.payload, nested) + [""]
            if spec.redacted is not None:
                out += [f"Redacted form `{spec.redacted.__name__}`. {_model_doc(spec.redacted)}".rstrip(), ""]
                out += _field_rows(spec.redacted, nested) + [""]
    out += ["## Shapes used in payloads", ""]
    done: set[str] = set()
    while len(done) < len(nested):
        for name in sorted(set(nested) - done):
            model = nested[name]
            done.add(name)
            out += [f"### {name}", ""]
            if _model_doc(model):
                out += [_model_doc(model), ""]
            out += _field_rows(model, nested) + [""]
    return "\n".join(out).rstrip() + "\n"


def register_commands(app) -> None:
    """`flask --app server events docs`: write docs/events.md from the declarations."""
    import click
    from flask.cli import AppGroup

    from .cli import without_database

    group = AppGroup("events", help="Event types.")

    @group.command("docs")
    @click.option("--output", default=None, help=f"file to write (default {EVENTS_DOC} in the checkout)")
    @click.option("--check", is_flag=True, help="only say whether the file is up to date (exit 1 if not)")
    @without_database
    def events_docs(output, check):
        """Write docs/events.md (type, audience, doc, payload fields) from the declarations."""
        from pathlib import Path

        path = Path(output) if output else Path(__file__).resolve().parents[2] / EVENTS_DOC
        text = event_docs_markdown()
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise click.ClickException(f"{path} is not what the declarations generate")
            click.echo(f"{path} is up to date")
            return
        path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {path} ({len(EVENT_TYPES)} event types)")

    app.cli.add_command(group)
