"""The OBS connection owner's part that executes commands: rows in `obs_commands`, from any process.

A mixin of ObsOwner (owner.py): commands run in the order they arrive, each claimed once
(pending -> running) and answered in its own row.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from studio.platform.db import utcnow
from studio.platform.errors import DomainError

from . import services
from .bootstrap import (LOWER_THIRD_NAME, LOWER_THIRD_SCENE, LOWER_THIRD_TITLE, OVERLAY_ITEMS, QUESTION_SCENE,
                        QUESTION_TEXT, bootstrap, ensure_stream_service)
from .client import ObsConnectionLost, ObsError, ObsRequestFailed
from .models import ObsCommand


class ObsCommandExecution:
    """Claim a command row, run it against OBS (`_do_<kind>`), store its result or error."""

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
            self.commanded_scenes.commanded(payload["scene_name"])
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
