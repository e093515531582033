"""bench/_profile.py: py-spy's samples of a server, turned into CPU per request by part and function;
bench/_common.cpu_seconds: the kernel's count of it."""
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import _profile  # noqa: E402

HTTP = ["GreenThread.main", "Server.process_request", "HttpProtocol.handle", "HttpProtocol.handle_one_request"]
FLASK = HTTP + ["HttpProtocol.handle_one_response", "Flask.__call__", "Flask.wsgi_app", "Flask.dispatch_request"]
VIEW = FLASK + ["submit_question_api"]


def test_breakdown_splits_the_main_thread_by_part_and_the_view_by_call():
    samples = [
        ("main", VIEW + ["submit_question", "record_event", "Connection.execute"], 30),
        ("main", VIEW + ["submit_question", "record_event", "Connection.execute", "DefaultDialect.do_execute"], 12),
        ("main", VIEW + ["submit_question", "interview_candidates"], 10),
        ("main", VIEW + ["Session.commit", "do_commit"], 20),
        ("main", VIEW, 5),                                   # the view's own lines
        ("main", FLASK + ["Flask.preprocess_request"], 10),  # around the view
        ("main", HTTP + ["BaseHTTPRequestHandler.parse_request"], 15),
        ("main", ["GreenThread.main", "Socket._websocket_handler.<locals>.writer", "GreenSocket.send"], 5),
        ("main", ["BaseHub.run", "Hub.wait"], 5),
        ("main", ["<module>"], 0),
        ("thread (99)", ["Thread._bootstrap", "tworker", "do_commit"], 25),
    ]
    fig = _profile.breakdown(samples, requests=10, view="submit_question_api", detail=("submit_question",))
    ms = 1000 / _profile.RATE_HZ / 10  # one sample, per request
    parts = dict(fig["parts"])
    assert parts["the view (submit_question_api)"] == pytest.approx(77 * ms)
    assert parts["Flask around the view (request context, before/after hooks)"] == pytest.approx(10 * ms)
    assert parts["HTTP server (eventlet.wsgi: read, parse, write the answer)"] == pytest.approx(15 * ms)
    assert parts["websocket writes (Socket.IO sends to the consoles)"] == pytest.approx(5 * ms)
    assert parts["eventlet hub (poll, timers, switches)"] == pytest.approx(5 * ms)
    assert fig["main"] == pytest.approx(112 * ms)
    assert (fig["statements"], fig["dbapi"]) == (pytest.approx(42 * ms), pytest.approx(12 * ms))
    assert dict(fig["calls"]["submit_question_api"]) == pytest.approx(
        {"submit_question": 52 * ms, "Session.commit": 20 * ms, "(its own code)": 5 * ms})
    assert dict(fig["calls"]["submit_question"]) == pytest.approx(
        {"record_event": 42 * ms, "interview_candidates": 10 * ms})
    assert fig["others"] == [("commits on pool threads (tpool)", pytest.approx(25 * ms))]


@pytest.mark.integration
def test_sampler_reads_a_real_process_and_tells_its_main_thread_from_others(tmp_path):
    if _profile.py_spy() is None:
        pytest.fail("py-spy is in requirements.txt: `make deps` installs it")
    script = tmp_path / "spin.py"
    script.write_text(textwrap.dedent("""
        import threading
        def spin_elsewhere():
            while True:
                sum(range(500))
        def spin_in_main():
            while True:
                sum(range(500))
        threading.Thread(target=spin_elsewhere, daemon=True).start()
        spin_in_main()
    """))
    proc = subprocess.Popen([sys.executable, str(script)])
    try:
        time.sleep(0.5)
        samples = _profile.Sampler(proc.pid).start(0, 1).join()
    finally:
        proc.kill()
        proc.wait()
    main = sum(n for thread, frames, n in samples if thread == "main" and "spin_in_main" in frames)
    other = sum(n for thread, frames, n in samples if thread != "main" and "spin_elsewhere" in frames)
    assert main > 50 and other > 20, samples
    assert not any(thread == "main" and "spin_elsewhere" in frames for thread, frames, _ in samples)


def test_cpu_seconds_counts_the_main_thread_apart_from_the_process(tmp_path):
    """bench/_common.cpu_seconds: what /proc says a process's main thread and whole process used."""
    import _common

    script = tmp_path / "spin.py"
    script.write_text(textwrap.dedent("""
        import sys, threading, time
        def spin(seconds):
            while time.thread_time() < seconds:
                sum(range(500))
        helper = threading.Thread(target=spin, args=(0.6,))
        helper.start()
        helper.join()
        spin(0.3)
        print("done", flush=True)
        sys.stdin.read()
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "done"
        main, whole = _common.cpu_seconds(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    assert 0.25 <= main < 0.55, main            # the main thread's 0.3 s (and the interpreter's start)
    assert whole - main >= 0.55, (main, whole)  # the helper's 0.6 s counts only in the process's
