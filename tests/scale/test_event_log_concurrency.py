"""The event log under concurrent writers and readers, on SQLite and on PostgreSQL.

Sequence numbers come from one UPDATE ... RETURNING on the interview row, so concurrent
record_event calls (threads here, processes in production) queue on that row's lock and get
1, 2, 3 ... with no gap and no duplicate. Snapshots read at one point in time (consistent_read).
"""
import threading

import pytest
from sqlalchemy import func, select, text

from studio.platform.db import Session
from studio.platform.events import build_snapshot, consistent_read, record_event
from studio.platform.models import Event, Interview

WRITERS, EVENTS_EACH = 8, 50


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.integration])])
def app_config(request, app_config):
    if request.param == "postgres":
        return {**app_config, "DATABASE_URL": request.getfixturevalue("postgres_url")}
    return app_config


@pytest.fixture
def empty_interview(app):
    """An interview with no events yet (last_seq 0), made directly in the database."""
    with app.app_context():
        session = Session()
        interview = Interview(title="并发写入", state="live", hosts=[])
        session.add(interview)
        session.commit()
        return interview.id


def _run_threads(target, count):
    errors = []

    def guarded(n):
        try:
            target(n)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    assert not errors, errors


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_concurrent_writers_get_gapless_unique_seqs(app, empty_interview):
    iid = empty_interview
    start = threading.Barrier(WRITERS)

    def writer(w):
        start.wait()
        for n in range(EVENTS_EACH):
            with app.app_context():
                session = Session()
                record_event(session, iid, "feed.posted" if n % 5 else "cue.changed", {"writer": w, "n": n})
                session.commit()

    _run_threads(writer, WRITERS)

    with app.app_context():
        session = Session()
        rows = session.execute(select(Event.seq, Event.data, Event.public, Event.prev_public_seq)
                               .where(Event.interview_id == iid).order_by(Event.seq)).all()
        interview = session.get(Interview, iid)
    total = WRITERS * EVENTS_EACH
    assert [r.seq for r in rows] == list(range(1, total + 1))
    assert interview.last_seq == total
    assert sorted((r.data["writer"], r.data["n"]) for r in rows) == \
        [(w, n) for w in range(WRITERS) for n in range(EVENTS_EACH)]
    # each writer's own events keep their order
    for w in range(WRITERS):
        assert [r.data["n"] for r in rows if r.data["writer"] == w] == list(range(EVENTS_EACH))
    # the public chain (prev) links every public event to the previous public one, skipping staff ones
    public = [r for r in rows if r.public]
    assert [r.prev_public_seq for r in public] == [0] + [r.seq for r in public[:-1]]
    assert interview.last_public_seq == public[-1].seq


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_consistent_read_sees_one_point_in_time(app, empty_interview):
    iid = empty_interview
    with app.app_context():
        writer = Session()
        record_event(writer, iid, "feed.posted", {"text": "一"})
        writer.commit()
        with consistent_read() as snapshot_session:
            if snapshot_session.get_bind().dialect.name == "postgresql":
                level = snapshot_session.execute(text("SHOW transaction_isolation")).scalar()
                assert level == "repeatable read"
            count = select(func.count()).select_from(Event).where(Event.interview_id == iid)
            last_seq = select(Interview.last_seq).where(Interview.id == iid)
            assert snapshot_session.scalar(last_seq) == 1 and snapshot_session.scalar(count) == 1

            record_event(writer, iid, "feed.posted", {"text": "二"})
            writer.commit()  # committed while the snapshot is open ...

            # ... and not seen by it: the snapshot and its last_seq describe the same instant
            assert snapshot_session.scalar(last_seq) == 1 and snapshot_session.scalar(count) == 1
        assert writer.scalar(last_seq) == 2 and writer.scalar(count) == 2
        Session.remove()


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_snapshots_taken_during_writes_match_their_seq(app, empty_interview):
    """A snapshot part that counts events must agree with the snapshot's last_seq, under load."""
    from studio.platform.signals import snapshot_parts

    iid = empty_interview

    def count_part(session, interview, audience):
        return {"test_event_count": session.scalar(
            select(func.count()).select_from(Event).where(Event.interview_id == interview.id))}
    snapshot_parts.connect(count_part)
    done = threading.Event()
    mismatches = []

    def worker(n):
        if n == 0:
            try:
                for i in range(60):
                    with app.app_context():
                        session = Session()
                        record_event(session, iid, "feed.posted", {"i": i})
                        session.commit()
            finally:
                done.set()
        else:
            while not done.is_set():
                with app.app_context():
                    snapshot, last_seq = build_snapshot(iid, "public")
                    if snapshot["test_event_count"] != last_seq:
                        mismatches.append((snapshot["test_event_count"], last_seq))

    try:
        _run_threads(worker, 3)
    finally:
        snapshot_parts.disconnect(count_part)
    assert not mismatches
