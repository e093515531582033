"""Publish public events to nchan (PUBLIC_FANOUT=nchan): once each, after commit, in seq order.

The after-commit listener only serialises and queues (it runs inside the request that committed);
one background worker per process POSTs each message to `<NCHAN_PUBLISH_URL>/<interview_id>`.
A failed publish is retried with backoff, in place, so the messages behind it wait and the order
of each interview's events is kept; a message that still fails after `retry_seconds` is dropped
(logged): viewers see the next event's `prev` skip it and fill the gap from the events API. The
queue is bounded too: with nginx gone for long, the oldest messages go first, for the same reason.
"""
from __future__ import annotations

import collections
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable

from ..events import PUBLIC, event_payload

log = logging.getLogger(__name__)


@dataclass
class Message:
    interview_id: int
    seq: int
    type: str
    body: bytes
    deadline: float


class PublishError(Exception):
    pass


def http_post(url: str, body: bytes, timeout: float) -> None:
    """POST one message; nchan answers 201 (subscribers waiting) or 202 (stored, none waiting)."""
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        raise PublishError(str(exc)) from exc
    if status not in (200, 201, 202):
        raise PublishError(f"HTTP {status}")


class NchanPublisher:
    """One per process: queue + worker thread (a green thread under eventlet)."""

    def __init__(self, base_url: str, *, timeout: float = 3.0, retry_seconds: float = 30.0,
                 max_queue: int = 10000, first_backoff: float = 0.2, max_backoff: float = 5.0,
                 post: Callable[[str, bytes, float], None] = http_post,
                 is_public: Callable[[int], bool] | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self._post = post
        self._is_public = is_public
        self._queue: collections.deque[Message] = collections.deque()
        self._max_queue = max_queue
        self._cond = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None
        self.stats = {"published": 0, "retries": 0, "dropped": 0, "skipped_not_public": 0}

    # ---- the after-commit side (never blocks) ----

    def after_commit(self, events: list) -> None:
        """events.add_after_commit_listener target: queue each public event of this commit."""
        messages = []
        for ev in events:
            if not ev.public:
                continue  # staff-only events never leave the app's /studio namespace
            body = json.dumps(event_payload(ev, PUBLIC), ensure_ascii=False, separators=(",", ":"))
            messages.append(Message(ev.interview_id, ev.seq, ev.type, body.encode("utf-8"),
                                    time.monotonic() + self.retry_seconds))
        if messages:
            self.enqueue(messages)

    def enqueue(self, messages: list[Message]) -> None:
        with self._cond:
            for message in messages:
                if len(self._queue) >= self._max_queue:
                    dropped = self._queue.popleft()
                    self.stats["dropped"] += 1
                    log.warning("nchan queue full: dropped interview %s seq %s", dropped.interview_id, dropped.seq)
                self._queue.append(message)
            self._ensure_worker()
            self._cond.notify_all()  # the worker, and any flush() waiting

    def _ensure_worker(self) -> None:
        # Started on first use, in the process that commits (not in a parent that forks workers).
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="nchan-publisher", daemon=True)
            self._thread.start()

    # ---- the worker ----

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._busy = False
                    self._cond.notify_all()
                    self._cond.wait()
                message = self._queue.popleft()
                self._busy = True
            try:
                self._deliver(message)
            except Exception:  # noqa: BLE001 - the worker must outlive any one message
                log.exception("nchan publisher: unexpected error on interview %s seq %s",
                              message.interview_id, message.seq)

    def _deliver(self, message: Message) -> None:
        if (self._is_public is not None and message.type != "interview.state_changed"
                and not self._is_public(message.interview_id)):
            # Like /live, which refuses joins to an interview not (or no longer) announced; its
            # state change is still sent, so viewers learn it left (as /live does before closing).
            self.stats["skipped_not_public"] += 1
            return
        url = f"{self.base_url}/{message.interview_id}"
        backoff = self.first_backoff
        while True:
            try:
                self._post(url, message.body, self.timeout)
                self.stats["published"] += 1
                return
            except Exception as exc:  # noqa: BLE001 - any failure is retried the same way
                if time.monotonic() + backoff > message.deadline:
                    self.stats["dropped"] += 1
                    log.warning("nchan publish of interview %s seq %s given up: %s",
                                message.interview_id, message.seq, exc)
                    return
                self.stats["retries"] += 1
                log.info("nchan publish of interview %s seq %s failed (%s), retrying in %.1fs",
                         message.interview_id, message.seq, exc, backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued message was published or given up (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True
