"""What the open day's routes read and answer, for studio.platform.http.declare (and so the OpenAPI
document). Fields are typed only; what a value means (a phone number, an identity group, a survey
that is open) stays in registration.py / survey.py / after.py, with their codes."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from studio.platform.http import Body, Query, error_code

_TEXT = error_code("invalid_field")


class Settings(Body):
    capacity: int | None = Field(None, json_schema_extra=_TEXT, description="名额，1 起")
    registration_closes_at: str | None = Field(None, json_schema_extra=error_code("invalid_time"),
                                               description="报名截止时间，ISO 8601；null：不设截止")


class Application(Body):
    """The public sign-up form (application/json only, from our own pages)."""
    name: str | None = Field(None, json_schema_extra=_TEXT, description="姓名（必填）")
    phone: str | None = Field(None, json_schema_extra=_TEXT, description="手机号或带区号的电话（必填）")
    identity_group: str | None = Field(None, json_schema_extra=error_code("invalid_identity_group"),
                                       description="身份类别")
    reason: str | None = Field(None, json_schema_extra=_TEXT, description="报名理由，不超过 300 字")


class RegistrationsQuery(Query):
    status: str | None = Field(None, description="只列这一状态")


class ApplicationReview(Body):
    decision: str | None = Field(None, json_schema_extra=error_code("invalid_decision"),
                                 description="accept / waitlist / decline")
    reason: str | None = Field(None, json_schema_extra=_TEXT, description="谢绝时必填")


class NewSurvey(Body):
    title: str | None = Field(None, json_schema_extra=_TEXT, description="问卷标题")
    questions: list[dict[str, Any]] | None = Field(None, json_schema_extra=_TEXT,
                                                   description="[{type: single/multiple/text, text, options?}]")


class SurveyChange(Body):
    state: str | None = Field(None, json_schema_extra=error_code("invalid_state"), description="draft / open / closed")
    results_public: bool | None = Field(None, json_schema_extra=_TEXT)


class SurveyAnswers(Body):
    """The public survey form (application/json only, from our own pages)."""
    answers: dict[str, Any] | None = Field(None, json_schema_extra=error_code("invalid_json"),
                                           description="{题号: 选项序号、序号列表或文字}")


class AfterTexts(Body):
    report_text: str | None = Field(None, json_schema_extra=_TEXT, description="活动报道")
    feedback_text: str | None = Field(None, json_schema_extra=_TEXT, description="意见反馈")


# ---- answers ----------------------------------------------------------------------------------

class RegistrationState(BaseModel):
    model_config = ConfigDict(extra="allow")
    open: bool
    message: str
    capacity: int
    accepted: int
    places_left: int
    registration_closes_at: str | None


class Submitted(BaseModel):
    id: int
    status: str
    message: str


class ApplicationOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    interview_id: int
    name: str
    identity_group: str
    reason: str | None
    status: str
    decline_reason: str | None
    created_at: str | None
    decided_at: str | None


class Registrations(BaseModel):
    model_config = ConfigDict(extra="allow")
    registrations: list[ApplicationOut]


class Reviewed(BaseModel):
    changed: list[ApplicationOut]


class SurveyOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    interview_id: int
    title: str
    state: str
    results_public: bool
    questions: list[dict[str, Any]]
    opened_at: str | None
    closed_at: str | None


class SurveyList(BaseModel):
    surveys: list[SurveyOut]


class SurveyResults(SurveyOut):
    text_answers: list[dict[str, Any]]


class Thanks(BaseModel):
    ok: bool
    message: str


class After(BaseModel):
    model_config = ConfigDict(extra="allow")
    interview_id: int
    state: str
    report_text: str


class ReportJob(BaseModel):
    job_id: int
    job: dict[str, Any]


class Opinions(BaseModel):
    model_config = ConfigDict(extra="allow")
    interview_id: int
    questions: list[Any]
