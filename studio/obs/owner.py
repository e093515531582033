"""The OBS connection owner: one background task per process, one active owner per studio.

Every server process runs an ObsOwner, but only the one holding the lease in `obs_status`
connects to OBS (see models.py). The owner:
  - connects and identifies with OBS_PASSWORD; on a wrong password it stops and says so
    (retrying would only fill OBS's log); otherwise it reconnects with backoff (0.5 s … 5 s);
  - after every (re)connect reloads scenes, program scene, stream, record and overlay state,
    checks GetVersion().availableRequests, and records `obs.state` for staff;
  - turns OBS events into status changes, `obs.state` / `stream.state` events and markers,
    and registers a recording when OBS reports it STOPPED (only then is the file complete);
  - executes commands (rows in `obs_commands`, from any process) in the order they arrive and
    answers them in the same row;
  - polls GetStats / GetStreamStatus / GetRecordStatus about once a second: the figures for
    the director, and a request that notices a silently dead connection within seconds.
Nothing waits for a tick: the task sleeps on one inbox and wakes for whatever arrives there:
a command id (from a request in this process, or from Redis: bus.py), an OBS event (from the
connection's reader thread), the answer of a stats poll (its request runs on a thread of its
own, so a slow OBS answer never holds up a command or an event), or a wake-up (the socket
closed). Between arrivals it sleeps until the next timer (lease, poll, reconnect, prune) is due.
All database work happens on the owner's own task, in short transactions.
"""
from __future__ import annotations

import logging
import os
import queue
import socket as pysocket
import threading
import time
import uuid
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from studio.platform.db import Session, utcnow
from studio.platform.errors import DomainError
from studio.platform.events import record_event
from studio.recordings import register_recording

from . import services
from .bootstrap import (LOWER_THIRD_NAME, LOWER_THIRD_SCENE, LOWER_THIRD_TITLE, OVERLAY_ITEMS, QUESTION_SCENE,
                        QUESTION_TEXT, bootstrap, ensure_stream_service)
from .client import ObsAuthError, ObsConnection, ObsConnectionLost, ObsError, ObsRequestFailed
from .models import STATUS_ROW_ID, ObsCommand, ObsStatus

log = logging.getLogger(__name__)

POLL_S = 1.0
POLL_TIMEOUT_S = 3.0  # a poll unanswered this long means the connection is dead
BACKOFF_MIN_S, BACKOFF_MAX_S = 0.5, 5.0
STOPPED, STARTED = "OBS_WEBSOCKET_OUTPUT_STOPPED", "OBS_WEBSOCKET_OUTPUT_STARTED"
PAUSED, RESUMED = "OBS_WEBSOCKET_OUTPUT_PAUSED", "OBS_WEBSOCKET_OUTPUT_RESUMED"
# OBS events that change what the director sees; the rest are ignored.
HANDLED_EVENTS = {"CurrentProgramSceneChanged", "SceneListChanged", "SceneNameChanged", "StreamStateChanged",
                  "RecordStateChanged", "SceneItemEnableStateChanged", "ExitStarted"}


class ObsOwner:
    """The background task; start() once per process (init_app does it on the first request)."""

    def __init__(self, app, bus=None):
        self.app = app
        # The app's sessions: under eventlet their COMMITs run on the thread pool and SQLite
        # writers queue greenly (studio/platform/db.py), so the owner's bookkeeping never stalls the hub.
        self.Session = Session
        self.bus = bus
        if bus is not None:
            bus.owner = self
        self.url = app.config.get("OBS_URL")
        self.password = app.config.get("OBS_PASSWORD") or ""
        self.token = f"{pysocket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # ("command", id) / ("obs", conn, type, data, at) / ("stats", conn, answer) / ("wake",)
        self.inbox: queue.Queue = queue.Queue()
        self.poll_in_flight = False
        self.sweep_due = False
        self.conn: ObsConnection | None = None
        self.is_owner = False
        self.auth_failed = False
        self.backoff = BACKOFF_MIN_S
        self.next_attempt = 0.0
        self.next_lease = 0.0
        self.next_poll = 0.0
        self.next_prune = 0.0
        self.item_ids: dict[tuple[str, str], int] = {}  # (scene, source) -> sceneItemId, per connection
        self.last_bytes: dict[str, tuple[float, int]] = {}
        self.running = False
        self.thread = None

    # ---- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        from studio.platform.extensions import socketio

        if not self.running:
            self.running = True
            self.thread = socketio.start_background_task(self.run)

    def stop(self) -> None:
        self.running = False
        self.wake()

    def wake(self) -> None:
        self.inbox.put(("wake",))

    def deliver(self, command_id: int) -> None:
        """A committed command row for OBS (any thread): executed as soon as the task is free."""
        self.inbox.put(("command", command_id))

    def request_sweep(self) -> None:
        """Look for pending rows now (after Redis messages may have been lost)."""
        self.sweep_due = True
        self.wake()

    @property
    def serving(self) -> bool:
        """Holding the lease with a live connection: commands handed over now run at once."""
        return self.is_owner and self.conn is not None and self.conn.alive

    def run(self) -> None:
        while self.running:
            try:
                item = self.inbox.get(timeout=max(0.0, self._next_due() - time.monotonic()))
            except queue.Empty:
                item = None
            try:
                with self.app.app_context():
                    if item is not None:
                        self._handle(item)
                    self._timers()
            except Exception:  # noqa: BLE001 - the owner must survive anything and try again
                log.exception("OBS owner task failed")
                self.Session.rollback()
                time.sleep(1)
            finally:
                self.Session.remove()
        self._close_connection()
        with self.app.app_context():
            self._release_lease()
            self.Session.remove()

    def _next_due(self) -> float:
        """When the next timer is due (the inbox wakes the task earlier for anything else)."""
        due = min(self.next_lease, self.next_prune)
        if self.is_owner and self.conn is None and not self.auth_failed:
            due = min(due, self.next_attempt)
        if self.is_owner and self.conn is not None and not self.poll_in_flight:
            due = min(due, self.next_poll)
        return due

    def _handle(self, item: tuple) -> None:
        kind = item[0]
        if kind == "command":
            self._execute(item[1])
        elif kind == "obs":
            self._handle_obs_event(*item[1:])
        elif kind == "stats":
            self._handle_poll(*item[1:])

    def _timers(self) -> None:
        now = time.monotonic()
        if now >= self.next_lease:
            self.is_owner = self._renew_lease()
            self.next_lease = now + services.LEASE_RENEW_S
            # The fallback for a command no push reached (a lost Redis message, SQLite without
            # Redis): pending rows are looked for once per lease period.
            self.sweep_due = True
        if not self.is_owner:
            self._close_connection()
            return
        if self.conn is not None and not self.conn.alive:
            self._lost("与 OBS 的连接已断开，正在重连")
        if self.conn is None:
            if not self.auth_failed and now >= self.next_attempt:
                self._connect()
            return
        if self.sweep_due:
            self.sweep_due = False
            self._sweep_commands()
        if self.conn is not None and not self.poll_in_flight and time.monotonic() >= self.next_poll:
            self.next_poll = time.monotonic() + POLL_S
            self._start_poll()
        if now >= self.next_prune:
            self.next_prune = now + 60
            services.prune_commands(self.Session())
            self.Session.commit()

    # ---- the lease -----------------------------------------------------------------------

    def _renew_lease(self) -> bool:
        session = self.Session()
        try:
            services.get_status(session)
            session.commit()
        except IntegrityError:  # another process created the row at the same moment
            session.rollback()
        now = utcnow()
        result = session.execute(
            update(ObsStatus).where(ObsStatus.id == STATUS_ROW_ID, or_(
                ObsStatus.owner_token == self.token, ObsStatus.owner_token.is_(None),
                ObsStatus.lease_until.is_(None), ObsStatus.lease_until < now))
            .values(owner_token=self.token, lease_until=now + timedelta(seconds=services.LEASE_TTL_S)))
        session.commit()
        owner = result.rowcount == 1
        if owner and not self.is_owner and self.conn is None:
            # A previous owner may have died saying "connected": not true until we connect.
            session.execute(update(ObsStatus).where(ObsStatus.id == STATUS_ROW_ID).values(connected=False))
            session.commit()
            self._fail_orphaned_commands(session)
            log.info("OBS owner: this process (%s) now owns the OBS connection", self.token)
        return owner

    def _fail_orphaned_commands(self, session) -> None:
        """Commands the dead owner had claimed: OBS may or may not have done them, so they are
        failed, never run a second time (its pending ones are swept up once we connect)."""
        orphaned = list(session.scalars(select(ObsCommand.id).where(
            ObsCommand.state == "running", or_(ObsCommand.claimed_by.is_(None), ObsCommand.claimed_by != self.token))))
        if not orphaned:
            return
        session.execute(update(ObsCommand).where(ObsCommand.id.in_(orphaned), ObsCommand.state == "running")
                        .values(state="failed", finished_at=utcnow(),
                                error={"code": "obs_owner_lost", "status": 503,
                                       "message": "执行该命令的服务进程已退出，OBS 是否已执行未知：请查看 OBS 状态后重试"}))
        session.commit()
        for command_id in orphaned:
            self._answered(command_id)

    def _release_lease(self) -> None:
        session = self.Session()
        session.execute(update(ObsStatus).where(ObsStatus.id == STATUS_ROW_ID, ObsStatus.owner_token == self.token)
                        .values(owner_token=None, lease_until=None, connected=False))
        session.commit()

    # ---- connecting ----------------------------------------------------------------------

    def _connect(self) -> None:
        session = self.Session()
        status = services.get_status(session)
        status.connect_attempts = (status.connect_attempts or 0) + 1
        session.commit()
        conn = ObsConnection(self.url, self.password, request_timeout=POLL_TIMEOUT_S, on_close=self.wake)
        conn.on_event = lambda event_type, data: self._queue_obs_event(conn, event_type, data)
        try:
            conn.connect(timeout=3)
        except ObsAuthError:
            self.auth_failed = True
            log.error("OBS refused OBS_PASSWORD; not retrying. Fix OBS_PASSWORD and restart the server.")
            self._set_error(session, "obs_auth_failed",
                            "OBS 拒绝了密码：请检查 OBS_PASSWORD（与 OBS 的 WebSocket 服务器设置一致）后重启服务；不再自动重试")
            return
        except ObsError as exc:
            self.next_attempt = time.monotonic() + self.backoff
            self.backoff = min(self.backoff * 2, BACKOFF_MAX_S)
            self._set_error(session, exc.code, f"{exc.message}；{self.backoff:.0f} 秒内重试")
            return
        self.conn = conn
        self.backoff = BACKOFF_MIN_S
        self.item_ids.clear()
        self.last_bytes.clear()
        try:
            self._reload_state()
        except ObsError as exc:
            self._lost(f"读取 OBS 状态失败：{exc.message}")
            return
        # Commands sent while nobody was connected (a takeover, a reconnect) run now, once.
        self._sweep_commands()

    def _set_error(self, session, code: str, message: str) -> None:
        status = services.get_status(session)
        changed = status.connected or status.error_code != code
        status.connected = False
        status.error_code, status.error_message = code, message[:500]
        status.updated_at = utcnow()
        if changed:
            services.record_obs_state(session, status)
        session.commit()

    def _lost(self, message: str) -> None:
        self._close_connection()
        self.next_attempt = time.monotonic() + self.backoff
        log.warning("OBS: %s", message)
        self._set_error(self.Session(), "obs_disconnected", message)
        self._broadcast()

    def _close_connection(self) -> None:
        # Events and poll answers of this connection still in the inbox are dropped on arrival
        # (they carry their connection); commands stay pending for the next connection.
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.poll_in_flight = False

    def _reload_state(self) -> None:
        """Everything the pages show, read fresh from OBS (after each connect and when a poll disagrees)."""
        conn = self.conn
        version = conn.request("GetVersion")
        scene_list = conn.request("GetSceneList")
        stream = conn.request("GetStreamStatus")
        record = conn.request("GetRecordStatus")
        overlays = self._read_overlays(scene_list)
        session = self.Session()
        status = services.get_status(session)
        now = utcnow()
        was_streaming = status.stream_active
        status.connected, status.connected_at = True, now
        status.error_code, status.error_message = "", ""
        status.obs_version = version.get("obsVersion", "")
        status.websocket_version = version.get("obsWebSocketVersion", "")
        status.available_requests = version.get("availableRequests", [])
        status.scenes = _scene_names(scene_list)
        status.program_scene = scene_list.get("currentProgramSceneName")
        status.stream_active = bool(stream.get("outputActive"))
        if status.stream_active and not (was_streaming and status.stream_started_at):
            status.stream_started_at = now - timedelta(milliseconds=stream.get("outputDuration") or 0)
        if not status.stream_active:
            status.stream_started_at = None
        if record.get("outputActive"):
            # Keep our own start and pauses when the recording ran on while we were away.
            if not (status.record_active and status.record_started_at):
                status.record_started_at = now - timedelta(milliseconds=record.get("outputDuration") or 0)
                status.record_paused_total_s = 0.0
                status.record_interview_id = _live_id(session)
            status.record_active = True
            status.record_paused = bool(record.get("outputPaused"))
            if status.record_paused and status.record_paused_at is None:
                status.record_paused_at = now
        else:
            _clear_record(status)
        status.overlays = {**(status.overlays or {}), **overlays}
        status.updated_at = now
        if was_streaming != status.stream_active:
            self._record_stream_state(session, status)
        services.record_obs_state(session, status)
        session.commit()
        log.info("OBS connected: OBS %s, websocket %s, %d scenes", status.obs_version, status.websocket_version,
                 len(status.scenes))
        self._broadcast(status)

    def _read_overlays(self, scene_list: dict) -> dict:
        """Scene item ids of the overlay items, and whether each overlay is on now."""
        names = _scene_names(scene_list)
        visible = {}
        for scene, items in OVERLAY_ITEMS.items():
            if scene not in names:
                continue
            listing = self.conn.request("GetSceneItemList", {"sceneName": scene})["sceneItems"]
            for item in listing:
                if item["sourceName"] in items:
                    self.item_ids[(scene, item["sourceName"])] = item["sceneItemId"]
                    if item["sourceName"] == items[-1]:
                        visible[scene] = bool(item["sceneItemEnabled"])
        result = {}
        if LOWER_THIRD_SCENE in visible:
            result["lower_third_visible"] = visible[LOWER_THIRD_SCENE]
        if QUESTION_SCENE in visible:
            result["question_visible"] = visible[QUESTION_SCENE]
        return result

    # ---- OBS events ----------------------------------------------------------------------

    def _queue_obs_event(self, conn, event_type: str, data: dict) -> None:
        """Reader thread: hand the event to the owner's task, which wakes for it at once."""
        if event_type in HANDLED_EVENTS:
            self.inbox.put(("obs", conn, event_type, data, utcnow()))

    def _handle_obs_event(self, conn, event_type: str, data: dict, at) -> None:
        if conn is not self.conn:
            return  # from a connection since closed
        if event_type == "ExitStarted":
            self._lost("OBS 正在退出")
            return
        session = self.Session()
        status = services.get_status(session)
        changed = getattr(self, f"_on_{_snake(event_type)}")(session, status, data, at)
        if changed:
            status.updated_at = utcnow()
            services.record_obs_state(session, status)
        session.commit()
        if changed:
            self._broadcast(status)

    def _on_current_program_scene_changed(self, session, status, data, at) -> bool:
        return self._program_scene_is(session, status, data.get("sceneName"), at)

    def _program_scene_is(self, session, status, scene: str | None, at) -> bool:
        if not scene or scene == status.program_scene:
            return False
        status.program_scene = scene
        services.log_obs_marker(session, status, "scene", scene, at)
        return True

    def _on_scene_list_changed(self, session, status, data, at) -> bool:
        status.scenes = _scene_names(data)
        self.item_ids.clear()
        return True

    def _on_scene_name_changed(self, session, status, data, at) -> bool:
        if status.program_scene == data.get("oldSceneName"):
            status.program_scene = data.get("sceneName")
        status.scenes = [data.get("sceneName") if s == data.get("oldSceneName") else s for s in status.scenes or []]
        self.item_ids.clear()
        return True

    def _on_stream_state_changed(self, session, status, data, at) -> bool:
        state = data.get("outputState")
        if state == STARTED and not status.stream_active:
            status.stream_active, status.stream_started_at = True, at
            status.stream_interview_id = _live_id(session)
            services.log_obs_marker(session, status, "stream_start", "开始推流", at)
        elif state == STOPPED and status.stream_active:
            services.log_obs_marker(session, status, "stream_stop", "停止推流", at)
            status.stream_active, status.stream_started_at = False, None
        else:
            return False
        self._record_stream_state(session, status)
        return True

    def _record_stream_state(self, session, status) -> None:
        """`stream.state` for the interview on air (if none, only the status row changes)."""
        interview_id = _live_id(session) or status.stream_interview_id
        if interview_id is not None:
            record_event(session, interview_id, "stream.state",
                         services.stream_state_json(status, self.app.config.get("HLS_URL")))

    def _on_record_state_changed(self, session, status, data, at) -> bool:
        state = data.get("outputState")
        if state == STARTED:
            status.record_active, status.record_paused = True, False
            status.record_started_at, status.record_paused_at, status.record_paused_total_s = at, None, 0.0
            status.record_interview_id = _live_id(session)
            try:  # OBS knows best how long it has been writing already
                duration_ms = self.conn.request("GetRecordStatus").get("outputDuration")
                if duration_ms:
                    status.record_started_at = utcnow() - timedelta(milliseconds=duration_ms)
            except ObsError:
                pass
            services.log_obs_marker(session, status, "record_start", "开始录制", at, status.record_interview_id)
        elif state == PAUSED and status.record_active:
            status.record_paused, status.record_paused_at = True, at
            services.log_obs_marker(session, status, "record_pause", "暂停录制", at, status.record_interview_id)
        elif state == RESUMED and status.record_active:
            if status.record_paused_at is not None:
                status.record_paused_total_s += max((at - status.record_paused_at).total_seconds(), 0.0)
            status.record_paused, status.record_paused_at = False, None
            services.log_obs_marker(session, status, "record_resume", "继续录制", at, status.record_interview_id)
        elif state == STOPPED:
            interview_id = status.record_interview_id or _live_id(session)
            started_at = status.record_started_at or at
            was_recording = status.record_active
            estimate = services.record_timecode(status, at)
            path = data.get("outputPath") or ""
            recording = self._register(session, interview_id, path, started_at)
            if was_recording:
                # STOPPED comes after the muxer flushed, a moment after the real end: the file's
                # own duration is where the recording stopped.
                end = recording.duration_s if recording is not None and recording.duration_s else estimate
                services.log_obs_marker(session, status, "record_stop", "停止录制", at, interview_id, timecode=end)
            _clear_record(status)
            status.last_record_path = path[:1000]
        else:
            return False
        return True

    def _register(self, session, interview_id: int | None, path: str, started_at):
        """The file is complete now (STOPPED carries its path): attach it to the interview."""
        if not path:
            log.warning("OBS reported a stopped recording without outputPath")
            return None
        if interview_id is None:
            log.warning("recording %s finished with no live interview to attach it to", path)
            return None
        try:
            with session.begin_nested():
                return register_recording(session, interview_id, path, started_at, "obs")
        except DomainError as exc:
            log.error("could not register recording %s: %s", path, exc.message)
            return None

    def _on_scene_item_enable_state_changed(self, session, status, data, at) -> bool:
        scene = data.get("sceneName")
        items = OVERLAY_ITEMS.get(scene)
        if not items or self.item_ids.get((scene, items[-1])) != data.get("sceneItemId"):
            return False
        key = "lower_third_visible" if scene == LOWER_THIRD_SCENE else "question_visible"
        visible = bool(data.get("sceneItemEnabled"))
        if (status.overlays or {}).get(key) == visible:
            return False
        status.overlays = {**(status.overlays or {}), key: visible}
        return True

    # ---- commands ------------------------------------------------------------------------

    def _sweep_commands(self) -> None:
        """Pending rows no push brought here (sent while nobody was connected, or a lost message)."""
        session = self.Session()
        pending = list(session.scalars(select(ObsCommand.id).where(ObsCommand.state == "pending")
                                       .order_by(ObsCommand.id).limit(50)))
        session.rollback()
        for command_id in pending:
            if not self.serving:
                return
            self._execute(command_id)

    def _claim(self, session, command_id: int) -> bool:
        """pending -> running, only if still pending and in date: whoever claims it runs it, once.

        A row this process stored already claimed for us (enqueue_command) is ours to run, or to
        fail when we cannot: nobody else may. A pending row waits while we are not serving (the
        owner that connects next sweeps it up, or the request times out).
        """
        fresh_since = utcnow() - timedelta(seconds=services.COMMAND_TIMEOUT_S)
        row = session.execute(select(ObsCommand.state, ObsCommand.claimed_by, ObsCommand.created_at)
                              .where(ObsCommand.id == command_id)).first()
        session.rollback()
        if row is None:
            return False
        if row.state == "running" and row.claimed_by == self.token:
            if self.serving and row.created_at >= fresh_since:
                return True
            # Its request has given up (or we cannot reach OBS): never run it late.
            error = ({"code": "obs_disconnected", "message": "OBS 未连接", "status": 503} if not self.serving else
                     {"code": "obs_timeout", "message": "OBS 未在规定时间内响应", "status": 504})
            session.execute(update(ObsCommand).where(ObsCommand.id == command_id, ObsCommand.state == "running")
                            .values(state="failed", finished_at=utcnow(), error=error))
            session.commit()
            self._answered(command_id)
            return False
        if row.state != "pending" or not self.serving:
            return False
        claimed = session.execute(update(ObsCommand).where(
            ObsCommand.id == command_id, ObsCommand.state == "pending", ObsCommand.created_at >= fresh_since)
            .values(state="running", claimed_by=self.token, claimed_at=utcnow())).rowcount == 1
        if not claimed:
            stale = session.execute(update(ObsCommand).where(ObsCommand.id == command_id,
                                                             ObsCommand.state == "pending")
                                    .values(state="failed", finished_at=utcnow(),
                                            error={"code": "obs_timeout", "message": "OBS 未在规定时间内响应",
                                                   "status": 504})).rowcount == 1
            session.commit()
            if stale:
                self._answered(command_id)
            return False
        session.commit()
        return True

    def _answered(self, command_id: int) -> None:
        if self.bus is not None:
            self.bus.answered(command_id)

    def _execute(self, command_id: int) -> None:
        session = self.Session()
        if not self._claim(session, command_id):
            return
        command = session.get(ObsCommand, command_id)
        try:
            result = getattr(self, f"_do_{command.kind}")(session, command.payload or {})
            command.state, command.result = "done", result or {}
        except ObsConnectionLost as exc:
            command.state, command.error = "failed", {"code": "obs_disconnected", "message": exc.message, "status": 503}
        except ObsRequestFailed as exc:
            command.state, command.error = "failed", {"code": "obs_request_failed", "message": exc.message,
                                                      "obs_code": exc.obs_code, "status": 409}
        except DomainError as exc:
            command.state, command.error = "failed", {"code": exc.code, "message": exc.message, "status": exc.status}
        except (ObsError, RuntimeError) as exc:
            command.state, command.error = "failed", {"code": "obs_error", "message": str(exc), "status": 409}
        command.finished_at = utcnow()
        session.commit()
        self._answered(command_id)
        if command.state == "failed" and command.error.get("code") == "obs_disconnected":
            self._lost(command.error["message"])
        elif command.kind != "screenshot":
            self._broadcast()

    def _do_scene(self, session, payload: dict) -> dict:
        self.conn.request("SetCurrentProgramScene", {"sceneName": payload["scene_name"]})
        status = services.get_status(session)
        if self._program_scene_is(session, status, payload["scene_name"], utcnow()):
            status.updated_at = utcnow()
            services.record_obs_state(session, status)
        return {"program_scene": payload["scene_name"]}

    def _do_record(self, session, payload: dict) -> dict:
        request = {"start": "StartRecord", "stop": "StopRecord", "pause": "PauseRecord",
                   "resume": "ResumeRecord"}[payload["action"]]
        self.conn.request(request)
        return {"action": payload["action"]}

    def _do_stream(self, session, payload: dict) -> dict:
        if payload["action"] == "start":
            rtmp_url = self.app.config.get("RTMP_URL")
            if rtmp_url:
                ensure_stream_service(self.conn, rtmp_url)
            self.conn.request("StartStream")
        else:
            self.conn.request("StopStream")
        return {"action": payload["action"]}

    def _overlay_batch(self, scene: str, texts: dict[str, str], visible: bool) -> None:
        """Text and visibility in one RequestBatch: the screen never shows new text on an old strip."""
        ids = {}
        for source in OVERLAY_ITEMS[scene]:
            if (scene, source) not in self.item_ids:
                try:
                    self.item_ids[(scene, source)] = self.conn.request(
                        "GetSceneItemId", {"sceneName": scene, "sourceName": source})["sceneItemId"]
                except ObsRequestFailed:
                    raise DomainError("OBS 中缺少叠加层：请先运行 flask --app server obs bootstrap",
                                      code="overlay_missing", status=409)
            ids[source] = self.item_ids[(scene, source)]
        requests = [("SetInputSettings", {"inputName": name, "inputSettings": {"text": text}, "overlay": True})
                    for name, text in texts.items()]
        requests += [("SetSceneItemEnabled", {"sceneName": scene, "sceneItemId": item_id, "sceneItemEnabled": visible})
                     for item_id in ids.values()]
        self.conn.batch(requests)

    def _store_overlay(self, session, key: str, value: dict, visible_key: str, visible: bool) -> None:
        status = services.get_status(session)
        status.overlays = {**(status.overlays or {}), key: value, visible_key: visible}
        status.updated_at = utcnow()
        services.record_obs_state(session, status)

    def _do_lower_third(self, session, payload: dict) -> dict:
        texts = {LOWER_THIRD_NAME: payload["name"], LOWER_THIRD_TITLE: payload["title"]} if payload["visible"] else {}
        self._overlay_batch(LOWER_THIRD_SCENE, texts, payload["visible"])
        self._store_overlay(session, "lower_third", {k: payload[k] for k in ("guest_id", "name", "title")},
                            "lower_third_visible", payload["visible"])
        return {"visible": payload["visible"]}

    def _do_question_overlay(self, session, payload: dict) -> dict:
        text = payload["text"]
        shown = f"网友「{payload['nickname']}」提问：{text}" if payload.get("nickname") else f"网友提问：{text}"
        texts = {QUESTION_TEXT: shown} if payload["visible"] else {}
        self._overlay_batch(QUESTION_SCENE, texts, payload["visible"])
        self._store_overlay(session, "question", {k: payload[k] for k in ("question_id", "text", "nickname")},
                            "question_visible", payload["visible"])
        return {"visible": payload["visible"]}

    def _do_screenshot(self, session, payload: dict) -> dict:
        status = services.get_status(session)
        if not status.program_scene:
            raise DomainError("OBS 没有节目场景", code="no_program_scene", status=409)
        if "GetSourceScreenshot" not in (status.available_requests or []):
            raise DomainError("此版本的 OBS 不支持截图", code="unsupported", status=409)
        shot = self.conn.request("GetSourceScreenshot", {"sourceName": status.program_scene, "imageFormat": "jpg",
                                                         "imageWidth": payload["width"],
                                                         "imageCompressionQuality": 60})
        session.rollback()
        return {"image": shot.get("imageData"), "scene": status.program_scene}

    def _do_bootstrap(self, session, payload: dict) -> dict:
        status = services.get_status(session)
        result = bootstrap(self.conn, self.app.config.get("RTMP_URL"), status.available_requests or None)
        session.rollback()
        self.item_ids.clear()
        self._reload_state()
        return result

    # ---- polling -------------------------------------------------------------------------

    def _start_poll(self) -> None:
        """Stats for the director, and proof the connection still answers.

        The request runs on a thread of its own and its answer comes back through the inbox:
        waiting up to POLL_TIMEOUT_S for OBS must not hold up commands and events meanwhile.
        """
        conn = self.conn
        self.poll_in_flight = True

        def ask():
            try:
                answer = conn.batch([("GetStats", {}), ("GetStreamStatus", {}), ("GetRecordStatus", {})],
                                    halt_on_failure=False, timeout=POLL_TIMEOUT_S)
            except ObsError as exc:
                answer = exc
            self.inbox.put(("stats", conn, answer))

        threading.Thread(target=ask, name="obs-stats", daemon=True).start()

    def _handle_poll(self, conn, answer) -> None:
        if conn is not self.conn:
            return
        self.poll_in_flight = False
        if isinstance(answer, ObsConnectionLost):
            self._lost(f"OBS 无响应：{answer.message}")
            return
        if isinstance(answer, ObsError):
            log.warning("OBS stats poll: %s", answer.message)
            return
        stats, stream, record = answer
        session = self.Session()
        status = services.get_status(session)
        if bool(stream.get("outputActive")) != status.stream_active or \
                bool(record.get("outputActive")) != status.record_active:
            # An event got lost (or is still in the inbox): take OBS's word for it.
            session.rollback()
            if not any(item[0] == "obs" for item in list(self.inbox.queue)):
                self._reload_state()
            return
        status.stats = {
            "active_fps": round(stats.get("activeFps") or 0, 1),
            "cpu_usage": round(stats.get("cpuUsage") or 0, 1),
            "render_skipped_frames": stats.get("renderSkippedFrames", 0),
            "render_total_frames": stats.get("renderTotalFrames", 0),
            "output_skipped_frames": stats.get("outputSkippedFrames", 0),
            "output_total_frames": stats.get("outputTotalFrames", 0),
            "stream_bitrate_kbps": self._bitrate("stream", stream),
            "stream_skipped_frames": stream.get("outputSkippedFrames", 0),
            "stream_total_frames": stream.get("outputTotalFrames", 0),
            "stream_congestion": round(stream.get("outputCongestion") or 0, 3),
            "stream_reconnecting": bool(stream.get("outputReconnecting")),
            "stream_timecode": stream.get("outputTimecode"),
            "record_bitrate_kbps": self._bitrate("record", record),
            "record_timecode": record.get("outputTimecode"),
            "record_bytes": record.get("outputBytes", 0),
            "warnings": _warnings(stats, stream),
        }
        status.lease_until = utcnow() + timedelta(seconds=services.LEASE_TTL_S)
        session.commit()
        self._broadcast(status)

    def _bitrate(self, output: str, figures: dict) -> float | None:
        if not figures.get("outputActive"):
            self.last_bytes.pop(output, None)
            return None
        now, sent = time.monotonic(), int(figures.get("outputBytes") or 0)
        previous = self.last_bytes.get(output)
        self.last_bytes[output] = (now, sent)
        if previous is None or now <= previous[0] or sent < previous[1]:
            return None
        return round((sent - previous[1]) * 8 / 1000 / (now - previous[0]), 1)

    def _broadcast(self, status: ObsStatus | None = None) -> None:
        from .sockets import broadcast_obs_telemetry

        if status is None:
            status = services.read_status(self.Session())
        broadcast_obs_telemetry(services.obs_state_json(status, True))


def _scene_names(scene_list: dict) -> list[str]:
    """OBS lists scenes bottom-up; its own window shows them top-down: keep the window's order."""
    return [s["sceneName"] for s in reversed(scene_list.get("scenes") or [])]


def _clear_record(status: ObsStatus) -> None:
    status.record_active = status.record_paused = False
    status.record_started_at = status.record_paused_at = None
    status.record_paused_total_s = 0.0
    status.record_interview_id = None


def _live_id(session) -> int | None:
    interview = services.live_interview(session)
    return interview.id if interview is not None else None


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _warnings(stats: dict, stream: dict) -> list[str]:
    """What the director should look at now, in their words."""
    warnings = []
    if (stream.get("outputCongestion") or 0) > 0.3:
        warnings.append("网络拥堵：推流带宽不足")
    if stream.get("outputReconnecting"):
        warnings.append("推流正在重连")
    total, skipped = stream.get("outputTotalFrames") or 0, stream.get("outputSkippedFrames") or 0
    if total and skipped / total > 0.02:
        warnings.append(f"编码丢帧 {skipped}/{total}：CPU 不足，可降低分辨率或码率")
    render_total, render_skipped = stats.get("renderTotalFrames") or 0, stats.get("renderSkippedFrames") or 0
    if render_total and render_skipped / render_total > 0.02:
        warnings.append(f"渲染跳帧 {render_skipped}/{render_total}")
    if (stats.get("cpuUsage") or 0) > 90:
        warnings.append("OBS CPU 占用过高")
    return warnings
