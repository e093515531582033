"""Socket.IO namespaces /live (public) and /studio (staff): join with resume, and the ack helper.

Handlers stay thin: validate, authorise, call a service, ack {ok, error?, ...}. Nothing is kept
on the namespace objects; who a socket is comes from the database on every action.
"""
from __future__ import annotations

import functools
import logging

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from .auth import COOKIE_NAME, drop_ended_staff_sockets, has_role, resolve_session
from .db import Session
from .errors import DomainError, Forbidden, Unauthorized, ValidationError
from .events import PUBLIC, STAFF, build_snapshot, replay_events, room_for, shared_public_snapshot
from .extensions import socketio
from .streams import check_interview
from .origins import origin_allowed
from .permissions import PERMISSIONS

log = logging.getLogger(__name__)
SESSION_CHECK_KEY = "staff_socket_check"

# name -> (namespace, roles, doc): every socket action is listed in docs/API.md (tests check it).
SOCKET_ACTIONS: dict[str, tuple[str, tuple[str, ...], str]] = {}


def current_staff():
    """The staff user behind this socket's cookie, checked again on every action."""
    staff_session = resolve_session(Session(), request.cookies.get(COOKIE_NAME))
    return staff_session.user if staff_session else None


def socket_action(name: str, namespace: str = "/studio", roles: tuple[str, ...] = ()):
    """Register a socket action: errors become {ok: false, error}, results {ok: true, ...}."""
    def decorator(fn):
        SOCKET_ACTIONS[name] = (namespace, roles, (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "")

        @functools.wraps(fn)
        def handler(data=None):
            try:
                user = None
                if namespace == "/studio":
                    user = current_staff()
                    if user is None:
                        raise Unauthorized("登录已失效，请重新登录", code="login_required")
                    if roles and not has_role(user, roles):
                        raise Forbidden("当前角色无权执行此操作", code="forbidden")
                if data is not None and not isinstance(data, dict):
                    raise ValidationError("参数必须是对象", code="invalid_payload")
                result = fn(data or {}, user) or {}
                return {"ok": True, **result}
            except DomainError as exc:
                Session.rollback()
                return {"ok": False, "error": exc.to_dict()["error"]}
            finally:
                Session.remove()
        socketio.on_event(name, handler, namespace=namespace)
        return handler
    return decorator


def _origin_allowed() -> bool:
    """Browsers always send Origin on a WebSocket/XHR; refuse staff sockets from other sites.

    No Origin: not a browser (tests, load generators); it still needs the cookie.
    """
    return origin_allowed("TRUSTED_ORIGINS")


def _join(data: dict, audience: str) -> dict:
    interview_id = data.get("interview_id")
    if isinstance(interview_id, bool) or not isinstance(interview_id, int):
        raise ValidationError("interview_id 必须是整数", code="invalid_interview_id")
    session = Session()
    check_interview(session, interview_id, staff=(audience == STAFF))
    # Join first, then read: anything committed meanwhile arrives twice at worst, and clients
    # drop seqs they already have; reading first could lose it.
    join_room(room_for(interview_id, audience))
    if audience == PUBLIC:
        _live_room_changed(interview_id, True)
    last_seq = data.get("last_seq")
    if last_seq is None:
        if audience == PUBLIC:
            snapshot, last_seq = shared_public_snapshot(session, interview_id)
        else:
            snapshot, last_seq = build_snapshot(interview_id, audience)
        return {"last_seq": last_seq, "events": [], "snapshot": snapshot}
    events, last = replay_events(session, interview_id, last_seq, audience)
    return {"last_seq": last, "events": events}


@socketio.on("connect", namespace="/live")
def live_connect(auth=None):
    return True


# callbacks(sid, interview_id or None, joined) on /live room joins, leaves and disconnects
# (None: the socket is gone): e.g. the programme's viewer counts. Nothing else is passed.
_live_room_callbacks: list = []


def on_live_room(callback) -> None:
    if callback not in _live_room_callbacks:
        _live_room_callbacks.append(callback)


def _live_room_changed(interview_id: int | None, joined: bool) -> None:
    for callback in _live_room_callbacks:
        try:
            callback(request.sid, interview_id, joined)
        except Exception:  # noqa: BLE001 - a counter must never break a viewer's join
            log.exception("live room callback %r failed", callback)


@socketio.on("disconnect", namespace="/live")
def live_disconnect(*_args):
    try:
        _live_room_changed(None, False)
    finally:
        Session.remove()


# namespace -> callbacks(sid) run when one of its sockets goes away (a console reloaded or
# closed, or its connection dropped). Packages add theirs; Flask-SocketIO keeps one handler.
_disconnect_callbacks: dict[str, list] = {"/studio": []}


def on_socket_disconnect(namespace: str, callback) -> None:
    """Call `callback(sid)` when a socket of `namespace` disconnects (e.g. release its claims)."""
    if callback not in _disconnect_callbacks[namespace]:
        _disconnect_callbacks[namespace].append(callback)


@socketio.on("disconnect", namespace="/studio")
def studio_disconnect(*_args):
    sid = request.sid
    try:
        for callback in _disconnect_callbacks["/studio"]:
            try:
                callback(sid)
            except Exception:  # noqa: BLE001 - one package's clean-up must not skip the others'
                Session.rollback()
                log.exception("socket disconnect callback %r failed", callback)
    finally:
        Session.remove()


@socketio.on("connect", namespace="/studio")
def studio_connect(auth=None):
    try:
        if not _origin_allowed():
            raise ConnectionRefusedError({"code": "origin_refused", "message": "来源不被信任"})
        if current_staff() is None:
            raise ConnectionRefusedError({"code": "login_required", "message": "请先登录"})
    finally:
        Session.remove()
    _start_session_checks(current_app._get_current_object())


def _start_session_checks(app) -> None:
    """Start this process's periodic check of its staff sockets' logins (once per process).

    A logout or a disabled account handled by another server process can only drop that
    process's sockets at once; the sockets held here learn of it from the database, within
    STAFF_SOCKET_CHECK_SECONDS. An expired login is dropped the same way.
    """
    if app.extensions.get(SESSION_CHECK_KEY) or app.testing:  # in-process test apps come and go
        return
    app.extensions[SESSION_CHECK_KEY] = True
    socketio.start_background_task(_check_sessions_forever, app)


def _check_sessions_forever(app) -> None:
    every = max(float(app.config["STAFF_SOCKET_CHECK_SECONDS"]), 0.5)  # 0 would spin
    while True:
        socketio.sleep(every)
        try:
            with app.app_context():
                dropped = drop_ended_staff_sockets()
            if dropped:
                log.info("dropped %d staff socket(s) whose login ended", dropped)
        except Exception:  # noqa: BLE001 - the check must outlive a database hiccup
            log.exception("checking the staff sockets' logins failed; trying again")
        finally:
            Session.remove()


@socket_action("join", namespace="/live")
def live_join(data, _user):
    """Follow an interview's public events: {interview_id, last_seq?}."""
    return _join(data, PUBLIC)


@socket_action("leave", namespace="/live")
def live_leave(data, _user):
    """Stop following an interview: {interview_id}."""
    if isinstance(data.get("interview_id"), int):
        leave_room(room_for(data["interview_id"], PUBLIC))
        _live_room_changed(data["interview_id"], False)
    return {}


@socket_action("join", namespace="/studio", roles=PERMISSIONS["follow_staff_events"])
def studio_join(data, _user):
    """Follow all of an interview's events, staff-only included: {interview_id, last_seq?}."""
    return _join(data, STAFF)


@socket_action("leave", namespace="/studio", roles=PERMISSIONS["follow_staff_events"])
def studio_leave(data, _user):
    """Stop following an interview: {interview_id}."""
    if isinstance(data.get("interview_id"), int):
        leave_room(room_for(data["interview_id"], STAFF))
    return {}
