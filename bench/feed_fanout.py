"""Live-feed fan-out: how fast do posted entries reach N viewers on one server process?

    .venv/bin/python bench/feed_fanout.py                  # N = 100, 1,000, then upward
    .venv/bin/python bench/feed_fanout.py --sizes 1000,2000 --repeat 3   # issue 10's rows, 3 runs each
    .venv/bin/python bench/feed_fanout.py --sizes 20 --posts 5 --rate 5 --repeat 2 --workers 1   # smoke
    .venv/bin/python bench/feed_fanout.py --url http://127.0.0.1:5000 --password …   # a running server

N viewer Socket.IO clients (python-socketio AsyncClient, websocket transport) spread over
several worker processes join one live interview on /live of ONE server process. The feed
editor posts 100 entries (POST /api/interviews/<id>/feed) at a steady rate; each entry's text
carries its send time (time.time(): same machine, same clock) and each client records receive
time minus send time. The same run against bench/_bare_server.py (python-socketio that only
broadcasts) gives the ratio ours/bare. N goes 100, 1,000, then 1,500, 2,000, 3,000 … until p99
reaches --p99-limit-ms, clients fail to connect, or --max-clients (when 1,000 already fails,
a few runs narrow down between the largest N held and it). Each N runs --repeat times (3),
ours and bare interleaved, and every run is printed: one good run proves little on a shared
machine. Loopback only; every run is
bounded in count and time, and every process it starts is stopped.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

from _common import BareTarget, StudioTarget, raise_open_files_limit, run_fanout
from _probe import HubProbe, fmt_probe

FIXED_SIZES = (100, 1000)
SEARCH_SIZES = (1500, 2000, 3000, 4000, 5000, 6000, 8000, 10000)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="measure a running server instead of starting one")
    parser.add_argument("--admin", default="admin", help="admin account on --url (creates the interviews)")
    parser.add_argument("--editor", default="feed_editor", help="feed_editor account on --url (posts)")
    parser.add_argument("--password", default=os.environ.get("BENCH_PASSWORD"),
                        help="password of both accounts on --url (or BENCH_PASSWORD)")
    parser.add_argument("--posts", type=int, default=100, help="entries posted per run (default 100)")
    parser.add_argument("--rate", type=float, default=2.0, help="entries per second (default 2)")
    parser.add_argument("--workers", type=int, default=4, help="viewer worker processes (default 4)")
    parser.add_argument("--sizes", help="comma-separated N to run instead of the default search")
    parser.add_argument("--max-clients", type=int, default=5000, help="stop the upward search here")
    parser.add_argument("--p99-limit-ms", type=float, default=500.0, help="the search stops at this p99")
    parser.add_argument("--refine", type=int, default=3,
                        help="runs that narrow down the largest N held when 100 or 1,000 already fails")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare python-socketio baseline")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each N, ours and bare interleaved, every run printed (default 3)")
    parser.add_argument("--time-limit", type=float, default=1800, help="start no new run after this many s")
    args = parser.parse_args(argv)
    if args.url and not args.password:
        parser.error("--url needs --password (or BENCH_PASSWORD) for its admin and feed_editor accounts")
    if not (1 <= args.posts <= 10000 and 0 < args.rate <= 1000 and 1 <= args.workers <= 64 and 1 <= args.repeat <= 10):
        parser.error("--posts 1..10000, --rate 0..1000, --workers 1..64, --repeat 1..10")
    return args


def fmt_ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def print_table(rows: list[tuple]) -> None:
    header = ("N", "connected", "delivered/expected", "dup", "p50 ms", "p99 ms", "max ms",
              "bare p50", "bare p99", "p99 ours/bare", "s")
    lines = [header]
    for ours, bare in rows:
        ratio = (ours.p99_ms / bare.p99_ms) if bare and bare.p99_ms and not math.isnan(bare.p99_ms) else math.nan
        lines.append((f"{ours.clients:,}", f"{ours.connected:,}", f"{ours.delivered:,}/{ours.expected:,}",
                      str(ours.duplicates), fmt_ms(ours.p50_ms), fmt_ms(ours.p99_ms), fmt_ms(ours.max_ms),
                      fmt_ms(bare.p50_ms) if bare else "-", fmt_ms(bare.p99_ms) if bare else "-",
                      "-" if math.isnan(ratio) else f"{ratio:.1f}×", f"{ours.seconds:.0f}"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths)))
        if n == 0:
            print("  ".join("-" * width for width in widths))


def main(argv=None) -> int:
    args = parse_args(argv)
    limit = raise_open_files_limit()
    began = time.time()
    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else [*FIXED_SIZES, *SEARCH_SIZES]
    sizes = [n for n in sizes if 0 < n <= args.max_clients]
    need = max(sizes) + 200
    if limit < need:
        print(f"open-file limit is {limit}: runs above ~{limit - 200} clients will fail to connect", file=sys.stderr)

    print(f"feed fan-out: {args.posts} entries at {args.rate:g}/s per run, {args.workers} viewer processes, "
          f"open-file limit {limit}, {os.cpu_count()} CPUs", flush=True)
    ours_target = StudioTarget(args.url, args.admin, args.editor, args.password) if args.url else StudioTarget()
    bare_target = None if args.no_bare else BareTarget()
    rows, best, first_failed = [], None, None
    # A socket of ours pinging every 20 ms through each run: how long the hub keeps it waiting.
    probe, windows = HubProbe(ours_target.url).start(), []
    # And one on the bare server: the same fan-out stalls its hub too (the anchor of ours').
    bare_probe, bare_windows = (HubProbe(bare_target.url).start() if bare_target else None), []

    def measure(n: int) -> bool:
        """--repeat runs against ours and bare, interleaved; True when this N held in every run."""
        held = True
        for run in range(1, args.repeat + 1):
            t0 = time.time()
            ours = run_fanout(ours_target, n, args.posts, args.rate, args.workers)
            windows.append((f"N={n:,} run {run}", t0, time.time()))
            t0 = time.time()
            bare = run_fanout(bare_target, n, args.posts, args.rate, args.workers) if bare_target else None
            bare_windows.append((f"N={n:,} run {run}", t0, time.time()))
            rows.append((ours, bare))
            ratio = ours.p99_ms / bare.p99_ms if bare and bare.p99_ms else math.nan
            print(f"  N={n:,} run {run}/{args.repeat}: ours p50 {fmt_ms(ours.p50_ms)} ms p99 {fmt_ms(ours.p99_ms)} ms, "
                  f"{ours.delivered:,}/{ours.expected:,} delivered, {ours.connected:,}/{n:,} connected"
                  + (f"; bare p50 {fmt_ms(bare.p50_ms)} p99 {fmt_ms(bare.p99_ms)} ms" if bare else "")
                  + ("" if math.isnan(ratio) else f"; p99 ours/bare {ratio:.2f}×")
                  + (f"; errors: {ours.errors}" if ours.errors else ""), flush=True)
            held = held and ours.connected == n and ours.delivered == ours.expected and ours.p99_ms < args.p99_limit_ms
        return held

    def out_of_time(n: int) -> bool:
        if time.time() - began > args.time_limit:
            print(f"time limit {args.time_limit:.0f} s reached: no run at N={n}")
            return True
        return False

    try:
        for n in sizes:
            if out_of_time(n):
                break
            if measure(n):
                best = n
            else:
                first_failed = first_failed or n
                if n not in FIXED_SIZES or args.sizes:
                    break  # the search upward ends at the first N this machine does not hold
        # When a fixed size already failed, narrow down between the largest held and it.
        low, high = best or 0, first_failed
        for _ in range(0 if args.sizes or not high else args.refine):
            n = int(round((low + high) / 2 / 50) * 50)
            if n <= low or n >= high or out_of_time(n):
                break
            if measure(n):
                low = best = n
            else:
                high = n
    finally:
        probe.stop()
        if bare_probe:
            bare_probe.stop()
        ours_target.close()
        if bare_target:
            bare_target.close()

    print()
    print_table(sorted(rows, key=lambda row: row[0].clients))
    print()
    for label, t0, t1 in windows:
        print(f"{label}, ours: {fmt_probe(probe.figures(t0, t1))}")
    for label, t0, t1 in bare_windows if bare_probe else ():
        print(f"{label}, bare: {fmt_probe(bare_probe.figures(t0, t1))}")
    print()
    if ours_target.fallback_note:
        print("note:", ours_target.fallback_note)
    print(f"largest N held (all connected, all delivered, p99 < {args.p99_limit_ms:g} ms): "
          f"{best:,}" if best else f"no N held p99 < {args.p99_limit_ms:g} ms")
    print("latency = receive time - send time of each entry at each viewer, on one machine's clock; "
          "viewers, poster and server share this machine's CPUs")
    print("full run (for a quiet machine), target p99 ≤ 1.1× bare at both N in 3 runs of 3:")
    print("  .venv/bin/python bench/feed_fanout.py --sizes 1000,2000 --repeat 3")
    return 0


if __name__ == "__main__":
    sys.exit(main())
