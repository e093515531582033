"""Staff accounts, server-side login sessions, CSRF and role checks.

Passwords are argon2 hashes. The session cookie holds a random token whose SHA-256 is stored,
so a stolen database does not yield live cookies, and logging out ends the session everywhere.
Every staff write carries X-CSRF-Token (or a csrf_token form field) matching its session.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import unicodedata
from datetime import timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (Blueprint, current_app, g, has_app_context, jsonify, redirect, render_template, request,
                   url_for)
from sqlalchemy import delete, func, select

from .db import Session, utcnow
from .errors import DomainError, Forbidden, NotFound, TooMany, Unauthorized, ValidationError
from pydantic import Field

from .http import MAX_ID, Body, declare, error_code
from .models import ROLES, LoginFailure, User, UserSession

COOKIE_NAME = "fangtan_session"
# argon2id with argon2-cffi's defaults (RFC 9106's second recommendation: 3 passes, 64 MiB).
_STRONG = PasswordHasher()
# Test apps (TESTING=True) hash with the cheapest parameters: a test suite creates hundreds of
# accounts on a shared 2-core machine. Such hashes are still argon2id, and a production login
# rehashes any hash whose parameters are weaker than _STRONG's (check_needs_rehash).
_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASHES: dict[int, str] = {}


def _hasher() -> PasswordHasher:
    return _CHEAP if has_app_context() and current_app.config.get("TESTING") else _STRONG


def _dummy_hash() -> str:
    hasher = _hasher()
    if id(hasher) not in _DUMMY_HASHES:
        _DUMMY_HASHES[id(hasher)] = hasher.hash("fangtan-timing-equaliser")
    return _DUMMY_HASHES[id(hasher)]

bp = Blueprint("auth", __name__)


# ---- services -------------------------------------------------------------------------------

def create_user(session, username: str, password: str, role: str, display_name: str = "") -> User:
    """Create a staff account with an argon2 password hash."""
    username = (username or "").strip() if isinstance(username, str) else ""
    if not username or len(username) > 80:
        raise ValidationError("用户名不能为空且不超过 80 个字符", code="invalid_username", field="username")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in username):
        raise ValidationError("用户名不能包含空格或控制字符", code="invalid_username", field="username")
    display_name = (display_name or "").strip() if isinstance(display_name, str) else ""
    if len(display_name) > 120 or any(unicodedata.category(ch) == "Cc" for ch in display_name):
        raise ValidationError("姓名不超过 120 个字符且不能包含控制字符", code="invalid_display_name",
                              field="display_name")
    if role not in ROLES:
        raise ValidationError(f"未知角色 {role!r}；可选：{', '.join(ROLES)}", code="invalid_role")
    check_password_strength(password)
    if session.scalar(select(User).where(User.username == username)):
        raise DomainError(f"用户 {username} 已存在", code="user_exists", status=409)
    user = User(username=username, role=role, display_name=display_name or username,
                password_hash=_hasher().hash(password))
    session.add(user)
    session.flush()
    return user


def check_password_strength(password) -> None:
    """A new password: 8 to 200 characters (long enough to resist guessing, short enough to hash)."""
    if not isinstance(password, str) or len(password) < 8:
        raise ValidationError("密码至少 8 个字符", code="weak_password", field="password")
    if len(password) > 200:
        raise ValidationError("密码不能超过 200 个字符", code="too_long", field="password")


def set_password(session, user: User, password: str) -> None:
    """Replace a password; every session of the account ends (a reset locks out whoever had it)."""
    check_password_strength(password)
    user.password_hash = _hasher().hash(password)
    end_user_sessions(session, user.id)


def end_user_sessions(session, user_id: int) -> None:
    """Log an account out everywhere (disabling, password reset)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _backoff(failures: int, allowed: int, last) -> int:
    """Seconds left to wait after `failures` (the wait doubles with every one beyond `allowed`)."""
    excess = failures - allowed + 1
    if excess <= 0 or last is None:
        return 0
    if last.tzinfo is None:  # func.max() bypasses UTCDateTime's result processing on SQLite
        last = last.replace(tzinfo=timezone.utc)
    wait = min(2 ** min(excess, 30), current_app.config["LOGIN_WINDOW_SECONDS"])
    return max(int((last + timedelta(seconds=wait) - utcnow()).total_seconds()) + 1, 0)


def _window_start():
    return utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])


def login_delay_seconds(session, username: str, ip: str = "") -> int:
    """Seconds this account's logins must wait (0 = may try now): its own failures, from any
    address, slow it down. Another account is never slowed by them."""
    if not username:
        return 0
    failures, last = session.execute(select(func.count(), func.max(LoginFailure.at)).where(
        LoginFailure.at >= _window_start(), LoginFailure.username == username)).one()
    return _backoff(failures, current_app.config["LOGIN_MAX_FAILURES"], last)


def address_delay_seconds(session, ip: str) -> int:
    """Credential stuffing: seconds an address must wait once it has failed logins for more than
    LOGIN_MAX_USERNAMES_PER_IP different usernames in the window (0 otherwise). Many failures on
    one account are that account's slow-down, not the address's: colleagues behind one NAT share it."""
    if not ip:
        return 0
    usernames, last = session.execute(
        select(func.count(func.distinct(LoginFailure.username)), func.max(LoginFailure.at)).where(
            LoginFailure.at >= _window_start(), LoginFailure.ip == ip[:64])).one()
    return _backoff(usernames, current_app.config["LOGIN_MAX_USERNAMES_PER_IP"] + 1, last)


def _has_failed(session, username: str) -> bool:
    return session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.at >= _window_start(), LoginFailure.username == username)) > 0


def _record_login_failure(session, username: str, ip: str) -> None:
    """Remember a failed login (and forget those older than the window, so the table stays small)."""
    window_start = utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    session.execute(delete(LoginFailure).where(LoginFailure.at < window_start))
    session.add(LoginFailure(username=username, ip=ip[:64], at=utcnow()))
    session.commit()


def _address_throttled(delay: int) -> TooMany:
    return TooMany(f"此地址尝试的账号过多，请 {delay} 秒后再试", code="login_throttled", retry_after=delay)


def authenticate(session, username: str, password: str, ip: str) -> tuple[User, str, UserSession]:
    """Check a username/password pair; returns the user, the cookie token and the new session."""
    username = (username or "").strip()[:80]
    delay = login_delay_seconds(session, username, ip)
    if delay:
        raise TooMany(f"该账号登录失败次数过多，请 {delay} 秒后再试", code="login_throttled", retry_after=delay)
    # A throttled address still gets a verified try for an account that has not failed: a
    # correct password then logs in (a colleague behind the same NAT). An account that has
    # failed is refused before its password is checked, so the address learns nothing more.
    address_delay = address_delay_seconds(session, ip)
    if address_delay and _has_failed(session, username):
        raise _address_throttled(address_delay)
    user = session.scalar(select(User).where(User.username == username))
    ok = False
    try:
        ok = _hasher().verify(user.password_hash if user else _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.active:
        _record_login_failure(session, username, ip)
        if address_delay:
            raise _address_throttled(address_delay)
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    # Expired sessions are refused anyway; dropping them here keeps the table small.
    session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at < utcnow()))
    token = secrets.token_urlsafe(32)
    hours = current_app.config["SESSION_LIFETIME_HOURS"]
    staff_session = UserSession(token_hash=_token_hash(token), user_id=user.id,
                                csrf_token=secrets.token_urlsafe(32),
                                expires_at=utcnow() + timedelta(hours=hours), ip=ip[:64])
    session.add(staff_session)
    session.flush()
    return user, token, staff_session


def resolve_session(session, token: str | None) -> UserSession | None:
    """The live staff session behind a cookie token, or None."""
    if not token or len(token) > 100:
        return None
    staff_session = session.scalar(select(UserSession).where(UserSession.token_hash == _token_hash(token)))
    if staff_session is None or staff_session.expires_at < utcnow() or not staff_session.user.active:
        return None
    return staff_session


def end_session(session, staff_session: UserSession) -> None:
    session.delete(staff_session)


def has_role(user: User | None, roles: tuple[str, ...]) -> bool:
    """Admin may do everything; others only what their role is named for."""
    return user is not None and (user.role == "admin" or user.role in roles)


# ---- request glue ---------------------------------------------------------------------------

def client_ip() -> str:
    return request.remote_addr or ""


# Files that are the same for everyone: a page load fetches many, none needs the session looked up.
_SESSIONLESS_ENDPOINTS = frozenset({"static", "vendor"})


def load_current_user() -> None:
    """before_request: find the staff session from the cookie and check CSRF on writes."""
    endpoint = request.endpoint or ""
    # An area's own static folder (`<area>.static`) is such a file too.
    if (endpoint in _SESSIONLESS_ENDPOINTS or endpoint.endswith(".static")) and request.method in ("GET", "HEAD"):
        g.staff_session = g.user = None
        return
    g.staff_session = resolve_session(Session(), request.cookies.get(COOKIE_NAME))
    g.user = g.staff_session.user if g.staff_session else None
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and g.staff_session is not None:
        if request.endpoint == "auth.login_api":
            return
        sent = request.headers.get("X-CSRF-Token")
        if not sent and request.mimetype in _FORM_TYPES:
            small = request.content_length is not None and \
                request.content_length <= current_app.config["MAX_REQUEST_KB"] * 1024
            if not small and _view_body_limit_setting() is not None:
                # A large upload's form is read only after its view's role check raised the
                # body limit (allow_body), so the token in that form is checked there.
                g.csrf_in_form_pending = True
                return
            sent = request.form.get("csrf_token")
        _check_csrf(sent)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _check_csrf(sent: str | None) -> None:
    # As bytes: compare_digest refuses a str with non-ASCII characters (a TypeError, a 500), and a
    # form field or header may carry any text.
    if not sent or not hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), g.staff_session.csrf_token.encode()):
        raise Forbidden("缺少或无效的 CSRF 令牌，请刷新页面后重试", code="csrf_failed")


# ---- request bodies -------------------------------------------------------------------------
# One small limit for every request (MAX_REQUEST_KB), checked from Content-Length before
# anything reads the body; the few upload views raise it with allow_body, after their role check.

class BodyTooLarge(DomainError):
    status = 413
    code = "too_large"


# The multipart envelope (boundaries, other fields) on top of an upload's own size limit: the
# view itself checks the file against its exact limit and answers with its own error code.
_UPLOAD_ENVELOPE = 1024 * 1024


def _too_large(limit: int) -> BodyTooLarge:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{max(limit // 1024, 1)} KB"
    return BodyTooLarge(f"请求内容过大（上限 {size}）", limit_bytes=limit)


def _view_body_limit_setting() -> str | None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "body_limit_setting", None)


def refuse_oversized_body() -> None:
    """before_request, before any other hook: refuse a body over MAX_REQUEST_KB unread.

    A declared Content-Length is checked here; a chunked body is cut off at the same limit while
    it streams (request.max_content_length, enforced by Werkzeug's LimitedStream: see
    studio.platform.serving, which tells Werkzeug that eventlet terminates the input).
    """
    limit = current_app.config["MAX_REQUEST_KB"] * 1024
    request.max_content_length = limit
    if _view_body_limit_setting() is not None:
        return  # an upload view: allow_body checks its own limit after the role check
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)


def allow_body(setting: str | int, mimetypes: tuple[str, ...] | None = None):
    """Upload view decorator, placed below the role decorator: accept a body of up to the
    `setting` (a setting's name, in MB, or a number of MB) plus the multipart envelope, for these
    content types (None: any).

    Other content types keep the global MAX_REQUEST_KB (a JSON body is parsed in memory; a
    multipart file goes to a temporary file on disk while it streams in).
    """
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            limit = current_app.config["MAX_REQUEST_KB"] * 1024
            if mimetypes is None or request.mimetype in mimetypes:
                upload_mb = current_app.config[setting] if isinstance(setting, str) else setting
                limit = max(limit, int(upload_mb * 1024 * 1024) + _UPLOAD_ENVELOPE)
            if request.content_length is not None and request.content_length > limit:
                raise _too_large(limit)
            request.max_content_length = limit
            if g.pop("csrf_in_form_pending", False):
                _check_csrf(request.form.get("csrf_token"))
            return view(*args, **kwargs)
        wrapped.body_limit_setting = setting
        return wrapped
    return decorator




@bp.before_app_request
def reject_unusable_input():
    """Turn input that would crash deep inside a view into a clear 4xx before the view runs."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and value > MAX_ID:  # an id no column holds names nothing
            raise NotFound("没有这个对象", code="not_found")
    if request.is_json and request.method in ("POST", "PUT", "PATCH", "DELETE") and request.content_length != 0 \
            and _view_body_limit_setting() is None:  # an upload view reads its body after the role check
        try:
            # Parsed once here and cached by Werkzeug: a deeply nested body raises RecursionError,
            # which get_json(silent=True) would not catch.
            request.get_json(silent=True)
        except RecursionError:
            raise ValidationError("JSON 嵌套过深", code="invalid_json")


def drop_ended_staff_sockets() -> int:
    """Disconnect this process's /studio sockets whose login session no longer exists.

    Called after a logout, a disabled account or a password reset, so such a socket stops
    receiving staff events at once (its actions are refused anyway: each re-checks the session).
    """
    from werkzeug.http import parse_cookie

    from .extensions import socketio

    server = getattr(socketio, "server", None)
    if server is None:
        return 0
    session = Session()
    dropped = 0
    # Only this namespace's sockets (room None holds every one connected to it), not every
    # viewer's: this runs every STAFF_SOCKET_CHECK_SECONDS in processes serving thousands.
    for sid, eio_sid in list(server.manager.get_participants("/studio", None)):
        environ = server.environ.get(eio_sid)
        if environ is None:
            continue
        token = parse_cookie(environ).get(COOKIE_NAME)
        if resolve_session(session, token) is None:
            server.disconnect(sid, namespace="/studio")
            dropped += 1
    return dropped


class Permission(tuple):
    """The roles granted one permission of an area's table (admin has every permission anyway).

    A tuple of role names, so has_role, require_roles and the OpenAPI's x-roles read it as they
    read a literal tuple; it knows its name ("<area>.<permission>"), which is how a test tells
    that a route's or a socket action's roles come from a table rather than being retyped.
    """

    name: str

    def __new__(cls, name: str, roles: tuple[str, ...]):
        unknown = [role for role in roles if role not in ROLES]
        if not roles or unknown:
            # An empty tuple would mean "admin only" to require_roles but "any staff" to a socket
            # action: a table says which, with ("admin",) or ROLES.
            raise ValueError(f"permission {name}: roles must be a non-empty tuple of {ROLES}, not {roles!r}")
        permission = super().__new__(cls, roles)
        permission.name = name
        return permission

    @property
    def granted(self) -> frozenset[str]:
        """Every role that holds it, admin included (what the permission tests enumerate)."""
        return frozenset({"admin", *self})


# area -> its table: every permission an area's routes, sockets and tests name.
PERMISSION_TABLES: dict[str, dict[str, Permission]] = {}


def permission_table(area: str, grants: dict[str, tuple[str, ...]]) -> dict[str, Permission]:
    """An area's permission table: {what the permission allows: roles granted it besides admin}."""
    table = {name: Permission(f"{area}.{name}", roles) for name, roles in grants.items()}
    PERMISSION_TABLES[area] = table
    return table


def _marked(decorator, permission: Permission):
    if not isinstance(permission, Permission):
        raise TypeError(f"expected an entry of an area's permission table, not {permission!r}")

    def mark(view):
        wrapped = decorator(view)
        wrapped.permission = permission.name
        return wrapped
    return mark


def require_permission(permission: Permission):
    """Route decorator: require_roles with the roles an area's table grants `permission`."""
    return _marked(require_roles(*permission), permission)


def require_page_permission(permission: Permission):
    """Page decorator: require_staff_page with the roles an area's table grants `permission`."""
    return _marked(require_staff_page(*permission), permission)


def require_roles(*roles: str):
    """Route decorator: a logged-in staff member with one of these roles (or admin)."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.get("user") is None:
                raise Unauthorized("请先登录", code="login_required")
            if not has_role(g.user, roles):
                raise Forbidden("当前角色无权执行此操作", code="forbidden")
            return view(*args, **kwargs)
        wrapped.required_roles = roles
        return wrapped
    return decorator


def require_staff_page(*roles: str):
    """Page decorator: redirect to the login page instead of answering JSON."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.get("user") is None:
                return redirect(url_for("auth.login_page", next=request.full_path))
            if roles and not has_role(g.user, roles):
                return render_template("forbidden.html"), 403
            return view(*args, **kwargs)
        wrapped.staff_page = True
        if roles:
            wrapped.required_roles = roles
        return wrapped
    return decorator


def user_json(user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role}


class Login(Body):
    username: str = Field(json_schema_extra=error_code("invalid_credentials_format"))
    password: str = Field(json_schema_extra=error_code("invalid_credentials_format"))


@bp.post("/api/session")
@declare(body=Login)
def login_api(body: Login):
    session = Session()
    user, token, staff_session = authenticate(session, body.username, body.password, client_ip())
    csrf = staff_session.csrf_token
    session.commit()
    resp = jsonify({"user": user_json(user), "role": user.role, "csrf_token": csrf})
    resp.set_cookie(COOKIE_NAME, token, httponly=True, samesite="Lax",
                    secure=current_app.config["SESSION_COOKIE_SECURE"],
                    max_age=current_app.config["SESSION_LIFETIME_HOURS"] * 3600, path="/")
    return resp


@bp.get("/api/session")
def whoami_api():
    if g.get("user") is None:
        raise Unauthorized("未登录", code="login_required")
    return jsonify({"user": user_json(g.user), "role": g.user.role, "csrf_token": g.staff_session.csrf_token})


@bp.delete("/api/session")
def logout_api():
    if g.get("staff_session") is None:
        raise Unauthorized("未登录", code="login_required")
    session = Session()
    end_session(session, session.merge(g.staff_session))
    session.commit()
    drop_ended_staff_sockets()
    resp = jsonify({"ok": True})
    resp.delete_cookie(COOKIE_NAME, path="/")
    return resp


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a path on this site, else "/" (no open redirect).

    Browsers drop tabs and line breaks from a URL and read a backslash as "/", so
    "/%09/evil.example/" (decoded: slash, tab, slash) or "/%5Cevil" would leave the site: any
    control character, whitespace or backslash makes the value unusable, and what remains must
    be a path starting with exactly one "/".
    """
    from urllib.parse import urlsplit

    if not isinstance(value, str) or not value or len(value) > 2000:
        return "/"
    if any(ch.isspace() or ch == "\\" or unicodedata.category(ch).startswith("C") for ch in value):
        return "/"
    if not value.startswith("/") or value.startswith("//"):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


@bp.get("/login")
def login_page():
    if g.get("user") is not None:  # already logged in: straight to where they were going
        return redirect(safe_next(request.args.get("next")))
    return render_template("login.html", next=safe_next(request.args.get("next")))
