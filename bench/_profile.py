"""Where a server's CPU goes per request: py-spy samples its threads during a phase.

`Sampler(pid).start(delay, seconds)` (or `.start(delay)` … `.stop()`) runs
`py-spy record --threads --nonblocking` on another process (it reads the target's memory; the
target is not stopped or instrumented), then
`breakdown(samples, requests)` turns the samples into milliseconds per request: for the main
thread (eventlet's hub and every green thread) by part of the request's path, and the view's
own calls by function; and the other threads (eventlet's tpool, where COMMITs run) apart.

py-spy records busy samples only (a thread waiting in epoll or on a lock is idle), so a part's
ms per request is the time a thread spent running there, not the time a request waited for it;
a thread ready to run but waiting for a core counts as busy too, so on shared cores the parts
next to system calls (socket sends, the hub's poll) come out high. py-spy uses CPU of its own:
a profiled run's throughput is not the one to compare.
"""
from __future__ import annotations

import collections
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

RATE_HZ = 250
_FRAME = re.compile(r"^(?P<name>.+?) \((?P<file>[^()]*?):\d+\)$")
# A stack's first frame with --threads: "thread (TID): NAME" (no name once eventlet patched threading).
_THREAD = re.compile(r"^thread \((?P<tid>\d+)\)(?:: .*)?$")
# The main thread's stacks, by the first marker found (outermost parts last).
PARTS = (
    ("websocket writes (Socket.IO sends to the consoles)", "Socket._websocket_handler.<locals>.writer"),
    ("Socket.IO handlers (joins, the probe's pings)", "Server._handle_event_internal"),
    ("the view", None),  # filled in by breakdown(): the view function's frame
    ("Flask around the view (request context, before/after hooks)", "Flask.wsgi_app"),
    ("HTTP server (eventlet.wsgi: read, parse, write the answer)", "HttpProtocol.handle_one_request"),
    ("eventlet hub (poll, timers, switches)", "BaseHub.run"),
)


def py_spy() -> str | None:
    """The py-spy executable beside this interpreter (requirements.txt), else on PATH."""
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


class Sampler:
    def __init__(self, pid: int):
        self.pid = pid
        self.output = Path(tempfile.mkstemp(prefix="bench-spy-", suffix=".txt")[1])
        self.error = ""
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen | None = None
        self._stopped = threading.Event()
        self.window: tuple[float, float] = (0.0, 0.0)

    def start(self, delay: float, seconds: float | None = None) -> "Sampler":
        """Sample for `seconds` after `delay`; with no `seconds`, until stop()."""
        exe = py_spy()
        if exe is None:
            self.error = "py-spy not found (pip install py-spy)"
            return self

        def run():
            if self._stopped.wait(delay):
                return
            started = time.time()
            duration = ["--duration", str(max(1, int(seconds)))] if seconds is not None else []
            self._proc = subprocess.Popen([exe, "record", "--pid", str(self.pid), *duration, "--rate", str(RATE_HZ),
                                           "--format", "raw", "--threads", "--nonblocking", "--output", str(self.output)],
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if self._stopped.is_set():
                self._proc.send_signal(signal.SIGINT)
            printed, _ = self._proc.communicate()
            self.window = (started, time.time())
            if self._proc.returncode not in (0, -signal.SIGINT) or not self.output.stat().st_size:
                self.error = (printed.strip().splitlines() or ["py-spy failed"])[-1]

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> "Sampler":
        """End an open-ended sample (py-spy writes what it has on SIGINT)."""
        self._stopped.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
        return self

    def join(self) -> list[tuple[str, list[str], int]]:
        """[("main" or the thread's name, frames outermost first, samples)]."""
        if self._thread is not None:
            self._thread.join()
        if self.error or not self.output.exists():
            return []
        samples = []
        for line in self.output.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = stack.split(";")
            match = _THREAD.match(frames[0])  # the main thread's TID is the process id
            thread = "main" if match and int(match.group("tid")) == self.pid else frames[0]
            samples.append((thread, [_name(f) for f in frames[1:]], int(count)))
        self.output.unlink(missing_ok=True)
        return samples


def _name(frame: str) -> str:
    match = _FRAME.match(frame)
    return match.group("name") if match else frame


def breakdown(samples: list[tuple[str, list[str], int]], requests: int, view: str,
              detail: tuple[str, ...] = (), parts_first: tuple[tuple[str, str], ...] = ()) -> dict:
    """ms of CPU per request: main-thread parts (`parts_first`, (label, function), before the
    usual ones), the view's calls and those of each `detail` function, other threads."""
    ms = 1000.0 / RATE_HZ / max(1, requests)
    parts: collections.Counter = collections.Counter()
    calls: dict[str, collections.Counter] = {name: collections.Counter() for name in (view, *detail)}
    others: collections.Counter = collections.Counter()
    statements = dbapi = 0  # in the view: SQLAlchemy's Connection.execute, and the DBAPI's execute in it
    for thread, frames, count in samples:
        if thread != "main":
            others["commits on pool threads (tpool)" if "tworker" in frames else thread] += count
            continue
        for label, marker in (*parts_first, *PARTS):
            marker = marker or view
            if marker in frames:
                parts[f"the view ({view})" if marker == view else label] += count
                break
        else:
            parts["elsewhere on the main thread"] += count
        if view in frames and "Connection.execute" in frames[frames.index(view):]:
            statements += count
            dbapi += count if "DefaultDialect.do_execute" in frames else 0
        for name, counter in calls.items():
            if name in frames:
                index = frames.index(name)
                counter[frames[index + 1] if index + 1 < len(frames) else "(its own code)"] += count
    return {"requests": requests,
            "main": sum(parts.values()) * ms,
            "parts": [(label, n * ms) for label, n in parts.most_common()],
            "calls": {name: [(call, n * ms) for call, n in counter.most_common(12)] for name, counter in calls.items()},
            "statements": statements * ms, "dbapi": dbapi * ms,
            "others": [(label, n * ms) for label, n in others.most_common()]}


def print_breakdown(name: str, fig: dict, floor_ms: float = 0.03, unit: str = "request") -> None:
    print(f"  {name}: CPU per {unit} on the main thread {fig['main']:.2f} ms "
          f"({fig['requests']} {unit}s in the sampled window, py-spy at {RATE_HZ} Hz)")
    for label, value in fig["parts"]:
        print(f"    {value:6.2f} ms  {label}")
    for function, calls in fig["calls"].items():
        shown = [(call, value) for call, value in calls if value >= floor_ms]
        if shown:
            print(f"    inside {function}:")
            for call, value in shown:
                print(f"      {value:6.2f} ms  {call}")
    if fig["statements"]:
        print(f"    SQL statements in the view: {fig['statements']:.2f} ms, of which the driver's execute "
              f"(DefaultDialect.do_execute) {fig['dbapi']:.2f} ms and SQLAlchemy around it "
              f"{fig['statements'] - fig['dbapi']:.2f} ms")
    for label, value in fig["others"]:
        print(f"    {value:6.2f} ms  {label} (off the hub)")
