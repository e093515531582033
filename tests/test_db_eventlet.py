"""Issue 10.3, studio/platform/db.py under eventlet: a COMMIT never stalls the hub, and a green thread
waiting for SQLite's single writer waits greenly (the other sockets keep being served).

Runs in a subprocess: the test process itself is not monkey-patched (threading mode).
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.scale.conftest import postgres_url  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import eventlet
    eventlet.monkey_patch()
    import json, sys, time
    from sqlalchemy import text
    from studio.platform.db import Session, init_engine

    init_engine("sqlite:///" + sys.argv[1])
    with Session() as s:
        s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        s.commit()
    Session.remove()
    gaps, errors, done = [], [], []

    def ticker():
        last = time.monotonic()
        while len(done) < 41:
            eventlet.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    def slow_writer():
        # Holds the write lock across a yield (as a request does while its COMMIT is on the pool).
        s = Session()
        s.execute(text("INSERT INTO t (v) VALUES ('slow')"))
        eventlet.sleep(0.3)
        s.commit()
        Session.remove()
        done.append(1)

    def writer(n):
        try:
            for k in range(3):
                s = Session()
                s.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"{n}-{k}"})
                s.commit()
                Session.remove()
        except Exception as exc:
            errors.append(repr(exc))
        done.append(1)

    pool = [eventlet.spawn(ticker), eventlet.spawn(slow_writer)]
    eventlet.sleep(0.02)
    pool += [eventlet.spawn(writer, n) for n in range(40)]
    for g in pool:
        g.wait()
    with Session() as s:
        rows = s.execute(text("SELECT count(*) FROM t")).scalar()
    print(json.dumps({"rows": rows, "errors": errors, "max_gap_ms": max(gaps) * 1000}))
""")


def test_writers_wait_greenly_and_commits_leave_the_hub(tmp_path):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "t.db")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["errors"] == [] and result["rows"] == 121
    # Without the green writer queue, the 40 writers sleep in SQLite's busy handler on the hub
    # for the slow writer's 300 ms; the ticker would see that whole stall.
    assert result["max_gap_ms"] < 150, result


# Another process (a second server on the same file, the CLI beside `make run`) holds SQLite's
# write lock: the green semaphore cannot see it, so a writer here must wait without SQLite's
# busy handler sleeping on the hub.
OTHER_PROCESS = textwrap.dedent("""
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t (v) VALUES ('other process')")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("COMMIT")
""")

CROSS_PROCESS_SCRIPT = textwrap.dedent("""
    import eventlet
    eventlet.monkey_patch()
    import json, subprocess, sys, time
    from sqlalchemy import text
    from studio.platform import db
    from studio.platform.db import Session, init_engine

    path, other = sys.argv[1], sys.argv[2]
    init_engine("sqlite:///" + path)
    with Session() as s:
        s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        s.commit()
    Session.remove()

    def hold_lock(seconds):
        locker = subprocess.Popen([sys.executable, "-c", other, path, str(seconds)], stdout=subprocess.PIPE, text=True)
        assert locker.stdout.readline().strip() == "locked"
        return locker

    def run(seconds):
        gaps, outcome, finished = [], {}, []

        def ticker():
            last = time.monotonic()
            while not finished:
                eventlet.sleep(0.005)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        def writer():
            started = time.monotonic()
            try:
                s = Session()
                s.execute(text("INSERT INTO t (v) VALUES ('here')"))
                s.commit()
                outcome["result"] = "stored"
            except Exception as exc:
                Session().rollback()
                outcome["result"] = type(exc).__name__ + ": " + str(exc).splitlines()[0]
            finally:
                Session.remove()
            outcome["waited_s"] = time.monotonic() - started
            finished.append(1)

        locker = hold_lock(seconds)
        tick = eventlet.spawn(ticker)
        eventlet.spawn(writer).wait()
        tick.wait()
        locker.wait()
        return {**outcome, "max_gap_ms": max(gaps) * 1000}

    waited = run(0.6)                 # the other process commits within the wait: stored
    db.SQLITE_LOCK_WAIT_S = 0.3
    gave_up = run(1.2)                # it holds the lock longer than the wait: a clear error
    with Session() as s:
        rows = s.execute(text("SELECT v FROM t ORDER BY id")).scalars().all()
    print(json.dumps({"waited": waited, "gave_up": gave_up, "rows": rows}))
""")


def test_a_lock_held_by_another_process_is_waited_for_greenly(tmp_path):
    proc = subprocess.run([sys.executable, "-c", CROSS_PROCESS_SCRIPT, str(tmp_path / "t.db"), OTHER_PROCESS],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    waited, gave_up = result["waited"], result["gave_up"]
    assert waited["result"] == "stored" and waited["waited_s"] > 0.4, waited
    # SQLite's busy handler would sleep on the hub for the other process's 600 ms: the ticker
    # would see one gap as long. Waiting greenly, it keeps ticking.
    assert waited["max_gap_ms"] < 150, waited
    assert gave_up["result"].startswith("OperationalError") and "locked" in gave_up["result"], gave_up
    assert 0.25 < gave_up["waited_s"] < 1.0 and gave_up["max_gap_ms"] < 150, gave_up
    assert result["rows"] == ["other process", "here", "other process"]  # nothing half-written
    assert "SQLite: the database stayed locked for 0.3 s" in proc.stderr  # the log says why it failed


# The COMMIT runs on the hub with synchronous=NORMAL; what makes it durable is WalSync's group
# fdatasync of the WAL on the pool, which every writing commit waits for before it returns
# (before anything is broadcast or answered). Here each fdatasync is slowed to 100 ms.
DURABLE_SCRIPT = textwrap.dedent("""
    import eventlet
    eventlet.monkey_patch()
    import itertools, json, sys, time
    from eventlet.patcher import original
    from sqlalchemy import text
    from studio.platform import db
    from studio.platform.db import Session, init_engine

    real_sleep, order, log = original("time").sleep, itertools.count(), []
    real_sync = db.WalSync._sync

    def slow_sync(self):
        log.append(("sync-start", next(order)))
        real_sleep(0.1)
        real_sync(self)
        log.append(("sync-end", next(order)))

    db.WalSync._sync = slow_sync
    real_wait = db.WalSync.wait

    def watched_wait(self):
        start = next(order)
        real_wait(self)
        log.append(("wait", start, next(order)))

    db.WalSync.wait = watched_wait
    init_engine("sqlite:///" + sys.argv[1])
    with Session() as s:
        s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        s.commit()
        pragmas = {p: s.execute(text("PRAGMA " + p)).scalar() for p in ("synchronous", "wal_autocheckpoint")}
        s.execute(text("SELECT count(*) FROM t")).scalar()
        s.commit()   # a transaction that only read: no wait for the disk
    Session.remove()
    gaps, done = [], []

    def ticker():
        last = time.monotonic()
        while len(done) < 40:
            eventlet.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    def writer(n):
        for k in range(3):
            s = Session()
            s.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"{n}-{k}"})
            if (n, k) == (0, 0):
                db.on_commit_visible(s, lambda: log.append(("visible", next(order))))
            s.commit()
            if (n, k) == (0, 0):
                log.append(("returned", next(order)))
            Session.remove()
        done.append(1)

    started = time.monotonic()
    pool = [eventlet.spawn(ticker)] + [eventlet.spawn(writer, n) for n in range(40)]
    for g in pool:
        g.wait()
    elapsed = time.monotonic() - started
    s = Session()  # a callback of a transaction rolled back never runs, not at the next commit either
    s.execute(text("INSERT INTO t (v) VALUES ('rolled back')"))
    db.on_commit_visible(s, lambda: log.append(("visible after a rollback", next(order))))
    s.rollback()
    s.execute(text("INSERT INTO t (v) VALUES ('after the rollback')"))
    s.commit()
    Session.remove()
    with Session() as s:
        rows = s.execute(text("SELECT count(*) FROM t")).scalar()
    print(json.dumps({"rows": rows, "pragmas": pragmas, "log": log, "elapsed_s": elapsed,
                      "max_gap_ms": max(gaps) * 1000}))
""")


def _covered(waits, syncs):
    """Waits not covered by a whole fdatasync that started after the wait began (after its COMMIT)."""
    return [w for w in waits if not any(w[1] < start and end < w[2] for start, end in syncs)]


def test_every_writing_commit_waits_for_a_shared_fdatasync_off_the_hub(tmp_path):
    proc = subprocess.run([sys.executable, "-c", DURABLE_SCRIPT, str(tmp_path / "t.db")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["rows"] == 121
    assert result["pragmas"] == {"synchronous": 1, "wal_autocheckpoint": 0}  # NORMAL: the fsync is WalSync's
    log = result["log"]
    waits = [entry for entry in log if entry[0] == "wait"]
    starts = [entry[1] for entry in log if entry[0] == "sync-start"]
    ends = [entry[1] for entry in log if entry[0] == "sync-end"]
    syncs = list(zip(starts, ends))
    assert len(waits) == 122  # the CREATE TABLE and the 121 INSERTs; the read-only commit did not wait
    assert _covered(waits, syncs) == []
    # One fdatasync per commit would take 121 × 100 ms; shared, a handful of rounds.
    assert len(syncs) <= 20 and result["elapsed_s"] < 4, (len(syncs), result["elapsed_s"])
    # db.on_commit_visible: the callback runs at the COMMIT, before the fdatasync its commit
    # waits for has ended (an after_commit hook runs after it); one of a rolled-back transaction never.
    visible = [entry[1] for entry in log if entry[0] == "visible"]
    returned = [entry[1] for entry in log if entry[0] == "returned"]
    assert len(visible) == 1 and len(returned) == 1, log
    assert any(visible[0] < end < returned[0] for end in ends), log
    assert not [entry for entry in log if entry[0] == "visible after a rollback"]
    assert result["max_gap_ms"] < 150, result["max_gap_ms"]  # the 100 ms syncs never ran on the hub


def test_covered_finds_a_commit_answered_before_its_data_was_synced():
    syncs = [(1, 5)]
    assert _covered([("wait", 0, 6)], syncs) == []
    assert _covered([("wait", 2, 6)], syncs) == [("wait", 2, 6)]  # that sync began before this COMMIT


CHECKPOINT_SCRIPT = textwrap.dedent("""
    import eventlet
    eventlet.monkey_patch()
    import json, os, sys
    from sqlalchemy import text
    from studio.platform import db
    from studio.platform.db import Session, init_engine

    db.WalSync.CHECKPOINT_EVERY_S = float(sys.argv[2])
    init_engine("sqlite:///" + sys.argv[1])
    with Session() as s:
        s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)"))
        s.commit()
    Session.remove()

    def writer():  # 8 at once: a steady load, some write of ours always about to commit
        for n in range(50):
            s = Session()
            s.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": os.urandom(4000)})
            s.commit()
            Session.remove()

    for g in [eventlet.spawn(writer) for _ in range(8)]:
        g.wait()
    eventlet.sleep(0.2)  # a checkpoint still running ends
    with Session() as s:
        rows = s.execute(text("SELECT count(*) FROM t")).scalar()
    print(json.dumps({"wal_bytes": os.path.getsize(sys.argv[1] + "-wal"), "rows": rows}))
""")


def test_the_wal_is_checkpointed_off_the_committing_connection(tmp_path):
    """Automatic checkpoints are off on the app's connections; WalSync's keep the WAL bounded
    under a steady load (they hold the writer: written meanwhile, the WAL is never all copied)."""
    def wal_bytes(every_s, name):
        proc = subprocess.run([sys.executable, "-c", CHECKPOINT_SCRIPT, str(tmp_path / name), str(every_s)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        assert result["rows"] == 400
        return result["wal_bytes"]

    never, always = wal_bytes(3600, "never.db"), wal_bytes(0, "always.db")
    assert never > 1_600_000            # 400 × 4 KB, nothing copied back: the WAL only grows
    assert always < 400_000, always     # checkpointed after each sync: the WAL is reused


# On PostgreSQL under eventlet the COMMIT runs on a pool thread; db.on_commit_visible's
# callbacks (the n-gram index takes green locks) must still run on the committing green thread.
PG_HOOK_SCRIPT = textwrap.dedent("""
    import eventlet
    eventlet.monkey_patch()
    import json, sys
    from eventlet.patcher import original
    from sqlalchemy import text
    from studio.platform import db

    db.init_engine(sys.argv[1])
    threads = original("threading")
    ran_on = []
    s = db.Session()
    s.execute(text("CREATE TABLE t (id SERIAL PRIMARY KEY)"))
    db.on_commit_visible(s, lambda: ran_on.append(threads.get_ident()))
    s.commit()
    print(json.dumps({"main": threads.get_ident(), "ran_on": ran_on}))
""")


def test_commit_visible_callbacks_stay_on_the_green_thread_on_postgresql(postgres_url):
    proc = subprocess.run([sys.executable, "-c", PG_HOOK_SCRIPT, postgres_url], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["ran_on"] == [result["main"]], result
