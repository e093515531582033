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

The owner is one object; its parts live beside it: owner_events.py (OBS events into the status
row), owner_commands.py (claiming and executing command rows), owner_polling.py (the stats poll).
This module holds the task itself, the lease and the connection.
"""
from __future__ import annotations

import logging
import os
import queue
import socket as pysocket
import time
import uuid
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from studio.platform.db import Session, utcnow

from . import services
from .bootstrap import LOWER_THIRD_SCENE, OVERLAY_ITEMS, QUESTION_SCENE
from .client import ObsAuthError, ObsConnection, ObsError
from .models import STATUS_ROW_ID, ObsCommand, ObsStatus
from .owner_commands import ObsCommandExecution
from .owner_events import CommandedScenes, ObsEventTranslation, clear_record, scene_names
from .owner_polling import POLL_S, POLL_TIMEOUT_S, ObsStatsPolling

log = logging.getLogger(__name__)

BACKOFF_MIN_S, BACKOFF_MAX_S = 0.5, 5.0


class ObsOwner(ObsEventTranslation, ObsCommandExecution, ObsStatsPolling):
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
        self.commanded_scenes = CommandedScenes()  # per connection too
        self.scene_check_at: float | None = None  # when to ask OBS which scene it shows (owner_events)
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
        if self.is_owner and self.conn is not None and self.scene_check_at is not None:
            due = min(due, self.scene_check_at)
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
        if self.conn is not None and self.scene_check_at is not None and time.monotonic() >= self.scene_check_at:
            self._check_program_scene()
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
        self.commanded_scenes.clear()
        self.scene_check_at = None
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
        status.scenes = scene_names(scene_list)
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
                status.record_interview_id = services.live_interview_id(session)
            status.record_active = True
            status.record_paused = bool(record.get("outputPaused"))
            if status.record_paused and status.record_paused_at is None:
                status.record_paused_at = now
        else:
            clear_record(status)
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
        names = scene_names(scene_list)
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

    def _broadcast(self, status: ObsStatus | None = None) -> None:
        from .sockets import broadcast_obs_telemetry

        if status is None:
            status = services.read_status(self.Session())
        broadcast_obs_telemetry(services.obs_state_json(status, True))
