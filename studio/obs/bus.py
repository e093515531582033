"""How an OBS command reaches the connection owner and how its answer comes back: pushed.

The `obs_commands` row is the record of a command (who asked, what, the result); this module
is only its transport, and a message here only ever says "look at row N":
  - the owner's own process hands the row id straight to the owner's task (ObsOwner.deliver)
    and waits on an Event the owner sets when the row is answered: nothing crosses a process;
  - another process publishes the id on Redis (`<REDIS_CHANNEL>:obs:commands`) when REDIS_URL
    is set, or else with PostgreSQL's NOTIFY (`fangtan_obs_commands`) when the database is
    PostgreSQL; every process listens there, only the lease holder acts. The owner publishes
    the id on `…:obs:replies` (`fangtan_obs_replies`) once the row is answered, and the
    requester's listener wakes the waiting request. One replies channel rather than one per
    process: after a takeover the new owner knows the row, not who is waiting for it.
    Pub/sub delivers at most once, so a waiting request also looks at its row once per
    REPLY_CHECK_S (as the owner sweeps for pending rows once per lease period): a lost message
    costs at most that, never the whole timeout.
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
REPLY_CHECK_S = 2.0         # pushed: the longest a lost reply can hold a request (the owner sweeps as often)
SLOW_COMMAND_S = 1.0        # a command that takes longer is logged with how it was waited for
RESUBSCRIBE_S = (0.5, 5.0)  # listener reconnect backoff


def _blocking(fn, *args, **kwargs):
    """Call a blocking C-level function (libpq) without stalling eventlet's hub: on its thread
    pool when eventlet patched this process, directly otherwise."""
    from studio.platform.db import eventlet_patched

    if eventlet_patched():
        from eventlet import tpool

        return tpool.execute(fn, *args, **kwargs)
    return fn(*args, **kwargs)


class RedisTransport:
    """Redis pub/sub (redis-py's sockets are green under eventlet)."""

    name = "redis"

    def __init__(self, url: str, prefix: str):
        self.url = url
        self.channels = {"commands": f"{prefix}:obs:commands", "replies": f"{prefix}:obs:replies"}
        self._client = None

    def publish(self, key: str, payload: str) -> None:
        import redis

        if self._client is None:
            self._client = redis.Redis.from_url(self.url, socket_connect_timeout=3, socket_timeout=3)
        self._client.publish(self.channels[key], payload)

    def listen(self, on_message: Callable[[str, str], None], on_subscribed: Callable[[], None]) -> None:
        """Deliver messages until the connection fails (then raise)."""
        import redis

        keys = {channel: key for key, channel in self.channels.items()}
        client = redis.Redis.from_url(self.url, socket_connect_timeout=3, health_check_interval=30)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(*self.channels.values())
            on_subscribed()
            for message in pubsub.listen():
                if message.get("type") == "message":
                    channel = message["channel"]
                    channel = channel.decode() if isinstance(channel, bytes) else channel
                    on_message(keys.get(channel, ""), message["data"])
        finally:
            pubsub.close()


class PostgresTransport:
    """PostgreSQL LISTEN/NOTIFY (no Redis): notifications are per database, like the rows.

    libpq blocks in C, so every call goes through _blocking (the listener waits in slices).
    """

    name = "postgres"
    CHANNELS = {"commands": "fangtan_obs_commands", "replies": "fangtan_obs_replies"}
    LISTEN_SLICE_S = 5.0

    def __init__(self, database_url: str):
        from sqlalchemy.engine import make_url

        self.dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = None
        self._lock = threading.Lock()

    def publish(self, key: str, payload: str) -> None:
        import psycopg

        with self._lock:  # one statement at a time on the publishing connection
            if self._conn is None or self._conn.closed:
                self._conn = _blocking(psycopg.connect, self.dsn, autocommit=True, connect_timeout=3)
            try:
                _blocking(self._conn.execute, "SELECT pg_notify(%s, %s)", (self.CHANNELS[key], payload))
            except psycopg.Error:
                self._conn = None
                raise

    def listen(self, on_message: Callable[[str, str], None], on_subscribed: Callable[[], None]) -> None:
        import psycopg

        keys = {channel: key for key, channel in self.CHANNELS.items()}
        conn = _blocking(psycopg.connect, self.dsn, autocommit=True, connect_timeout=3)
        try:
            for channel in self.CHANNELS.values():
                _blocking(conn.execute, f'LISTEN "{channel}"')
            on_subscribed()
            while True:
                received = _blocking(lambda: list(conn.notifies(timeout=self.LISTEN_SLICE_S, stop_after=1)))
                for notify in received:
                    on_message(keys.get(notify.channel, ""), notify.payload)
        finally:
            _blocking(conn.close)


def make_transport(config):
    """Redis when REDIS_URL is set, else PostgreSQL's NOTIFY when the database is PostgreSQL, else none."""
    from studio.platform.app import _socketio_channel

    if config.get("REDIS_URL"):
        return RedisTransport(config["REDIS_URL"], _socketio_channel(config))
    if str(config.get("DATABASE_URL") or "").startswith("postgresql"):
        return PostgresTransport(config["DATABASE_URL"])
    return None


class CommandBus:
    """One per process (studio.obs.get_bus): sends command ids to the owner, wakes waiting requests."""

    def __init__(self, app):
        self.transport = make_transport(app.config)
        self.owner = None          # this process's ObsOwner, once started
        self.waiters: dict[int, threading.Event] = {}
        self.subscribed = threading.Event()
        self._started = False
        self._lock = threading.Lock()

    # ---- the transport between processes --------------------------------------------------

    def start(self) -> "CommandBus":
        """Start listening (if there is a transport); idempotent."""
        with self._lock:
            if self._started or self.transport is None:
                return self
            self._started = True
        # threading.Thread is a green thread once eventlet has patched the process (server.py),
        # and a real one in a CLI process: either way it blocks only itself.
        threading.Thread(target=self._listen, name="obs-bus", daemon=True).start()
        return self

    def _publish(self, key: str, command_id: int) -> bool:
        try:
            self.transport.publish(key, json.dumps({"id": command_id}))
            return True
        except Exception as exc:  # noqa: BLE001 - transport down: the row and the sweep still hold it
            log.warning("OBS command %s: publishing on %s failed: %s", command_id, self.transport.name, exc)
            return False

    def _listen(self) -> None:
        backoff = RESUBSCRIBE_S[0]
        while True:
            try:
                self.transport.listen(self._on_message, self._on_subscribed)
            except Exception as exc:  # noqa: BLE001 - restarted / unreachable: subscribe again
                log.warning("OBS command bus: %s listener: %s; again in %.1f s", self.transport.name, exc, backoff)
            self.subscribed.clear()
            time.sleep(backoff)
            backoff = min(backoff * 2, RESUBSCRIBE_S[1])

    def _on_subscribed(self) -> None:
        self.subscribed.set()
        # Messages published while we were not subscribed are gone: have every waiting request
        # look at its row, and the owner sweep for pending rows.
        for waiter in list(self.waiters.values()):
            waiter.set()
        if self.owner is not None:
            self.owner.request_sweep()

    def _on_message(self, key: str, data) -> None:
        try:
            command_id = int(json.loads(data)["id"])
        except (ValueError, KeyError, TypeError):
            log.warning("OBS command bus: ignoring %r on %s", data, key)
            return
        if key == "commands":
            owner = self.owner
            if owner is not None:
                owner.deliver(command_id)
        elif key == "replies":
            waiter = self.waiters.get(command_id)
            if waiter is not None:
                waiter.set()

    # ---- both ends -----------------------------------------------------------------------

    def local_owner(self):
        """This process's owner when it holds the lease with a live connection, else None."""
        owner = self.owner
        return owner if owner is not None and owner.serving else None

    def send(self, command_id: int) -> bool:
        """Hand a committed command row to the owner; True when it went by a push path.

        The owner of this process gets every id first: it runs the rows it claimed at insert
        (enqueue_command), fails them if it cannot, and ignores the rest unless serving.
        """
        owner = self.owner
        if owner is not None:
            owner.deliver(command_id)
            if owner.serving:
                return True
        if self.transport is not None:
            return self._publish("commands", command_id)
        return False

    def answered(self, command_id: int) -> None:
        """The owner committed the row's answer: wake whoever waits for it, here or elsewhere."""
        waiter = self.waiters.get(command_id)
        if waiter is not None:
            waiter.set()
        elif self.transport is not None:
            self._publish("replies", command_id)

    def wait(self, command_id: int, timeout: float, finished: Callable[[], object]):
        """Send the command and wait until finished() returns something (checked when woken).

        Returns finished()'s value, or None at the deadline.
        """
        waiter = threading.Event()
        self.waiters[command_id] = waiter
        started = time.monotonic()
        pushed, wakes, looks = False, 0, 0
        try:
            pushed = self.send(command_id)
            deadline = started + timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return finished() or None
                # Woken, the row says why; without a push path, look at it now and then. Pushed,
                # still look once per REPLY_CHECK_S: pub/sub delivers at most once (a reply sent
                # while our listener resubscribes is gone), and a lost one must not cost the rest
                # of the timeout.
                if waiter.wait(min(remaining, REPLY_CHECK_S if pushed else FALLBACK_CHECK_S)):
                    waiter.clear()
                    wakes += 1
                looks += 1
                result = finished()
                if result:
                    return result
                if not pushed and self.owner is not None and self.owner.serving:
                    pushed = self.send(command_id)  # this process took over meanwhile
        finally:
            self.waiters.pop(command_id, None)
            took = time.monotonic() - started
            if took > SLOW_COMMAND_S:
                log.warning("OBS command %s: answered after %.1f s (pushed %s, woken %d times, looked %d times)",
                            command_id, took, pushed, wakes, looks)
