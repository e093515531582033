"""How an OBS command reaches the connection owner and how its answer comes back: pushed.

The `obs_commands` row is the record of a command (who asked, what, the result); this module
is only its transport, and a message here only ever says "look at row N":
  - the owner's own process hands the row id straight to the owner's task (ObsOwner.deliver)
    and waits on an Event the owner sets when the row is answered: nothing crosses a process;
  - another process publishes the id on Redis (`<REDIS_CHANNEL>:obs:commands`) when REDIS_URL
    is set; every process listens there, only the lease holder acts. The owner publishes the
    id on `<REDIS_CHANNEL>:obs:replies` once the row is answered, and the requester's listener
    wakes the waiting request. One replies channel rather than one per process: after a
    takeover the new owner knows the row, not who is waiting for it.
  - with neither (SQLite, no Redis, and the owner elsewhere: e.g. the CLI beside `make run`)
    there is no push path between processes; the owner finds the row on its lease-renewal
    sweep and the requester looks at its row every FALLBACK_CHECK_S.
Executing twice is prevented by the row, not by the transport: the owner claims a row with a
conditional UPDATE (pending -> running) before it touches OBS, so a message that arrives twice,
or a sweep that meets a pushed command, runs it once.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)

FALLBACK_CHECK_S = 0.25     # only without any push path between processes
RESUBSCRIBE_S = (0.5, 5.0)  # Redis listener reconnect backoff


class CommandBus:
    """One per process (studio.obs.get_bus): sends command ids to the owner, wakes waiting requests."""

    def __init__(self, app):
        from studio.app import _socketio_channel

        self.redis_url = app.config.get("REDIS_URL") or None
        prefix = _socketio_channel(app.config)
        self.commands_channel = f"{prefix}:obs:commands"
        self.replies_channel = f"{prefix}:obs:replies"
        self.owner = None          # this process's ObsOwner, once started
        self.waiters: dict[int, threading.Event] = {}
        self.subscribed = threading.Event()
        self._publisher = None
        self._started = False
        self._lock = threading.Lock()

    # ---- Redis ---------------------------------------------------------------------------

    def start(self) -> "CommandBus":
        """Start listening on Redis (if configured); idempotent."""
        with self._lock:
            if self._started or not self.redis_url:
                return self
            self._started = True
        # threading.Thread is a green thread once eventlet has patched the process (server.py),
        # and a real one in a CLI process: either way it blocks only itself.
        threading.Thread(target=self._listen, name="obs-bus", daemon=True).start()
        return self

    def _redis(self):
        import redis

        if self._publisher is None:
            self._publisher = redis.Redis.from_url(self.redis_url, socket_connect_timeout=3, socket_timeout=3)
        return self._publisher

    def _publish(self, channel: str, command_id: int) -> bool:
        try:
            self._redis().publish(channel, json.dumps({"id": command_id}))
            return True
        except Exception as exc:  # noqa: BLE001 - Redis down: the row and the sweep still hold it
            log.warning("OBS command %s: publishing on Redis failed: %s", command_id, exc)
            return False

    def _listen(self) -> None:
        import redis

        backoff = RESUBSCRIBE_S[0]
        while True:
            pubsub = None
            try:
                client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=3, health_check_interval=30)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.commands_channel, self.replies_channel)
                self.subscribed.set()
                backoff = RESUBSCRIBE_S[0]
                # Messages published while we were not subscribed are gone: have every waiting
                # request look at its row, and the owner sweep for pending rows.
                self._recheck_all()
                for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._on_message(message["channel"], message["data"])
            except Exception as exc:  # noqa: BLE001 - Redis restarted / unreachable: resubscribe
                self.subscribed.clear()
                log.warning("OBS command bus: Redis listener: %s; resubscribing in %.1f s", exc, backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, RESUBSCRIBE_S[1])
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: BLE001
                        pass

    def _on_message(self, channel, data) -> None:
        channel = channel.decode() if isinstance(channel, bytes) else channel
        try:
            command_id = int(json.loads(data)["id"])
        except (ValueError, KeyError, TypeError):
            log.warning("OBS command bus: ignoring %r on %s", data, channel)
            return
        if channel == self.commands_channel:
            owner = self.owner
            if owner is not None:
                owner.deliver(command_id)
        elif channel == self.replies_channel:
            waiter = self.waiters.get(command_id)
            if waiter is not None:
                waiter.set()

    def _recheck_all(self) -> None:
        for waiter in list(self.waiters.values()):
            waiter.set()
        if self.owner is not None:
            self.owner.request_sweep()

    # ---- both ends -----------------------------------------------------------------------

    def send(self, command_id: int) -> bool:
        """Hand a committed command row to the owner; True when it went by a push path."""
        owner = self.owner
        if owner is not None and owner.serving:
            owner.deliver(command_id)
            return True
        if self.redis_url:
            return self._publish(self.commands_channel, command_id)
        return False

    def answered(self, command_id: int) -> None:
        """The owner committed the row's answer: wake whoever waits for it, here or elsewhere."""
        waiter = self.waiters.get(command_id)
        if waiter is not None:
            waiter.set()
        elif self.redis_url:
            self._publish(self.replies_channel, command_id)

    def wait(self, command_id: int, timeout: float, finished: Callable[[], object]):
        """Send the command and wait until finished() returns something (checked when woken).

        Returns finished()'s value, or None at the deadline.
        """
        waiter = threading.Event()
        self.waiters[command_id] = waiter
        try:
            pushed = self.send(command_id)
            deadline = time.monotonic() + timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return finished() or None
                # Woken, the row says why; without a push path, look at it now and then.
                if waiter.wait(remaining if pushed else min(remaining, FALLBACK_CHECK_S)):
                    waiter.clear()
                result = finished()
                if result:
                    return result
                if not pushed and self.owner is not None and self.owner.serving:
                    pushed = self.send(command_id)  # this process took over meanwhile
        finally:
            self.waiters.pop(command_id, None)
