"""Helpers for the benchmarks in bench/: servers to measure, Socket.IO viewer swarms, figures.

A benchmark prints figures; it asserts nothing. Everything here runs on loopback, is bounded in
count and time, and cleans up the processes it starts.
"""
from __future__ import annotations

import asyncio
import math
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.server import PASSWORD, ServerProcess, free_port  # noqa: E402

import requests  # noqa: E402


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(the main thread's, the whole process's) CPU seconds so far, user + system, from /proc:
    what the kernel counted, with nothing sampling the process (py-spy costs CPU of its own)."""
    tick = os.sysconf("SC_CLK_TCK")

    def read(path: str) -> float:
        # Fields after the command's closing parenthesis (the name may hold spaces): utime is the
        # 14th field of the line, stime the 15th.
        fields = Path(path).read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / tick

    try:
        return read(f"/proc/{pid}/task/{pid}/stat"), read(f"/proc/{pid}/stat")
    except OSError:  # not Linux, or the process is gone
        return math.nan, math.nan


def raise_open_files_limit() -> int:
    """Lift the soft limit on open files to the hard one (each socket is a file); returns it.

    Child processes (the servers, the viewer workers) inherit the raised limit.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of values; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


# ---- servers to measure -------------------------------------------------------------------

class StudioTarget:
    """Our server (a `python server.py` it starts, or one already running at --url)."""

    name = "fangtan"

    def __init__(self, url: str | None = None, admin: str = "admin", editor: str = "feed_editor",
                 password: str = PASSWORD, env: dict | None = None):
        self._tmp = None
        self.server = None
        if url is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="fangtan-bench-")
            # Every bench client comes from 127.0.0.1: lift the per-address cap (issue 16.5).
            env = {"MAX_CONNECTIONS_PER_IP": "0", **(env or {})}
            self.server = ServerProcess(Path(self._tmp.name) / "server", env=env)
            self.server.migrate()
            self.server.create_user(admin, "admin", password)
            self.server.create_user(editor, "feed_editor", password)
            self.server.start()
            url = self.server.url
        self.url = url.rstrip("/")
        self.admin = self._login(admin, password)
        self.editor = self._login(editor, password)
        self.fallback_note = ""

    def _login(self, username: str, password: str) -> requests.Session:
        http = requests.Session()
        resp = http.post(self.url + "/api/session", json={"username": username, "password": password}, timeout=15)
        resp.raise_for_status()
        http.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
        return http

    def new_room(self) -> int:
        """A fresh live interview, so each run's join snapshot holds no earlier run's entries."""
        resp = self.admin.post(self.url + "/api/interviews", json={
            "title": f"扇出测试 {time.strftime('%H:%M:%S')}", "state": "preview", "hosts": ["张敏"]}, timeout=15)
        resp.raise_for_status()
        interview_id = resp.json()["id"]
        self.admin.post(f"{self.url}/api/interviews/{interview_id}/state", json={"state": "live"},
                        timeout=15).raise_for_status()
        return interview_id

    def post(self, interview_id: int, text: str) -> None:
        """POST /api/interviews/<id>/feed as the feed editor (or, before that route existed,
        PATCH the interview's description, which records the public `interview.updated`)."""
        resp = self.editor.post(f"{self.url}/api/interviews/{interview_id}/feed",
                                json={"speaker": "host", "text": text}, timeout=30)
        if resp.status_code == 404 and resp.json().get("error", {}).get("code") == "not_found":
            self.fallback_note = ("POST /api/interviews/<id>/feed is missing on this server: "
                                  "posted PATCH /api/interviews/<id> (interview.updated) instead")
            resp = self.admin.patch(f"{self.url}/api/interviews/{interview_id}", json={"description": text},
                                    timeout=30)
        resp.raise_for_status()

    def close(self) -> None:
        if self.server is not None:
            self.server.kill()
        if self._tmp is not None:
            self._tmp.cleanup()


class BareTarget:
    """bench/_bare_server.py: python-socketio on eventlet that only broadcasts what is posted."""

    name = "bare"

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.fallback_note = ""
        self.http = requests.Session()
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "_bare_server.py"), str(self.port)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if self.http.get(self.url + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            self.close()
            raise RuntimeError("bare server did not start")
        self._rooms = 0

    def new_room(self) -> int:
        self._rooms += 1
        return self._rooms

    def post(self, interview_id: int, text: str) -> None:
        self.http.post(self.url + "/post", json={"interview_id": interview_id, "text": text},
                       timeout=30).raise_for_status()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


# ---- the viewer swarm ------------------------------------------------------------------------

@dataclass
class SwarmResult:
    connected: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    duplicates: int = 0
    per_client_received: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _entry_text(event: dict) -> str:
    data = event.get("data") or {}
    return data.get("text") or data.get("description") or ""


def record_delivery(event: dict, now: float, token: str, seen: dict[int, float], result: SwarmResult,
                    delivered: list[int]) -> None:
    """Note one received event of this run: its delivery time, or a duplicate."""
    parts = _entry_text(event).split(" ")
    # "TOKEN POST_INDEX SEND_TIME": the send time rides in the text, so no clock sync is needed
    if len(parts) == 3 and parts[0] == token:
        post = int(parts[1])
        if post in seen:
            result.duplicates += 1
        else:
            seen[post] = now - float(parts[2])
            delivered[0] += 1


async def _viewer_swarm(slot, url, interview_id, count, token, ready, stop, results, progress,
                        connect_parallel, connect_timeout):
    import socketio

    received: list[dict[int, float]] = [dict() for _ in range(count)]
    delivered = [0]
    result = SwarmResult()
    clients = []
    gate = asyncio.Semaphore(connect_parallel)

    async def one(index: int):
        sio = socketio.AsyncClient(reconnection=False)
        seen = received[index]

        async def on_event(event):
            record_delivery(event, time.time(), token, seen, result, delivered)

        sio.on("event", on_event, namespace="/live")
        async with gate:
            try:
                await sio.connect(url, namespaces=["/live"], transports=["websocket"], wait_timeout=connect_timeout)
                ack = await sio.call("join", {"interview_id": interview_id}, namespace="/live",
                                     timeout=connect_timeout)
                if not ack or not ack.get("ok"):
                    raise RuntimeError(f"join refused: {ack}")
                clients.append(sio)
                result.connected += 1
            except Exception as exc:  # noqa: BLE001 - counted and reported
                result.failed += 1
                if len(result.errors) < 3:
                    result.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                try:
                    await sio.disconnect()
                except Exception:  # noqa: BLE001
                    pass

    await asyncio.gather(*(one(i) for i in range(count)))
    await report_until_stopped(slot, received, delivered, result, ready, stop, results, progress)


async def report_until_stopped(slot, received, delivered, result, ready, stop, results, progress) -> None:
    """A viewer worker's second half: report connected, count deliveries until stop, send the
    result and end the process."""
    ready.put((result.connected, result.failed))
    while not stop.is_set():
        progress[slot] = delivered[0]  # the main process watches this to know when all arrived
        await asyncio.sleep(0.1)
    for seen in received:
        result.latencies.extend(seen.values())
    result.per_client_received = [len(seen) for seen in received]
    results.put(result)
    for queue in (ready, results):
        queue.close()
        queue.join_thread()
    # Closing thousands of sockets one by one takes a while, and tearing down their aiohttp
    # sessions after the loop ends only prints noise: the process exit closes them all at once.
    os._exit(0)


def _viewer_worker(*args) -> None:
    import logging

    # A viewer cut off by a ping timeout on an overloaded machine shows up as missing
    # deliveries in the figures; engine.io's per-client log lines would only drown them.
    # (engine.io sets ERROR on its own client logger when that has no level: name it explicitly.)
    for name in ("engineio", "engineio.client", "socketio", "socketio.client", "aiohttp"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    asyncio.run(_viewer_swarm(*args))


@dataclass
class FanoutRun:
    target: str
    clients: int
    connected: int
    posts: int
    delivered: int
    expected: int
    duplicates: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    seconds: float
    errors: list[str]


def run_fanout(target, clients: int, posts: int, rate: float, workers: int, connect_parallel: int = 20,
               connect_timeout: float = 60, drain_timeout: float = 15, worker=None) -> FanoutRun:
    """Connect `clients` viewers spread over `workers` processes to one room, post `posts`
    entries at `rate` per second, and measure each delivery (receive time minus send time).
    `worker`: another viewer process function with _viewer_worker's arguments (e.g. EventSource
    viewers in bench/viewer_fanout.py); Socket.IO /live viewers by default."""
    started = time.time()
    interview_id = target.new_room()
    token = f"bench{os.getpid()}x{int(started * 1000) % 10**9}"
    ctx = mp.get_context("spawn")  # a clean interpreter per worker: no inherited sockets or threads
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    shares = [share for share in (clients // workers + (1 if i < clients % workers else 0)
                                  for i in range(workers)) if share]
    progress = ctx.Array("q", len(shares), lock=False)
    procs = [ctx.Process(target=worker or _viewer_worker, daemon=True,
                         args=(slot, target.url, interview_id, share, token, ready, stop, results, progress,
                               connect_parallel, connect_timeout))
             for slot, share in enumerate(shares)]
    for proc in procs:
        proc.start()
    collected: list[SwarmResult] = []
    try:
        connected = 0
        connect_deadline = time.time() + connect_timeout + clients * 0.05 + 60
        for _ in procs:
            connected += ready.get(timeout=max(1.0, connect_deadline - time.time()))[0]
        time.sleep(1.0)  # let the last joins settle before the clock starts
        interval = 1.0 / rate
        next_at = time.time()
        for index in range(posts):
            delay = next_at - time.time()
            if delay > 0:
                time.sleep(delay)
            target.post(interview_id, f"{token} {index} {time.time():.6f}")
            next_at += interval
        # Wait for the stragglers: until all arrived, or nothing more came for 3 s, or drain_timeout.
        expected, drain_end = connected * posts, time.time() + drain_timeout
        last_total, last_change = -1, time.time()
        while time.time() < drain_end:
            total = sum(progress)
            if total >= expected:
                break
            if total != last_total:
                last_total, last_change = total, time.time()
            elif time.time() - last_change > 3:
                break
            time.sleep(0.2)
        stop.set()
        for _ in procs:
            collected.append(results.get(timeout=120))
    finally:
        stop.set()
        # After their results the workers exit by themselves; on an error or Ctrl-C, end them now.
        grace = 20 if len(collected) == len(procs) else 0
        for proc in procs:
            proc.join(timeout=grace)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=10)
    latencies = [lat for part in collected for lat in part.latencies]
    connected = sum(part.connected for part in collected)
    return FanoutRun(
        target=target.name, clients=clients, connected=connected, posts=posts,
        delivered=len(latencies), expected=connected * posts,
        duplicates=sum(part.duplicates for part in collected),
        p50_ms=percentile(latencies, 50) * 1000, p99_ms=percentile(latencies, 99) * 1000,
        max_ms=(max(latencies) * 1000) if latencies else math.nan,
        seconds=time.time() - started,
        errors=[err for part in collected for err in part.errors][:3],
    )
