"""The hub probe: how long does the server leave a socket waiting while it works?

A Socket.IO client in a process of its own (not sharing the load generator's interpreter)
emits a no-op with an ack every 20 ms on /live (`join` with no interview: answered before any
database work) and records each round trip. The benchmark notes when its phases start and end
and reads the round trips of each window: anything the server does on its eventlet hub (a
COMMIT, a scan, a busy wait) shows up there as a stalled ping.
"""
from __future__ import annotations

import multiprocessing as mp
import time

INTERVAL = 0.020


def _probe(url: str, ready, stop, out) -> None:
    import socketio

    client = socketio.Client(reconnection=False)
    client.connect(url, namespaces=["/live"], transports=["websocket"], wait_timeout=20)
    samples: list[tuple[float, float]] = []
    ready.set()
    next_at = time.time()
    while not stop.is_set():
        sent = time.time()
        try:
            client.call("join", {"interview_id": None}, namespace="/live", timeout=10)
            samples.append((sent, (time.time() - sent) * 1000))
        except Exception:  # noqa: BLE001 - a ping lost for 10 s is a 10 s stall
            samples.append((sent, 10_000.0))
        next_at += INTERVAL
        time.sleep(max(0.0, next_at - time.time()))
    client.disconnect()
    out.put(samples)


class HubProbe:
    """start() → window(t0, t1) for each phase → stop(); then figures(t0, t1)."""

    def __init__(self, url: str):
        ctx = mp.get_context("spawn")
        self._ready, self._stop, self._out = ctx.Event(), ctx.Event(), ctx.Queue()
        self._proc = ctx.Process(target=_probe, args=(url, self._ready, self._stop, self._out), daemon=True)
        self.samples: list[tuple[float, float]] = []

    def start(self) -> "HubProbe":
        self._proc.start()
        if not self._ready.wait(30):
            self._proc.kill()
            raise RuntimeError("hub probe did not connect")
        return self

    def stop(self) -> None:
        self._stop.set()
        try:
            self.samples = self._out.get(timeout=30)
        finally:
            self._proc.join(timeout=10)
            if self._proc.is_alive():
                self._proc.kill()

    def figures(self, t0: float, t1: float) -> dict:
        from _common import percentile

        rtts = [rtt for sent, rtt in self.samples if t0 <= sent < t1]
        return {"n": len(rtts), "p50": percentile(rtts, 50), "p99": percentile(rtts, 99),
                "max": max(rtts) if rtts else float("nan")}


def fmt_probe(fig: dict) -> str:
    return (f"hub probe (ping every {INTERVAL * 1000:.0f} ms, ack): p50 {fig['p50']:.1f} ms   "
            f"p99 {fig['p99']:.1f} ms   max {fig['max']:.1f} ms   ({fig['n']} pings)")
