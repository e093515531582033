"""Host console: how long does a clicker press take to be acknowledged, and to reach another screen?

    .venv/bin/python bench/cue_advance.py            # 2 rounds through the 59-card fixture script

Starts one real server process (eventlet) on loopback with its own data folder, uploads the
fixture script (tests/cues/fixtures/xiaofang_script.txt), connects a host and a director to
/studio (python-socketio, websocket transport), then the host moves through every card and back
with `cue.advance` (each with `expected`, as the page sends it), one move at a time. Figures: the
ack round trip at the host, and the time until the director receives the `cue.changed` event
(same machine, same clock), p50 / p99 / max in ms. Prints figures, asserts nothing; bounded in
count and time; stops the server it started.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import ROOT, percentile

import socketio  # noqa: E402

from tests.support.server import ServerProcess  # noqa: E402

SCRIPT = ROOT / "tests/cues/fixtures/xiaofang_script.txt"


def _client(server: ServerProcess, username: str):
    http = server.session(username)
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    sio = socketio.Client(reconnection=False)
    sio.connect(server.url, namespaces=["/studio"], headers={"Cookie": cookie}, transports=["websocket"],
                wait_timeout=20)
    return http, sio


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="passes through the script, forward and back")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cue-bench-") as tmp:
        server = ServerProcess(Path(tmp) / "server")
        server.migrate()
        for role in ("admin", "host", "director"):
            server.create_user(role, role)
        server.start()
        try:
            admin = server.session("admin")
            iid = admin.post(server.url + "/api/interviews", json={
                "title": "全民消防 生命至上", "guests": [{"name": "王建国"}, {"name": "李芳"}]}, timeout=10).json()["id"]
            host_http, host = _client(server, "host")
            _, director = _client(server, "director")
            count = host_http.put(f"{server.url}/api/interviews/{iid}/script", data=SCRIPT.read_bytes(),
                                  headers={"Content-Type": "text/plain; charset=utf-8"}, timeout=30).json()["count"]
            seen: dict[int, float] = {}
            arrived = threading.Event()

            def on_event(ev):
                if ev.get("type") == "cue.changed":
                    seen[ev["data"]["version"]] = time.perf_counter()
                    arrived.set()
            director.on("event", on_event, namespace="/studio")
            for sio in (host, director):
                assert sio.call("join", {"interview_id": iid}, namespace="/studio", timeout=20)["ok"]
            acks, deliveries = [], []
            current, deadline = 0, time.time() + 300
            moves = [("next", 1)] * (count - 1) + [("prev", -1)] * (count - 1)
            for action, step in moves * args.rounds:
                if time.time() > deadline:
                    break
                arrived.clear()
                sent = time.perf_counter()
                ack = host.call("cue.advance", {"interview_id": iid, "action": action, "expected": current},
                                namespace="/studio", timeout=20)
                acks.append((time.perf_counter() - sent) * 1000)
                if not ack.get("ok"):
                    print("refused:", ack, file=sys.stderr)
                    return 1
                current += step
                version = ack["state"]["version"]
                while version not in seen and arrived.wait(5):
                    arrived.clear()
                if version in seen:
                    deliveries.append((seen[version] - sent) * 1000)
            for sio in (host, director):
                sio.disconnect()
        finally:
            server.kill()
    for name, values in (("ack at the host", acks), ("cue.changed at the director", deliveries)):
        print(f"{name:30s} n={len(values):4d}  p50={percentile(values, 50):6.1f} ms  "
              f"p99={percentile(values, 99):6.1f} ms  max={max(values):6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
