"""The application factory: settings, database, request hooks, sockets, error handling, areas.

The platform knows no area by name: `create_app(config, areas)` imports each area package it is
given and calls its `init_app(app)`; studio/app.py is where the product's areas are listed.
"""
from __future__ import annotations

import importlib
import logging
import re
from pathlib import Path

from flask import Flask, g, jsonify, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import text
from werkzeug.exceptions import ClientDisconnected, HTTPException

from . import db
from .errors import DomainError
from .extensions import socketio

ROOT = Path(__file__).resolve().parents[2]
# Front-end libraries installed from npm (package.json) and served by the app: no CDN.
VENDOR_FILES = {
    "socket.io.min.js": ROOT / "node_modules/socket.io-client/dist/socket.io.min.js",
    "hls.min.js": ROOT / "node_modules/hls.js/dist/hls.min.js",
    "echarts.min.js": ROOT / "node_modules/echarts/dist/echarts.min.js",  # the assessment charts
    # /api/docs: the OpenAPI document browsable (studio/platform/http.py)
    "swagger-ui-bundle.js": ROOT / "node_modules/swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": ROOT / "node_modules/swagger-ui-dist/swagger-ui.css",
}

log = logging.getLogger(__name__)


class SigningCachedSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, its signing serializer built once per key instead of on every
    request (every netizen question opened a session and built one)."""

    def __init__(self):
        self._serializer = None

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self._serializer
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]


def create_app(config: dict | None = None, areas: tuple[str, ...] = ()) -> Flask:
    """Build the app; `config` is a plain mapping overriding environment settings (tests use it),
    `areas` the importable names of the area packages to attach, in order."""
    from .config import load_settings

    app = Flask(__name__, static_folder=str(ROOT / "static"), static_url_path="/static",
                template_folder="templates")
    # Under `flask …` (a click context exists while the CLI loads the app) nothing is created
    # until a command needs it (cli.py: `db upgrade` creates DATA_DIR).
    import click
    settings = load_settings(config, create=click.get_current_context(silent=True) is None)
    app.config.update(settings)
    # Every request's body limit; the upload views raise it for themselves (auth.allow_body).
    app.config["MAX_CONTENT_LENGTH"] = settings["MAX_REQUEST_KB"] * 1024
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    app.session_interface = SigningCachedSessionInterface()
    logging.basicConfig(level=settings["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_engine(settings["DATABASE_URL"])
    from .events import install_broadcast_hooks
    install_broadcast_hooks()

    from . import http
    http.init_app(app)  # the <id:…> converter first: every area's rules use it
    _register_request_hooks(app)
    _register_platform_routes(app)
    for name in areas:
        importlib.import_module(name).init_app(app)
    from . import assets
    assets.init_app(app)  # hashed static URLs, a year's cache, compressed answers (issue 15)

    cors = settings["SOCKETIO_CORS_ORIGINS"]
    socketio.init_app(
        app,
        async_mode=settings.get("SOCKETIO_ASYNC_MODE"),
        message_queue=settings["REDIS_URL"] or None,
        channel=_socketio_channel(settings),
        cors_allowed_origins="*" if cors == "*" else [o.strip() for o in cors.split(",") if o.strip()],
        ping_interval=10, ping_timeout=20, max_http_buffer_size=1_000_000,
    )
    if settings["TRUSTED_PROXIES"]:
        # After socketio.init_app, so Socket.IO requests see the client's address and scheme too.
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    from .serving import EventletInputTerminated
    app.wsgi_app = EventletInputTerminated(app.wsgi_app)
    _register_cli(app)
    return app


def _socketio_channel(settings: dict) -> str:
    """The Redis pub/sub channel: Redis delivers pub/sub across database numbers, so the
    default folds the URL's database number in (two deployments on db 0 and db 1 stay apart)."""
    if settings.get("REDIS_CHANNEL"):
        return settings["REDIS_CHANNEL"]
    from urllib.parse import urlsplit
    database = urlsplit(settings["REDIS_URL"] or "").path.strip("/") or "0"
    return f"fangtan-socketio-{database}"


def _embed_policy(settings: dict) -> str:
    """frame-ancestors for the pages a portal may embed: this site and EMBED_ORIGINS."""
    origins = [o for o in settings["EMBED_ORIGINS"].replace(",", " ").split() if o]
    return " ".join(["'self'", *origins])


# The pages the portal embeds in its own pages: the viewer page and the archive (访谈回顾).
# Every other page and API may be framed only by this site (clickjacking).
_EMBEDDABLE = re.compile(r"^/(?:i/\d+/?|archive/.*)$")


def _register_request_hooks(app: Flask) -> None:
    from .auth import load_current_user, refuse_oversized_body

    embed_ancestors = _embed_policy(app.config)

    @app.before_request
    def _before():
        refuse_oversized_body()  # first: nothing may read a body before its size is known
        load_current_user()

    @app.teardown_appcontext
    def _remove_session(exc=None):
        if exc is not None:
            db.Session.rollback()
        db.Session.remove()

    @app.after_request
    def _security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        ancestors = embed_ancestors if _EMBEDDABLE.match(request.path) else "'self'"
        if ancestors == "'self'":
            # For browsers that predate frame-ancestors; an embeddable page leaves it out, as
            # it cannot name the portal's origins.
            resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if resp.mimetype == "text/html":
            resp.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: *; "
                                    "connect-src 'self' ws: wss: *; style-src 'self' 'unsafe-inline'; "
                                    f"frame-ancestors {ancestors}")
        else:
            resp.headers.setdefault("Content-Security-Policy", f"frame-ancestors {ancestors}")
        if g.get("user") is not None:
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        db.Session.rollback()
        resp = jsonify(exc.to_dict())
        resp.status_code = exc.status
        if "retry_after" in exc.extra:
            resp.headers["Retry-After"] = str(exc.extra["retry_after"])
        return resp

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                413: "too_large", 415: "unsupported_media_type"}.get(exc.code, "http_error")
        messages = {413: "上传内容过大", 404: "没有这个地址", 405: "不支持此方法"}
        resp = jsonify({"error": {"code": code, "message": messages.get(exc.code, exc.description or exc.name)}})
        resp.status_code = exc.code or 400
        return resp

    @app.errorhandler(TimeoutError)
    @app.errorhandler(ClientDisconnected)
    def _client_too_slow(exc: Exception):
        # The client stopped sending its body for SOCKET_TIMEOUT_SECONDS (studio.platform.serving):
        # Werkzeug reports the timed-out read as a disconnect.
        db.Session.rollback()
        return jsonify({"error": {"code": "request_timeout", "message": "请求内容未在时限内发送完整"}}), 408

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.Session.rollback()
        return jsonify({"error": {"code": "internal_error", "message": "服务器内部错误，已记录"}}), 500


def _register_platform_routes(app: Flask) -> None:
    from . import auth, event_routes, sockets  # noqa: F401  (sockets registers handlers)
    from .signals import health_check

    for blueprint in (auth.bp, event_routes.bp):
        app.register_blueprint(blueprint)

    @app.get("/healthz")
    def healthz():
        database = "ok"
        try:
            db.Session().execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - health must answer, whatever broke
            database = "error"
        status = 200 if database == "ok" else 503
        parts = {"status": "ok" if status == 200 else "degraded", "database": database}
        for _receiver, part in health_check.send(app):  # each area adds its own line (obs: …)
            parts.update(part or {})
        return jsonify(parts), status

    @app.get("/vendor/<name>")
    def vendor(name: str):
        path = VENDOR_FILES.get(name)
        if path is None or not path.exists():
            return jsonify({"error": {"code": "not_found", "message": f"{name} 未安装（运行 npm ci）"}}), 404
        return send_from_directory(path.parent, path.name, max_age=86400)


def _register_cli(app: Flask) -> None:
    from .cli import guard_commands, register_commands
    from .events import register_commands as register_event_commands
    register_commands(app)
    register_event_commands(app)
    guard_commands(app)  # last: every package's commands are registered by now
