"""Publish public events to nchan (PUBLIC_FANOUT=nchan): once each, after commit, in seq order.

The after-commit listener only serialises and queues (it runs inside the request that committed);
one background worker per process POSTs each message to `<NCHAN_PUBLISH_URL>/<interview_id>`.
A failed publish is retried with backoff, in place, so the messages behind it wait and the order
of each interview's events is kept; a message that still fails after `retry_seconds` is dropped
(logged): viewers see the next event's `prev` skip it and fill the gap from the events API. The
queue is bounded too: with nginx gone for long, the oldest messages go first, for the same reason.

A commit that redacted earlier public events (redact_public_events: a feed entry withdrawn, a
question rejected, merged or edited) also queues a purge of the interview's channel, right after
that commit's own messages: nchan's buffer still holds the old payloads, and any subscriber can
replay it with a made-up Last-Event-ID. The purge is an HTTP DELETE of the channel (nchan drops
its messages and disconnects its subscribers; they reconnect and fill from the events API, which
has the redacted log). Being in the one ordered queue, it comes after every publish queued before
it (so none of those lands in the buffer after the purge) and before every one queued after it.
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

from studio.platform.events import PUBLIC, event_payload

log = logging.getLogger(__name__)


PUBLISH = "publish"
PURGE = "purge"


@dataclass
class Message:
    interview_id: int
    seq: int
    type: str
    body: bytes
    deadline: float
    kind: str = PUBLISH  # PURGE: delete the interview's channel and its buffered messages


class PublishError(Exception):
    pass


def _send(req: urllib.request.Request, timeout: float, ok: tuple[int, ...]) -> None:
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        raise PublishError(str(exc)) from exc
    if status not in ok:
        raise PublishError(f"HTTP {status}")


def http_post(url: str, body: bytes, timeout: float) -> None:
    """POST one message; nchan answers 201 (subscribers waiting) or 202 (stored, none waiting)."""
    _send(urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"}),
          timeout, (200, 201, 202))


def http_delete(url: str, timeout: float) -> None:
    """DELETE a channel; nchan answers 200 (deleted) or 404 (no such channel: nothing buffered)."""
    _send(urllib.request.Request(url, method="DELETE"), timeout, (200, 202, 204, 404))


class NchanPublisher:
    """One per process: queue + worker thread (a green thread under eventlet)."""

    def __init__(self, base_url: str, *, timeout: float = 3.0, retry_seconds: float = 30.0,
                 max_queue: int = 10000, first_backoff: float = 0.2, max_backoff: float = 5.0,
                 post: Callable[[str, bytes, float], None] = http_post,
                 delete: Callable[[str, float], None] = http_delete,
                 is_public: Callable[[int], bool] | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self._post = post
        self._delete = delete
        self._is_public = is_public
        self._queue: collections.deque[Message] = collections.deque()
        self._max_queue = max_queue
        self._cond = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None
        self.stats = {"published": 0, "retries": 0, "dropped": 0, "skipped_not_public": 0,
                      "purged": 0, "purges_given_up": 0}

    # ---- the after-commit side (never blocks) ----

    def after_commit(self, events: list, info: dict | None = None) -> None:
        """events.add_after_commit_listener target: queue each public event of this commit, then
        a purge of the channel of each interview whose earlier public events it redacted."""
        messages = []
        for ev in events:
            if not ev.public:
                continue  # staff-only events never leave the app's /studio namespace
            body = json.dumps(event_payload(ev, PUBLIC), ensure_ascii=False, separators=(",", ":"))
            messages.append(Message(ev.interview_id, ev.seq, ev.type, body.encode("utf-8"),
                                    time.monotonic() + self.retry_seconds))
        for interview_id in (info or {}).get("redacted_interviews") or ():
            messages.append(Message(int(interview_id), 0, PURGE, b"", time.monotonic() + self.retry_seconds,
                                    kind=PURGE))
        if messages:
            self.enqueue(messages)

    def enqueue(self, messages: list[Message]) -> None:
        with self._cond:
            for message in messages:
                if len(self._queue) >= self._max_queue:
                    self._drop_oldest_publish()
                self._queue.append(message)
            self._ensure_worker()
            self._cond.notify_all()  # the worker, and any flush() waiting

    def _drop_oldest_publish(self) -> None:
        # Never a purge: a lost event is filled from the events API, a lost purge leaves
        # redacted text replayable from nchan's buffer.
        for index, queued in enumerate(self._queue):
            if queued.kind == PUBLISH:
                del self._queue[index]
                self.stats["dropped"] += 1
                log.warning("nchan queue full: dropped interview %s seq %s", queued.interview_id, queued.seq)
                return

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
        url = f"{self.base_url}/{message.interview_id}"
        if message.kind == PURGE:
            # Whatever the interview's state: its buffer may hold messages from when it was public.
            if self._retrying(message, f"purge of interview {message.interview_id}",
                              lambda: self._delete(url, self.timeout)):
                self.stats["purged"] += 1
            else:
                # Channels in nginx's memory went with nginx; in Redis (NCHAN_REDIS_URL) they may
                # not have: an operator must delete the channel (docs/api/fanout.md).
                self.stats["purges_given_up"] += 1
                log.error("nchan purge of interview %s given up: redacted text may stay in nchan's "
                          "buffer until the channel is deleted (DELETE %s)", message.interview_id, url)
            return
        if (self._is_public is not None and message.type != "interview.state_changed"
                and not self._is_public(message.interview_id)):
            # Like /live, which refuses joins to an interview not (or no longer) announced; its
            # state change is still sent, so viewers learn it left (as /live does before closing).
            self.stats["skipped_not_public"] += 1
            return
        if self._retrying(message, f"publish of interview {message.interview_id} seq {message.seq}",
                          lambda: self._post(url, message.body, self.timeout)):
            self.stats["published"] += 1
        else:
            self.stats["dropped"] += 1

    def _retrying(self, message: Message, what: str, attempt: Callable[[], None]) -> bool:
        """Run attempt until it succeeds (True) or message's deadline passes (False), backing off."""
        backoff = self.first_backoff
        while True:
            try:
                attempt()
                return True
            except Exception as exc:  # noqa: BLE001 - any failure is retried the same way
                if time.monotonic() + backoff > message.deadline:
                    log.warning("nchan %s given up: %s", what, exc)
                    return False
                self.stats["retries"] += 1
                log.info("nchan %s failed (%s), retrying in %.1fs", what, exc, backoff)
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
