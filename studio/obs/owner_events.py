"""The OBS connection owner's part that turns OBS events into the status row, events and markers.

A mixin of ObsOwner (owner.py): its methods run on the owner's task and use its connection,
sessions and scene item ids. A recording is registered when OBS reports it STOPPED (only then
is the file complete).
"""
from __future__ import annotations

import logging
import time
from collections import deque
from datetime import timedelta

from studio.platform.db import utcnow
from studio.platform.errors import DomainError
from studio.platform.events import record_event
from studio.recordings import register_recording

from . import services
from .bootstrap import LOWER_THIRD_SCENE, OVERLAY_ITEMS
from .client import ObsError
from .models import ObsStatus

log = logging.getLogger(__name__)

STOPPED, STARTED = "OBS_WEBSOCKET_OUTPUT_STOPPED", "OBS_WEBSOCKET_OUTPUT_STARTED"
PAUSED, RESUMED = "OBS_WEBSOCKET_OUTPUT_PAUSED", "OBS_WEBSOCKET_OUTPUT_RESUMED"
# OBS events that change what the director sees; the rest are ignored.
HANDLED_EVENTS = {"CurrentProgramSceneChanged", "SceneListChanged", "SceneNameChanged", "StreamStateChanged",
                  "RecordStateChanged", "SceneItemEnableStateChanged", "ExitStarted"}


# How long a scene this owner set may go unannounced by OBS before an event naming another scene
# is taken at its word again (OBS announces nothing when it was on the scene already).
SCENE_ANNOUNCE_WITHIN_S = 3.0
# When an announcement is not taken, OBS is asked this much later which scene it shows: after
# its transition (a 300 ms fade by default) has ended.
SCENE_CHECK_AFTER_S = 0.5


class CommandedScenes:
    """Scenes this owner set on OBS that OBS has not announced yet (CurrentProgramSceneChanged).

    OBS announces a scene when its transition has ended, and only the last of transitions that
    overlap (开场 then 双人 within a fade: only 双人 is announced); its announcements reach the
    owner's inbox later still. On a loaded machine the announcement of the scene set one command
    earlier arrived after the next command had been answered; taken at its word it put the
    earlier scene back on the status row and the director's page although OBS showed the later
    one. So while a scene we set is unannounced, an announcement of any other scene is not
    taken: it is most likely old (its transition ended before ours began), but it may be a
    change made in OBS itself during our fade, after which ours is never announced; the owner
    asks OBS which scene it shows once the transitions are over.
    """

    def __init__(self, within_s: float = SCENE_ANNOUNCE_WITHIN_S, clock=time.monotonic):
        self.within_s, self.clock = within_s, clock
        self.unannounced: deque[tuple[str, float]] = deque()

    def commanded(self, scene: str) -> None:
        self.unannounced.append((scene, self.clock()))

    def announced(self, scene: str) -> bool:
        """OBS announced `scene`: True when it is the scene to show, False when OBS must be asked."""
        expired_before = self.clock() - self.within_s
        while self.unannounced and self.unannounced[0][1] < expired_before:
            self.unannounced.popleft()  # never announced (OBS was on it already): stop waiting for it
        names = [name for name, _ in self.unannounced]
        if scene in names:
            for _ in range(names.index(scene) + 1):  # this one, and any OBS went past unannounced
                self.unannounced.popleft()
        return not self.unannounced

    def clear(self) -> None:
        self.unannounced.clear()


class ObsEventTranslation:
    """OBS events (from the connection's reader thread, through the inbox) into status changes."""

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
        handler = getattr(self, f"_on_{_snake(event_type)}")
        self._change_status(lambda session, status: handler(session, status, data, at))

    def _change_status(self, change) -> None:
        """change(session, status) -> whether it changed anything: then recorded and broadcast."""
        session = self.Session()
        status = services.get_status(session)
        changed = change(session, status)
        if changed:
            status.updated_at = utcnow()
            services.record_obs_state(session, status)
        session.commit()
        if changed:
            self._broadcast(status)

    def _on_current_program_scene_changed(self, session, status, data, at) -> bool:
        if self.commanded_scenes.announced(data.get("sceneName")):
            return self._program_scene_is(session, status, data.get("sceneName"), at)
        log.debug("OBS announced %s while a scene set since is unannounced: OBS is asked", data.get("sceneName"))
        self.scene_check_at = time.monotonic() + SCENE_CHECK_AFTER_S
        return False

    def _check_program_scene(self) -> None:
        """After an announcement not taken: the scene OBS shows now, from OBS."""
        self.scene_check_at = None
        self.commanded_scenes.clear()
        try:
            scene = self.conn.request("GetCurrentProgramScene").get("currentProgramSceneName")
        except ObsError as exc:
            log.warning("OBS: reading the program scene failed: %s", exc.message)
            return
        self._change_status(lambda session, status: self._program_scene_is(session, status, scene, utcnow()))

    def _program_scene_is(self, session, status, scene: str | None, at) -> bool:
        if not scene or scene == status.program_scene:
            return False
        status.program_scene = scene
        services.log_obs_marker(session, status, "scene", scene, at)
        return True

    def _on_scene_list_changed(self, session, status, data, at) -> bool:
        status.scenes = scene_names(data)
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
            status.stream_interview_id = services.live_interview_id(session)
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
        interview_id = services.live_interview_id(session) or status.stream_interview_id
        if interview_id is not None:
            record_event(session, interview_id, "stream.state",
                         services.stream_state_json(status, self.app.config.get("HLS_URL")))

    def _on_record_state_changed(self, session, status, data, at) -> bool:
        state = data.get("outputState")
        if state == STARTED:
            status.record_active, status.record_paused = True, False
            status.record_started_at, status.record_paused_at, status.record_paused_total_s = at, None, 0.0
            status.record_interview_id = services.live_interview_id(session)
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
            interview_id = status.record_interview_id or services.live_interview_id(session)
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
            clear_record(status)
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


def scene_names(scene_list: dict) -> list[str]:
    """OBS lists scenes bottom-up; its own window shows them top-down: keep the window's order."""
    return [s["sceneName"] for s in reversed(scene_list.get("scenes") or [])]


def clear_record(status: ObsStatus) -> None:
    status.record_active = status.record_paused = False
    status.record_started_at = status.record_paused_at = None
    status.record_paused_total_s = 0.0
    status.record_interview_id = None


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
