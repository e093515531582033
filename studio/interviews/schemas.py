"""What the interview routes read and answer, declared once (studio.platform.http.declare).

The models type the fields with the services' codes (invalid_field, invalid_time, invalid_state,
invalid_kind); lengths, control characters, ranges (year, month), units, guests and the state
machine stay in interviews/services.py. A text field sent as null is cleared, as before.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from studio.platform.http import Body, IntOrAbsent, Query, error_code
from studio.platform.models import INTERVIEW_STATES

_INVALID = error_code("invalid_field")
_TIME = error_code("invalid_time")


class InterviewChange(Body):
    """The editable fields; each may be left out (PATCH: the rest stays as it was)."""
    title: str | None = Field(None, json_schema_extra=_INVALID, description="标题（不能为空，至多 300 字）")
    topic: str | None = Field(None, json_schema_extra=_INVALID)
    description: str | None = Field(None, json_schema_extra=_INVALID)
    liaison_name: str | None = Field(None, json_schema_extra=_INVALID)
    liaison_phone: str | None = Field(None, json_schema_extra=_INVALID)
    liaison_email: str | None = Field(None, json_schema_extra=_INVALID)
    notes: str | None = Field(None, json_schema_extra=_INVALID)
    policy_title: str | None = Field(None, json_schema_extra=_INVALID)
    policy_url: str | None = Field(None, json_schema_extra=_INVALID, description="http:// 或 https:// 链接")
    kind: str = Field(None, json_schema_extra=error_code("invalid_kind"), description="interview、policy_video 或 open_day")
    scheduled_at: str | None = Field(None, json_schema_extra=_TIME, description="ISO 8601")
    questions_open_at: str | None = Field(None, json_schema_extra=_TIME, description="ISO 8601")
    questions_close_at: str | None = Field(None, json_schema_extra=_TIME, description="ISO 8601")
    year: int | None = Field(None, json_schema_extra=_INVALID, description="2000–2100")
    scheduled_month: int | None = Field(None, json_schema_extra=_INVALID, description="1–12")
    hosts: list[str] = Field(None, json_schema_extra=_INVALID, description="主持人姓名")
    units: list[str | dict[str, Any]] = Field(None, json_schema_extra=_INVALID,
                                             description="责任单位：名称或 {name, is_lead?}")
    guests: list[dict[str, Any]] = Field(None, json_schema_extra=_INVALID,
                                         description="嘉宾 {id?, name, title, bio, photo_image_id?}")
    state: str = Field(None, json_schema_extra=error_code("invalid_state"), description="新状态")


class NewInterview(InterviewChange):
    title: str = Field(json_schema_extra=error_code("missing_field"), description="标题（不能为空，至多 300 字）")


class InterviewsQuery(Query):
    """GET /api/interviews?year=&state=: the view checks the year's range (invalid_field) and the state
    (invalid_state), as before; a year that is not a number filters nothing."""
    year: IntOrAbsent = Field(None, json_schema_extra={"minimum": 1900, "maximum": 2200},
                              description="只列这一年（1900–2200）；不是整数时忽略")
    # The enum documents the view's own check (invalid_state, its message naming the value).
    state: Annotated[str, WithJsonSchema({"type": "string", "enum": list(INTERVIEW_STATES)})] | None = Field(
        None, description="只列这一状态")


class StateChange(Body):
    state: str = Field(None, json_schema_extra=error_code("invalid_state"), description="live、ended …")


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class Interview(Answer):
    """An interview; liaison, notes and plan number only for staff."""
    id: int
    title: str
    state: str
    kind: str
    year: int | None
    scheduled_at: str | None
    units: list[dict[str, Any]]
    guests: list[dict[str, Any]]
    hosts: list[str]
    last_seq: int | None


class Interviews(Answer):
    interviews: list[Interview]


class Deleted(Answer):
    ok: bool
    deleted: int
