"""OBS services used by every process: reading the shared status, queueing commands, markers.

No process but the connection owner talks to OBS. The others (and the owner's own HTTP
handlers) read `obs_status` and queue `obs_commands`; see models.py for why.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select, update

from studio.platform.db import utcnow
from studio.platform.errors import Conflict, DomainError, NotFound, ValidationError
from studio.platform.events import STAFF, record_event
from studio.platform.models import Guest, Interview
from studio.platform.signals import question_text
from studio.recordings import add_marker
from studio.platform.timefmt import iso

from .models import STATUS_ROW_ID, ObsCommand, ObsStatus

# A lease older than this means its owner is gone (it renews every LEASE_RENEW_S).
LEASE_TTL_S = 8.0
LEASE_RENEW_S = 2.0
# How long an HTTP request waits for the owner to execute its command: longer than a takeover
# (the dead owner's lease running out, the next renewal, a connect), so a command sent just as
# the owner was killed is still executed, by the new owner, and answered.
COMMAND_TIMEOUT_S = LEASE_TTL_S + LEASE_RENEW_S + 5.0
RECORD_ACTIONS = ("start", "stop", "pause", "resume")
STREAM_ACTIONS = ("start", "stop")
ACTIVE_INTERVIEW_STATES = ("preview", "live")

# Event type -> marker kind: what publishing turns into chapters and captions.
MARKED_EVENTS = {"cue.changed": "cue", "question.on_air": "question_on_air",
                 "question.answered": "question_answered", "feed.posted": "feed"}


class ObsUnavailable(DomainError):
    status = 503
    code = "obs_disconnected"


# ---- the status row -------------------------------------------------------------------------

def get_status(session, lock: bool = False) -> ObsStatus:
    """The status row (created on first use)."""
    query = select(ObsStatus).where(ObsStatus.id == STATUS_ROW_ID)
    if lock:
        query = query.with_for_update()
    status = session.scalar(query)
    if status is None:
        status = ObsStatus(id=STATUS_ROW_ID, connected=False, connect_attempts=0, error_code="",
                           error_message="", obs_version="", websocket_version="", available_requests=[],
                           scenes=[], stream_active=False, record_active=False, record_paused=False,
                           record_paused_total_s=0.0, last_record_path="", overlays={}, stats={},
                           updated_at=utcnow())
        session.add(status)
        session.flush()
    return status


def read_status(session) -> ObsStatus:
    """The status row for reading; a blank one (not stored) before the owner ever wrote it."""
    status = session.get(ObsStatus, STATUS_ROW_ID)
    if status is None:
        status = ObsStatus(id=STATUS_ROW_ID, connected=False, scenes=[], overlays={}, stats={},
                           stream_active=False, record_active=False, record_paused=False,
                           record_paused_total_s=0.0, error_code="", error_message="",
                           obs_version="", websocket_version="", updated_at=None)
    return status


def lease_alive(status: ObsStatus, now: datetime | None = None) -> bool:
    return status.lease_until is not None and status.lease_until > (now or utcnow())


def is_connected(status: ObsStatus) -> bool:
    """Connected only while the owner that said so still holds its lease (it may have died)."""
    return bool(status.connected) and lease_alive(status)


def health_from_status(status: ObsStatus | None, obs_configured: bool) -> str:
    if not obs_configured:
        return "disabled"
    return "connected" if status is not None and is_connected(status) else "disconnected"


def record_timecode(status: ObsStatus, at: datetime | None = None) -> float | None:
    """Seconds into the running recording at `at`, from the stored start and pauses."""
    if not status.record_active or status.record_started_at is None:
        return None
    at = at or utcnow()
    paused = status.record_paused_total_s or 0.0
    if status.record_paused and status.record_paused_at is not None:
        paused += max((at - status.record_paused_at).total_seconds(), 0.0)
    return max((at - status.record_started_at).total_seconds() - paused, 0.0)


def stream_timecode(status: ObsStatus, at: datetime | None = None) -> float | None:
    if not status.stream_active or status.stream_started_at is None:
        return None
    return max(((at or utcnow()) - status.stream_started_at).total_seconds(), 0.0)


def format_timecode(seconds: float | None) -> str:
    """HH:MM:SS like OBS's own display ("00:00:00" when not running)."""
    total = int(seconds or 0)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def obs_state_json(status: ObsStatus, obs_configured: bool = True, with_stats: bool = True) -> dict:
    """GET /api/obs and the `obs.state` event: what the director's page shows."""
    now = utcnow()
    record_s = record_timecode(status, now)
    stream_s = stream_timecode(status, now)
    state = {
        "enabled": obs_configured,
        "connected": obs_configured and is_connected(status),
        "error": ({"code": status.error_code, "message": status.error_message}
                  if status.error_code else None),
        "obs_version": status.obs_version or None,
        "websocket_version": status.websocket_version or None,
        "scenes": list(status.scenes or []),
        "program_scene": status.program_scene,
        "stream": {"active": bool(status.stream_active), "timecode": format_timecode(stream_s),
                   "timecode_s": stream_s, "started_at": iso(status.stream_started_at)},
        "record": {"active": bool(status.record_active), "paused": bool(status.record_paused),
                   "timecode": format_timecode(record_s), "timecode_s": record_s,
                   "started_at": iso(status.record_started_at),
                   "paused_total_s": status.record_paused_total_s or 0.0,
                   "paused_at": iso(status.record_paused_at)},
        "overlays": dict(status.overlays or {}),
        "updated_at": iso(status.updated_at),
        "server_time": iso(now),
    }
    if with_stats:
        state["stats"] = dict(status.stats or {})
    return state


def stream_state_json(status: ObsStatus, hls_url: str | None) -> dict:
    """The public `stream.state`: whether the live video runs and where to play it."""
    data = {"active": bool(status.stream_active)}
    if status.stream_active and hls_url:
        data["hls_url"] = hls_url
    return data


# ---- interviews OBS works for ---------------------------------------------------------------

def live_interview_id(session) -> int | None:
    """The id of the interview on air (state live); with several, the most recently started.
    Only the id: loading the whole row was most of a scene marker's cost in the OBS owner."""
    return session.scalar(select(Interview.id).where(Interview.state == "live")
                          .order_by(Interview.started_at.desc().nulls_last(), Interview.id.desc()).limit(1))


def active_interview_ids(session) -> list[int]:
    """Interviews whose control pages may be open: they get `obs.state` events."""
    return list(session.scalars(select(Interview.id).where(Interview.state.in_(ACTIVE_INTERVIEW_STATES))))


def record_obs_state(session, status: ObsStatus, obs_configured: bool = True) -> None:
    """Tell staff of every active interview what OBS looks like now (in the caller's transaction)."""
    data = obs_state_json(status, obs_configured, with_stats=False)
    for interview_id in active_interview_ids(session):
        record_event(session, interview_id, "obs.state", data)


# ---- commands: any process asks, the owner executes ----------------------------------------

def enqueue_command(session, kind: str, payload: dict, user_id: int | None) -> ObsCommand:
    """The command's row. When this process's own owner is serving, the row is stored already
    claimed by it: one commit less before OBS acts, and only that owner will ever run it."""
    from . import get_bus

    now = utcnow()
    owner = get_bus().local_owner()
    command = ObsCommand(kind=kind, payload=payload, state="running" if owner else "pending", result={}, error={},
                         user_id=user_id, created_at=now, claimed_by=owner.token if owner else None,
                         claimed_at=now if owner else None)
    session.add(command)
    session.flush()
    return command


def wait_for_command(session_factory: Callable, command_id: int, timeout: float | None = None,
                     bus=None) -> dict:
    """Send the committed command to the owner and wait for its answer; its result, or raises its error.

    The wait is woken by the owner (bus.py), not by polling the row; the row is read when woken.
    """
    from . import get_bus

    timeout = COMMAND_TIMEOUT_S if timeout is None else timeout
    bus = bus or get_bus()

    def finished():
        session = session_factory()
        session.rollback()  # a fresh read: the owner committed in another transaction
        row = session.execute(select(ObsCommand.state, ObsCommand.result, ObsCommand.error)
                              .where(ObsCommand.id == command_id)).first()
        session.rollback()
        return row if row is not None and row.state in ("done", "failed") else None

    row = bus.wait(command_id, timeout, finished)
    if row is None:
        # Never let a late owner run it after we told the user it failed (a claimed one finishes
        # for the record, but the user was told it timed out).
        session = session_factory()
        session.execute(update(ObsCommand).where(ObsCommand.id == command_id, ObsCommand.state == "pending")
                        .values(state="failed", finished_at=utcnow(),
                                error={"code": "obs_timeout", "message": "OBS 未在规定时间内响应"}))
        session.commit()
        row = finished()
        if row is None or row.state != "done":
            raise ObsUnavailable("OBS 未在规定时间内响应", code="obs_timeout", status=504)
    if row.state == "failed":
        error = row.error or {}
        raise DomainError(error.get("message", "OBS 请求失败"), code=error.get("code", "obs_request_failed"),
                          status=error.get("status", 409))
    return row.result or {}


def require_connected(session, obs_configured: bool) -> ObsStatus:
    """Raise the right 503 when OBS cannot take a command now."""
    if not obs_configured:
        raise ObsUnavailable("未配置 OBS（OBS_URL 为空）", code="obs_disabled")
    status = read_status(session)
    if not is_connected(status):
        message = "OBS 未连接"
        if status.error_code:
            message += f"：{status.error_message}"
        raise ObsUnavailable(message, code="obs_disconnected")
    return status


def _bool(body: dict, key: str) -> bool:
    value = body.get(key)
    if not isinstance(value, bool):
        raise ValidationError(f"{key} 必须是 true 或 false", code="invalid_field", field=key)
    return value


def _int(body: dict, key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{key} 必须是整数", code="invalid_field", field=key)
    return value


def scene_command(status: ObsStatus, body: dict) -> tuple[str, dict]:
    name = body.get("scene_name")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("scene_name 不能为空", code="missing_field", field="scene_name")
    if name not in (status.scenes or []):
        raise ValidationError(f"OBS 中没有场景「{name}」", code="unknown_scene", field="scene_name")
    return "scene", {"scene_name": name}


def output_command(output: str, status: ObsStatus, body: dict) -> tuple[str, dict]:
    """Start/stop (record also pause/resume), refused clearly when it makes no sense now.

    OBS 29 itself answers PauseRecord with success even when nothing records.
    """
    actions = RECORD_ACTIONS if output == "record" else STREAM_ACTIONS
    action = body.get("action")
    if action not in actions:
        raise ValidationError(f"action 必须是 {' / '.join(actions)}", code="invalid_action", field="action")
    name = "录制" if output == "record" else "推流"
    active = status.record_active if output == "record" else status.stream_active
    if action == "start" and active:
        raise Conflict(f"{name}已在进行", code=f"{output}_already_active")
    if action != "start" and not active:
        raise Conflict(f"当前没有在{name}", code=f"{output}_not_active")
    if action == "pause" and status.record_paused:
        raise Conflict("录制已暂停", code="record_already_paused")
    if action == "resume" and not status.record_paused:
        raise Conflict("录制没有暂停", code="record_not_paused")
    return output, {"action": action}


def lower_third_command(session, body: dict) -> tuple[str, dict]:
    """The guest's name strip: the guest's name and title from the interview, shown or hidden."""
    guest_id, visible = _int(body, "guest_id"), _bool(body, "visible")
    guest = session.get(Guest, guest_id)
    if guest is None:
        raise NotFound("嘉宾不存在", code="guest_not_found")
    return "lower_third", {"guest_id": guest.id, "interview_id": guest.interview_id, "name": guest.name,
                           "title": guest.title or "", "visible": visible}


def question_overlay_command(session, body: dict) -> tuple[str, dict]:
    """The on-air question overlay: the question's text (looked up, or given as `text`), shown or hidden."""
    question_id, visible = _int(body, "question_id"), _bool(body, "visible")
    text, nickname = body.get("text"), body.get("nickname") or ""
    if text is not None and (not isinstance(text, str) or len(text) > 1000):
        raise ValidationError("text 必须是不超过 1000 字的字符串", code="invalid_field", field="text")
    if not isinstance(nickname, str):
        raise ValidationError("nickname 必须是字符串", code="invalid_field", field="nickname")
    # Questions are moderation's: it answers signals.question_text (none connected: no lookup).
    answers = [found for _receiver, found in question_text.send(session, question_id=question_id)]
    if answers:
        found = next((answer for answer in answers if answer), None)
        # Hiding needs no text (OBS keeps what it shows), so a since-deleted question can still be hidden.
        if found is None and text is None and visible:
            raise NotFound("问题不存在", code="question_not_found")
        if found:
            text = found.get("text") if text is None else text
            nickname = nickname or found.get("nickname") or ""
    if text is None or not text.strip():
        if visible:
            raise ValidationError("没有这个问题的文字：请提供 text", code="question_text_unknown", field="text")
        text = ""
    return "question_overlay", {"question_id": question_id, "text": text.strip(), "nickname": nickname.strip()[:60],
                                "visible": visible}


def screenshot_command(body: dict) -> tuple[str, dict]:
    width = body.get("width", 320)
    if isinstance(width, bool) or not isinstance(width, int) or not 64 <= width <= 1280:
        raise ValidationError("width 必须是 64–1280 的整数", code="invalid_field", field="width")
    return "screenshot", {"width": width}


def prune_commands(session, older_than_s: float = 120) -> None:
    """Finished commands are only kept for a while (screenshots are a few kB each)."""
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    session.execute(ObsCommand.__table__.delete().where(ObsCommand.state != "pending",
                                                        ObsCommand.created_at < cutoff))


# ---- markers --------------------------------------------------------------------------------

def _event_label(event_type: str, data: dict) -> str:
    data = data or {}
    for key in ("text", "title", "label", "scene_name"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    card = data.get("card")
    if isinstance(card, dict):
        return str(card.get("text") or card.get("title") or "")
    question = data.get("question")
    if isinstance(question, dict):
        return str(question.get("text") or "")
    if "index" in data:
        return f"提示卡 {data['index'] + 1 if isinstance(data['index'], int) else data['index']}"
    return event_type


def log_marker_for_event(session, event) -> None:
    """signals.event_recorded receiver: cue changes, questions on air/answered and feed entries
    become markers."""
    kind = MARKED_EVENTS.get(event.type)
    if kind is None:
        return
    status = session.get(ObsStatus, STATUS_ROW_ID)
    timecode = record_timecode(status, event.at) if status is not None else None
    add_marker(session, event.interview_id, kind, _event_label(event.type, event.data),
               at=event.at, record_timecode_s=timecode, event_seq=event.seq,
               data={"event": event.type})


def log_obs_marker(session, status: ObsStatus, kind: str, label: str, at: datetime,
                   interview_id: int | None = None, timecode: float | None = None) -> None:
    """A marker for something OBS did (scene change, record/stream start/stop/pause/resume)."""
    if interview_id is None:
        interview_id = live_interview_id(session) or status.record_interview_id
    if interview_id is None:
        return
    if timecode is None:
        timecode = record_timecode(status, at)
    add_marker(session, interview_id, kind, label, at=at, record_timecode_s=timecode, data={"source": "obs"})


def staff_snapshot(session, interview, audience: str):
    """Snapshot part `obs`: staff get the full state; the public nothing."""
    if audience != STAFF:
        return None
    from flask import current_app

    configured = bool(current_app.config.get("OBS_URL"))
    return obs_state_json(read_status(session), configured)


def stream_snapshot(session, interview, audience: str):
    """Snapshot part `stream`: {active, hls_url?, ended} for this interview's viewers."""
    from flask import current_app

    status = session.get(ObsStatus, STATUS_ROW_ID)
    active = bool(status and status.stream_active)
    # The stream is this interview's only while it is the one on air.
    if active and interview.state != "live":
        active = False
    if active:
        active = live_interview_id(session) == interview.id
    data = {"active": active, "ended": interview.state in ("ended", "published")}
    hls_url = current_app.config.get("HLS_URL")
    if active and hls_url:
        data["hls_url"] = hls_url
    return data
