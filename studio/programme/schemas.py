"""What the programme's routes read and answer, for studio.platform.http.declare (and so the OpenAPI
document). Fields are typed only; what a value means (a known deadline kind, a free slug, a state
that allows a review) stays in the services, with their codes."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from studio.platform.http import MAX_ID, Body, Query, QueryId, error_code

# ---- queries ----------------------------------------------------------------------------------

class YearQuery(Query):
    year: int = Field(ge=2000, le=2100, json_schema_extra=error_code("invalid_year"), description="年份，如 2024")


class YearDeadlinesQuery(YearQuery):
    state: str | None = Field(None, description="只列这一状态（done / due / overdue / pending …）")
    unit_id: QueryId


class DiffQuery(Query):
    against: int | None = Field(None, ge=0, le=MAX_ID, description="与哪一版比较；默认上一版")


class LiaisonQuery(Query):
    token: str | None = Field(None, description="单位联络员上传链接的口令（不登录时）")


# ---- bodies -----------------------------------------------------------------------------------

def _when():
    return Field(None, json_schema_extra=error_code("invalid_time"), description="ISO 8601；null：恢复推算的期限")


class DeadlineOverrides(Body):
    """{期限类型: ISO 时间或 null}（models.DEADLINE_KINDS）；未知的类型答 invalid_kind。"""
    preview: str | None = _when()
    questions_open: str | None = _when()
    questions_close: str | None = _when()
    script_final: str | None = _when()
    publish: str | None = _when()
    replies: str | None = _when()


class ScriptText(Body):
    """A script sent as JSON (a file goes as multipart `file`, or the body as text/plain)."""
    text: str = Field(json_schema_extra=error_code("invalid_field"), description="访谈稿全文")


class ScriptUpload(BaseModel):
    file: bytes = Field(json_schema_extra={"format": "binary"}, description="访谈稿 .docx 或 .txt")
    csrf_token: str | None = Field(None, description="也可用 X-CSRF-Token 请求头")


class Review(Body):
    decision: Literal["approve", "return"] = Field(json_schema_extra=error_code("invalid_decision"))
    comment: str | None = Field(None, json_schema_extra=error_code("invalid_field"), description="退回时必填")


class SeriesBody(Body):
    """A series; on creation slug and title are needed (their checks are the service's)."""
    slug: str | None = Field(None, json_schema_extra=error_code("invalid_slug"), description="小写字母、数字和连字符")
    title: str | None = Field(None, json_schema_extra=error_code("invalid_field"), description="不超过 200 字")
    description: str | None = Field(None, json_schema_extra=error_code("invalid_field"), description="不超过 5000 字")
    interview_ids: list[int] | None = Field(None, json_schema_extra=error_code("invalid_field"),
                                            description="专题里的访谈，按顺序")


# ---- answers ----------------------------------------------------------------------------------

class Deadline(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: str
    label: str
    due_at: str | None
    done_at: str | None
    state: str
    state_label: str
    overridden: bool
    estimated: bool


class DeadlineList(BaseModel):
    deadlines: list[Deadline]


class YearDeadlineList(BaseModel):
    deadlines: list[dict[str, Any]]


class Digest(BaseModel):
    items: list[dict[str, Any]]
    recipients: dict[str, int]
    smtp: bool


class VersionSubmitted(BaseModel):
    version: int
    chars: int
    meets_minimum: bool
    minimum: int


class Version(BaseModel):
    model_config = ConfigDict(extra="allow")
    version: int
    chars: int
    meets_minimum: bool
    minimum: int
    source_name: str | None
    submitted_at: str | None
    submitted_by: str | None
    review: dict[str, Any] | None


class VersionList(BaseModel):
    versions: list[Version]


class VersionText(Version):
    text: str


class Reviewed(Version):
    cards: int | None = Field(description="通过时生成的提示卡张数")


class Diff(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: int = Field(alias="from")
    to: int
    unified: str
    html: str


class LiaisonLink(BaseModel):
    token: str
    url: str


class SeriesOut(BaseModel):
    id: int
    slug: str
    title: str
    description: str | None
    interview_ids: list[int]


class SeriesList(BaseModel):
    series: list[SeriesOut]


class Assessment(BaseModel):
    year: int
    units: list[dict[str, Any]]


class Stats(BaseModel):
    model_config = ConfigDict(extra="allow")
    viewers_now: int
    viewers_peak: int
    archive_views: int
    questions: dict[str, Any]
