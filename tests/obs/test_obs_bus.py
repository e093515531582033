"""The command bus's wait, on its own: what a lost reply costs (no servers: the transport is a stub)."""
import threading
import time
from types import SimpleNamespace

from studio.obs import bus as bus_module
from studio.obs.bus import CommandBus


class DroppingTransport:
    """A push path that accepts every message and delivers none (a reply lost in transit)."""

    name = "dropping"

    def __init__(self):
        self.published: list[tuple[str, str]] = []

    def publish(self, key: str, payload: str) -> None:
        self.published.append((key, payload))


def _bus(transport) -> CommandBus:
    bus = CommandBus(SimpleNamespace(config={}))  # no REDIS_URL, no PostgreSQL: no transport of its own
    bus.transport = transport
    return bus


def test_a_lost_reply_costs_one_reply_check_not_the_timeout(monkeypatch):
    monkeypatch.setattr(bus_module, "REPLY_CHECK_S", 0.2)
    transport = DroppingTransport()
    bus = _bus(transport)
    answered_at = time.monotonic() + 0.05  # the owner answers at once; its reply never arrives
    looks = []

    def finished():
        looks.append(time.monotonic())
        return {"state": "done"} if time.monotonic() >= answered_at else None

    started = time.monotonic()
    assert bus.wait(7, timeout=10, finished=finished) == {"state": "done"}
    took = time.monotonic() - started
    assert transport.published == [("commands", '{"id": 7}')]  # sent by the push path
    assert 0.15 < took < 2, took  # one reply check (0.2 s), not the 10 s timeout
    assert len(looks) == 1  # and the row was read once, not polled meanwhile
    assert bus.waiters == {}


def test_a_delivered_reply_wakes_the_request_at_once(monkeypatch):
    monkeypatch.setattr(bus_module, "REPLY_CHECK_S", 5.0)
    bus = _bus(DroppingTransport())
    done = threading.Event()

    def owner_answers():
        time.sleep(0.05)
        done.set()
        bus._on_message("replies", '{"id": 8}')  # what the listener does with the owner's reply

    threading.Thread(target=owner_answers, daemon=True).start()
    started = time.monotonic()
    assert bus.wait(8, timeout=10, finished=lambda: {"state": "done"} if done.is_set() else None)
    assert time.monotonic() - started < 1  # woken by the reply, long before the 5 s check
