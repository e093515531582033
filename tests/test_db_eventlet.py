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
