"""Question intake: sustained submissions per second on ONE server process, and how long a
question takes from the netizen's submit to the moderators' screens.

    .venv/bin/python bench/question_intake.py                       # 20 s, 16 netizen clients
    .venv/bin/python bench/question_intake.py --duration 60 --clients 32 --words 2000

Starts a real server (`python server.py`, eventlet, SQLite in a temporary DATA_DIR, rate limit
off), a live interview, a sensitive-word list of --words words, and two moderator consoles:
python-socketio clients on /studio, logged in with their session cookie, joined to the
interview, as the console page is. --clients netizen threads, each from its own loopback
address (127.0.x.y) with its own device cookie, submit questions back to back for --duration
seconds (`POST /api/interviews/<id>/questions`), first back to back (the most one process
takes), then at a steady --rate per second (a busy live). Every question carries a token; the time from
just before its POST to the arrival of its `question.submitted` event at each console is the
submit→screen latency. Prints throughput (201s per second), HTTP latency and submit→screen
p50/p99 per console. Loopback only; the server it starts is killed at the end.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import socketio  # noqa: E402

from tests.moderation.support import live_interview, netizen_session  # noqa: E402
from tests.support.server import PASSWORD, ServerProcess  # noqa: E402

TOKEN = re.compile(r"#([sr]\d+-\d+)#")


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


class Console:
    """One moderator console: a /studio Socket.IO client that notes when each question arrives."""

    def __init__(self, server: ServerProcess, username: str, interview_id: int):
        self.arrived: dict[str, float] = {}
        self.client = socketio.Client(reconnection=False)
        self.client.on("event", self._on_event, namespace="/studio")
        http = server.session(username)
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.client.connect(server.url, namespaces=["/studio"], transports=["websocket"],
                            headers={"Cookie": cookie}, wait_timeout=20)
        ack = self.client.call("join", {"interview_id": interview_id}, namespace="/studio", timeout=20)
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")

    def _on_event(self, event):
        if event.get("type") != "question.submitted":
            return
        match = TOKEN.search(event["data"].get("text", ""))
        if match:
            self.arrived[match.group(1)] = time.time()

    def close(self):
        self.client.disconnect()


def phase(url: str, consoles: list[Console], clients: int, duration: float, rate: float | None,
          label: str) -> None:
    """Submit for `duration` s, back to back (rate None) or at `rate` per second in total; print figures."""
    sent: dict[str, float] = {}
    http_ms: list[float] = []
    failures: dict[int, int] = {}
    lock = threading.Lock()
    start = time.time()
    stop_at = start + duration
    prefix = "s" if rate is None else "r"

    def netizen(n: int) -> None:
        http = netizen_session(f"127.0.{n // 200 + 2}.{n % 200 + 2}")
        k = 0
        while True:
            if rate is not None:  # open loop: this client's k-th slot of the common schedule
                due = start + (k * clients + n) / rate
                if due >= stop_at:
                    return
                time.sleep(max(0.0, due - time.time()))
            elif time.time() >= stop_at:
                return
            token = f"{n}-{k}"
            k += 1
            text = f"请问第{k}个问题：社区卫生服务中心周末几点开门？#{prefix}{token}#"
            t0 = time.time()
            try:
                code = http.post(url, json={"nickname": f"网友{n}", "text": text}, timeout=30).status_code
            except requests.RequestException:
                code = -1
            t1 = time.time()
            with lock:
                if code == 201:
                    sent[prefix + token] = t0
                    http_ms.append((t1 - t0) * 1000)
                else:
                    failures[code] = failures.get(code, 0) + 1

    threads = [threading.Thread(target=netizen, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.time() - start
    deadline = time.time() + 15
    while time.time() < deadline and any(len([t for t in sent if t in c.arrived]) < len(sent) for c in consoles):
        time.sleep(0.2)
    print(f"{label}, {duration:.0f} s:")
    print(f"  accepted (201):       {len(sent)} in {elapsed:.1f} s = {len(sent) / elapsed:.1f} submissions/s")
    if failures:
        print(f"  not accepted:         {failures}")
    print(f"  HTTP 201 latency:     p50 {percentile(http_ms, 50):.0f} ms   p99 {percentile(http_ms, 99):.0f} ms")
    for index, console in enumerate(consoles, start=1):
        latencies = [(console.arrived[t] - sent[t]) * 1000 for t in sent if t in console.arrived]
        print(f"  submit → console {index}:   p50 {percentile(latencies, 50):.0f} ms   "
              f"p99 {percentile(latencies, 99):.0f} ms   max {max(latencies or [0]):.0f} ms   "
              f"missing {len(sent) - len(latencies)}")


def run(args) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    server = ServerProcess(data_dir, env={"QUESTION_RATE_LIMIT": "off", "LOG_LEVEL": "WARNING"})
    server.migrate()
    for name, role in (("admin", "admin"), ("moderator", "moderator"), ("moderator2", "moderator")):
        server.create_user(name, role, PASSWORD)
    server.start()
    consoles: list[Console] = []
    try:
        interview_id = live_interview(server, "提问基准测试")
        words = "".join(f"测试敏感词{n}\n" for n in range(args.words))
        server.session("admin").put(server.url + "/api/wordlist", data=words.encode(), timeout=60,
                                    headers={"Content-Type": "text/plain; charset=utf-8"}).raise_for_status()
        consoles = [Console(server, name, interview_id) for name in ("moderator", "moderator2")]
        url = server.url + f"/api/interviews/{interview_id}/questions"

        print(f"question intake on one server process (eventlet, SQLite WAL synchronous=FULL), "
              f"{args.words} sensitive words, 2 moderator consoles on /studio, {args.clients} netizen clients")
        phase(url, consoles, args.clients, args.duration, None, "saturated (back to back)")
        if args.rate > 0:
            phase(url, consoles, args.clients, args.duration, args.rate, f"steady {args.rate:g}/s")
    finally:
        for console in consoles:
            try:
                console.close()
            except Exception:  # noqa: BLE001 - cleanup must go on
                pass
        server.kill()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of submitting (default 20)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent netizen clients (default 16)")
    parser.add_argument("--rate", type=float, default=5.0,
                        help="then submissions per second in total for the steady phase (default 5; 0 skips it)")
    parser.add_argument("--words", type=int, default=500, help="sensitive words in the list (default 500)")
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
