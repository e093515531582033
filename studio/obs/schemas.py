"""What the OBS routes read and answer, declared once (studio.platform.http.declare).

The models type the fields with the services' own codes; what a value means now (a scene OBS has,
an action the output's state allows, a guest or question that exists, a width in range) stays in
obs/services.py, checked once OBS is known to be connected.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from studio.platform.http import Body, error_code

_INVALID = error_code("invalid_field")


class SceneChoice(Body):
    scene_name: str = Field(None, json_schema_extra=error_code("missing_field"), description="OBS 中的场景名")


class OutputAction(Body):
    action: str = Field(None, json_schema_extra=error_code("invalid_action"),
                        description="start、stop（录制还有 pause、resume）")


class LowerThird(Body):
    guest_id: int = Field(None, json_schema_extra=_INVALID, description="嘉宾")
    visible: bool = Field(None, json_schema_extra=_INVALID, description="显示或隐藏")


class QuestionOverlay(Body):
    question_id: int = Field(None, json_schema_extra=_INVALID, description="网友问题")
    visible: bool = Field(None, json_schema_extra=_INVALID, description="显示或隐藏")
    text: str | None = Field(None, json_schema_extra=_INVALID, description="显示的文字（默认：问题原文；至多 1000 字）")
    nickname: str | None = Field(None, json_schema_extra=_INVALID, description="提问人昵称")


class Screenshot(Body):
    width: int = Field(None, json_schema_extra=_INVALID, description="宽度（64–1280，默认 320）")


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class Output(Answer):
    active: bool
    timecode: str | None
    started_at: str | None


class Record(Output):
    paused: bool


class ObsState(Answer):
    """What the director's page shows (also the obs.state event)."""
    enabled: bool
    connected: bool
    error: dict[str, Any] | None
    scenes: list[str]
    program_scene: str | None
    stream: Output
    record: Record
    overlays: dict[str, Any]
    server_time: str


class Commanded(ObsState):
    """The state after the command, with what OBS answered."""
    result: Any = Field(description="OBS 的答复")
