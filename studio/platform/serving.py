"""Serving HTTP and Socket.IO with eventlet: timeouts, a per-address connection cap, the URL.

`python server.py` calls serve(). Why each piece:
- socket_timeout (SOCKET_TIMEOUT_SECONDS): a connection that sends nothing, or stops halfway
  through its request, is closed after that long instead of holding a green thread for ever.
  Engine.IO sets its own timeout on a websocket (ping interval + ping timeout, 30 s) and pings
  every 10 s, so a viewer's or a staff member's socket stays up for the whole programme.
- MAX_CONNECTIONS_PER_IP: one address cannot take every one of the MAX_CONNECTIONS slots.
  Behind a reverse proxy (TRUSTED_PROXIES > 0) every connection comes from the proxy, so the cap
  is nginx's `limit_conn` there (deploy/nginx-site.conf) and the app's is off.
"""
from __future__ import annotations

import sys
import threading
from collections import defaultdict


class EventletInputTerminated:
    """WSGI middleware: let Werkzeug read a chunked body, and refuse one over the limit (413).

    eventlet's input stops at Content-Length and decodes chunked bodies to their end, but does
    not say so (`wsgi.input_terminated`); Werkzeug then ignores a chunked body entirely. Said,
    Werkzeug reads at most the request's max_content_length of it, but silently drops the rest
    instead of refusing it: _ChunkedLimit notices that more follows and raises 413.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if "eventlet.input" in environ:
            environ.setdefault("wsgi.input_terminated", True)
            if not environ.get("CONTENT_LENGTH"):
                environ["wsgi.input"] = _ChunkedLimit(environ["wsgi.input"])
        return self.app(environ, start_response)


class _ChunkedLimit:
    """A body of unknown length, read no further than the request's max_content_length: having
    read that much, one more byte means the body is too large."""

    def __init__(self, stream):
        self._stream, self._read = stream, 0

    @staticmethod
    def _limit() -> int | None:
        # The request being served (Flask-SocketIO's middleware hands Flask a copy of environ,
        # so the request object is found through Flask, not in the environ seen here).
        from flask import has_request_context, request
        return request.max_content_length if has_request_context() else None

    def read(self, size=-1):
        data = self._stream.read(size)
        self._read += len(data)
        limit = self._limit()
        if limit is not None and self._read >= limit and (self._read > limit or self._stream.read(1)):
            from werkzeug.exceptions import RequestEntityTooLarge
            raise RequestEntityTooLarge()
        return data

    def readline(self, size=-1):
        return self._stream.readline(size)

    def __getattr__(self, name):  # eventlet's own methods (get_socket, set_hundred_continue_…)
        return getattr(self._stream, name)


class ConnectionCap:
    """Counts open connections per client address (one process, green threads: a lock is cheap)."""

    def __init__(self, per_address: int):
        self.per_address = per_address
        self.open: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def enter(self, address: str) -> bool:
        with self._lock:
            if self.per_address > 0 and self.open[address] >= self.per_address:
                return False
            self.open[address] += 1
            return True

    def leave(self, address: str) -> None:
        with self._lock:
            self.open[address] -= 1
            if self.open[address] <= 0:
                del self.open[address]


_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
         b"Retry-After: 10\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s")
_BUSY_BODY = ('{"error": {"code": "too_many_connections", '
              '"message": "来自此地址的连接过多，请稍后再试"}}').encode()


def capped_protocol(cap: ConnectionCap):
    """An eventlet HttpProtocol that refuses a connection over the address's cap with a 503."""
    import eventlet.wsgi

    class CappedHttpProtocol(eventlet.wsgi.HttpProtocol):
        def handle(self):
            address = str(self.client_address[0]) if isinstance(self.client_address, tuple) else ""
            if not cap.enter(address):
                try:
                    self.wfile.write(_BUSY % (len(_BUSY_BODY), _BUSY_BODY))
                    self.wfile.flush()
                except OSError:
                    pass
                self.close_connection = 1
                return
            try:
                super().handle()
            finally:
                cap.leave(address)

    return CappedHttpProtocol


def serve(app, socketio) -> None:
    """Listen, say where, and serve until stopped (eventlet; other async modes: socketio.run)."""
    cfg = app.config
    host, port = cfg["HOST"], cfg["PORT"]
    if socketio.server.eio.async_mode != "eventlet":  # e.g. FANGTAN_NO_EVENTLET=1 for debugging
        print(f"Fangtan Studio: http://{_url_host(host)}:{port}/", flush=True)
        socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=True)
        return
    import eventlet
    import eventlet.green.socket
    import eventlet.wsgi

    family = eventlet.green.socket.getaddrinfo(host, port)[0]
    listener = eventlet.listen(family[4], family[0])
    bound_port = listener.getsockname()[1]
    per_address = 0 if cfg["TRUSTED_PROXIES"] else cfg["MAX_CONNECTIONS_PER_IP"]
    _freeze_startup_objects()
    print(f"Fangtan Studio 已启动，正在监听 listening on http://{_url_host(host)}:{bound_port}/"
          f"  (Ctrl+C 停止)", flush=True)
    sys.stdout.flush()
    eventlet.wsgi.server(
        listener, app, log_output=False,
        # max_size: eventlet serves at most this many connections at once (its default is 1024).
        max_size=cfg["MAX_CONNECTIONS"],
        socket_timeout=cfg["SOCKET_TIMEOUT_SECONDS"] or None,
        protocol=capped_protocol(ConnectionCap(per_address)),
    )


def _freeze_startup_objects() -> None:
    """Keep what startup built (modules, the app, mappers, compiled templates: most of the heap)
    out of the garbage collector's full passes.

    A full (oldest-generation) collection walks every tracked object and runs on the hub: with
    the startup heap in it, each took 150–320 ms under load (bench/question_intake.py at a steady
    50/s: the submit → console p99 and the hub probe's max were those pauses). Frozen, those
    objects are never collected (they live as long as the process anyway).

    Serving thousands of sockets then fills the old generation again (each socket's engine.io
    objects), and a fan-out's packets, queued at a thousand sockets, outlive the default young
    collections (every 700 allocations) and count towards the next full pass: at N = 1,000
    viewers those came every ~10 s and took 130–490 ms. Young collections every 50,000 and a
    full pass after 100 middle ones (instead of 10) let a burst die young and made full passes
    stop while posting; a young pass then collects the few cycles each post leaves per socket
    (~1.4 objects) every ~16 s at 2 posts/s, 60–110 ms on the loaded bench
    machine (every 10,000: 25–35 ms every 1.5 s; bench/feed_fanout.py p99 was lower with 50,000).
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
