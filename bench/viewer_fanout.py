"""Viewers at internet scale: N EventSource subscribers through nginx+nchan vs Socket.IO /live.

    .venv/bin/python bench/viewer_fanout.py                         # N = 1,000, 2,000, 5,000, 10,000
    .venv/bin/python bench/viewer_fanout.py --sizes 50 --posts 10   # a smoke run

One `python server.py` with PUBLIC_FANOUT=nchan behind one nginx started from
`flask --app server deploy nginx-conf` (needs libnginx-mod-nchan). For each N: N EventSource
subscribers (aiohttp, spread over --workers processes, each under the open-files limit) follow
GET /live/<id>/events on nginx while the feed editor posts --posts entries at --rate per second;
then N Socket.IO /live viewers (bench/_common.py, as bench/feed_fanout.py) follow the app itself
at the same N. Each entry's text carries its send time; each client records receive minus send
time. Printed per run: p50/p99/max delivery, delivered/expected, and the CPU seconds the app
process and nginx used during the run (/proc/<pid>/stat). Loopback only; every run is bounded in
count and time, and every process it starts is stopped.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import StudioTarget, SwarmResult, raise_open_files_limit, record_delivery, report_until_stopped, run_fanout

from tests.support.server import free_port  # noqa: E402  (_common put the repo on sys.path)

DEFAULT_SIZES = (1000, 2000, 5000, 10000)
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc/<pid>/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return math.nan
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def process_tree(pid: int) -> list[int]:
    """pid and its children (nginx's master and workers)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return pids


def tree_cpu(pid: int) -> float:
    return sum(cpu_seconds(p) for p in process_tree(pid))


# ---- EventSource viewers (one worker process) ---------------------------------------------

async def _sse_swarm(slot, url, interview_id, count, token, ready, stop, results, progress,
                     connect_parallel, connect_timeout):
    import aiohttp

    result = SwarmResult()
    received: list[dict[int, float]] = [dict() for _ in range(count)]
    delivered = [0]
    gate = asyncio.Semaphore(connect_parallel)
    connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=None)
    session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(
        total=None, sock_connect=connect_timeout, sock_read=None))
    events_url = f"{url}/live/{interview_id}/events"
    readers = []

    async def read(resp, seen):
        try:
            async for line in resp.content:
                if not line.startswith(b"data:"):
                    continue
                now = time.time()
                try:
                    event = json.loads(line[5:])
                except ValueError:
                    continue
                record_delivery(event, now, token, seen, result, delivered)
        except Exception as exc:  # noqa: BLE001 - a dropped subscriber shows as missing deliveries
            if len(result.errors) < 3:
                result.errors.append(f"read {type(exc).__name__}: {exc}"[:200])

    async def one(index: int):
        async with gate:
            try:
                resp = await asyncio.wait_for(session.get(events_url, headers={"Accept": "text/event-stream"}),
                                              connect_timeout)
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status}")
                result.connected += 1
                readers.append(asyncio.ensure_future(read(resp, received[index])))
            except Exception as exc:  # noqa: BLE001 - counted and reported
                result.failed += 1
                if len(result.errors) < 3:
                    result.errors.append(f"{type(exc).__name__}: {exc}"[:200])

    await asyncio.gather(*(one(i) for i in range(count)))
    await asyncio.sleep(0.5)  # nchan registers the subscriber just after the response headers
    await report_until_stopped(slot, received, delivered, result, ready, stop, results, progress)


def sse_worker(*args) -> None:
    asyncio.run(_sse_swarm(*args))


# ---- the stack under test --------------------------------------------------------------------

class NchanStack:
    """The app (PUBLIC_FANOUT=nchan) and nginx+nchan from the printed configuration."""

    def __init__(self, worker_connections: int):
        self.nginx_port = free_port()
        self.nginx_url = f"http://127.0.0.1:{self.nginx_port}"
        self.app = StudioTarget(env={
            "PUBLIC_FANOUT": "nchan", "NCHAN_PUBLISH_URL": f"{self.nginx_url}/internal/nchan/pub",
            "MAX_CONNECTIONS_PER_IP": "0",  # every bench viewer comes from 127.0.0.1
            "MAX_CONNECTIONS": "15000",     # 10,000 Socket.IO viewers and the poster
        })
        self._tmp = tempfile.TemporaryDirectory(prefix="fangtan-nchan-bench-")
        prefix = Path(self._tmp.name)
        args = ["deploy", "nginx-conf", "--listen", f"127.0.0.1:{self.nginx_port}", "--app", self.app.url,
                "--prefix", str(prefix), "--limit-conn", "0", "--worker-connections", str(worker_connections)]
        if os.geteuid() == 0:
            args += ["--user", getpass.getuser()]
        config = prefix / "nginx.conf"
        config.write_text(self.app.server.flask(*args))
        from tests.fanout.conftest import NchanNginx

        self.nginx = NchanNginx(prefix, config.read_text(), self.nginx_port).start()

    @property
    def app_pid(self) -> int:
        return self.app.server.proc.pid

    def close(self) -> None:
        self.nginx.kill()
        self.app.close()
        self._tmp.cleanup()


class NchanView:
    """run_fanout's target for the EventSource viewers: they connect to nginx, posts go to the app."""

    name = "nchan"

    def __init__(self, stack: NchanStack):
        self.stack, self.url, self.fallback_note = stack, stack.nginx_url, ""

    def new_room(self) -> int:
        return self.stack.app.new_room()

    def post(self, interview_id: int, text: str) -> None:
        self.stack.app.post(interview_id, text)


def measure(stack, target, n, args, workers, worker=None):
    app_cpu, nginx_cpu = cpu_seconds(stack.app_pid), tree_cpu(stack.nginx.proc.pid)
    run = run_fanout(target, n, args.posts, args.rate, workers, connect_parallel=args.connect_parallel,
                     connect_timeout=args.connect_timeout, worker=worker)
    return run, cpu_seconds(stack.app_pid) - app_cpu, tree_cpu(stack.nginx.proc.pid) - nginx_cpu


def fmt(value: float, digits: int = 0) -> str:
    return "-" if math.isnan(value) else f"{value:,.{digits}f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", help="comma-separated N (default 1000,2000,5000,10000)")
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--rate", type=float, default=2.0, help="entries per second (default 2)")
    parser.add_argument("--workers", type=int, default=0,
                        help="viewer processes (default: one per 2,500 viewers, at least 4)")
    parser.add_argument("--connect-parallel", type=int, default=50)
    parser.add_argument("--connect-timeout", type=float, default=60)
    parser.add_argument("--no-socketio", action="store_true", help="skip the Socket.IO /live runs")
    parser.add_argument("--time-limit", type=float, default=3600, help="start no new run after this many s")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else list(DEFAULT_SIZES)
    if not all(0 < n <= 20000 for n in sizes) or not 1 <= args.posts <= 10000 or not 0 < args.rate <= 1000:
        parser.error("sizes 1..20000, --posts 1..10000, --rate 0..1000")
    limit = raise_open_files_limit()
    began = time.time()
    print(f"viewer fan-out: {args.posts} entries at {args.rate:g}/s per run, open-file limit {limit}, "
          f"{os.cpu_count()} CPUs", flush=True)
    stack = NchanStack(worker_connections=max(1024, min(max(sizes) + 1024, 19000)))
    rows = []
    try:
        for n in sizes:
            if time.time() - began > args.time_limit:
                print(f"time limit reached: no run at N={n}")
                break
            workers = args.workers or max(4, math.ceil(n / 2500))  # each well under the open-files limit
            if n / workers + 100 > limit:
                print(f"N={n}: {workers} workers would each need more than the open-file limit {limit}; skipped")
                continue
            nchan = measure(stack, NchanView(stack), n, args, workers, worker=sse_worker)
            sio = None if args.no_socketio else measure(stack, stack.app, n, args, workers)
            rows.append((n, nchan, sio))
            for label, part in (("nchan", nchan), ("socket.io", sio)):
                if part:
                    run, app_cpu, nginx_cpu = part
                    print(f"  N={n:,} {label}: p50 {fmt(run.p50_ms)} ms p99 {fmt(run.p99_ms)} ms, "
                          f"{run.delivered:,}/{run.expected:,} delivered, {run.connected:,}/{n:,} connected, "
                          f"app CPU {app_cpu:.1f} s, nginx CPU {nginx_cpu:.1f} s"
                          + (f"; errors: {run.errors}" if run.errors else ""), flush=True)
    finally:
        stack.close()

    print()
    header = ("N", "path", "connected", "delivered/expected", "dup", "p50 ms", "p99 ms", "max ms",
              "app CPU s", "app CPU ms/post", "nginx CPU s", "s")
    lines = [header]
    for n, *parts in rows:
        for label, part in zip(("nchan", "socket.io"), parts):
            if not part:
                continue
            run, app_cpu, nginx_cpu = part
            lines.append((f"{n:,}", label, f"{run.connected:,}", f"{run.delivered:,}/{run.expected:,}",
                          str(run.duplicates), fmt(run.p50_ms), fmt(run.p99_ms), fmt(run.max_ms), fmt(app_cpu, 1),
                          fmt(app_cpu * 1000 / run.posts, 1), fmt(nginx_cpu, 1), f"{run.seconds:.0f}"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for index, line in enumerate(lines):
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    print("\nlatency = receive time - send time of each entry at each viewer, on one machine's clock; "
          "viewers, poster, app and nginx share this machine's CPUs. CPU seconds cover the whole run "
          "(connecting the viewers included).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
