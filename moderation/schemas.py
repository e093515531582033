"""What moderation's routes read and answer, declared once (studio.platform.http.declare): the
validation of their types and the OpenAPI document both come from here.

The models type the fields; what a value means (a text's length, a status name, a unit that exists,
a state that allows the action) stays in the services, with their own codes and messages. Where a
service takes null for "not given" the field is nullable; where it refuses null the field is not
(absent is still allowed: `Field(None)` is "may be left out").
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from studio.platform.http import MAX_ID, Body, Id, Query, QueryId, error_code

# ---- bodies -------------------------------------------------------------------------------------


class QuestionSubmit(Body):
    """A netizen's question (or one staff type in from the hotline or the floor)."""
    text: str | None = Field(None, json_schema_extra=error_code("invalid_field", "问题内容"),
                             description="问题内容（必填，5 到 500 个字）")
    nickname: str | None = Field(None, json_schema_extra=error_code("invalid_field", "昵称"),
                                 description="昵称，不填为「网友」")
    contact: str | None = Field(None, json_schema_extra=error_code("invalid_field", "联系方式"),
                                description="手机号、电话或电子邮箱（仅审核员可见）")
    source: str | None = Field(None, json_schema_extra=error_code("invalid_source", "来源"),
                               description="web（默认）；工作人员还可填 hotline、onsite")


class Versioned(Body):
    version: int | None = Field(None, json_schema_extra=error_code("invalid_version", "版本号"),
                                description="控制台看到的版本号；与当前不同则答 409 version_conflict")


class Decision(Versioned):
    """Approve, reject or merge: the status the console showed, and the confirmation of overturning
    another moderator's recent decision."""
    expected_status: str | None = Field(None, json_schema_extra=error_code("invalid_field", "原状态"),
                                        description="控制台看到的状态")
    confirm: bool | None = Field(None, json_schema_extra=error_code("invalid_field", "确认"),
                                 description="true：确认改变他人刚做出的决定")


class Rejection(Decision):
    reason: str | None = Field(None, json_schema_extra=error_code("invalid_field", "驳回理由"),
                               description="驳回理由（预设或自填，至多 200 字）")


class Merge(Decision):
    into: int = Field(json_schema_extra=error_code("invalid_field", "合并目标"), strict=True, gt=0, le=MAX_ID,
                      description="并入的问题编号（同一场访谈）")


class QuestionEdit(Versioned):
    """At least one of text, labels, starred."""
    text: str = Field(None, json_schema_extra=error_code("invalid_field", "问题内容"), description="改写后的问题")
    labels: list[str] = Field(None, json_schema_extra=error_code("invalid_field", "标签"),
                              description="标签（每个至多 20 字，至多 10 个）")
    starred: bool = Field(None, json_schema_extra=error_code("invalid_field", "星标"))


class BulkScreen(Body):
    ids: list[int] = Field(None, json_schema_extra=error_code("invalid_field", "问题编号"),
                           description="问题编号（至多 500 个）")
    action: str = Field(None, json_schema_extra=error_code("invalid_action", "操作"),
                        description="approve 或 reject")
    reason: str | None = Field(None, description="驳回理由")
    include_flagged: bool | None = Field(None, description="true：含敏感词或个人信息的问题也一并通过")


class QueueOrder(Body):
    order: list[int] = Field(None, json_schema_extra=error_code("invalid_field", "顺序"),
                             description="主持人队列中问题编号的新顺序")


class SettingsChange(Body):
    post_answered_to_feed: bool = Field(None, json_schema_extra=error_code("invalid_field", "答复发到直播流"))
    reply_days: int = Field(None, json_schema_extra=error_code("invalid_field", "答复期限天数"),
                            description="书面答复期限（1–365 天）")


class ReplyAssignment(Body):
    unit_id: int | None = Field(None, json_schema_extra=error_code("unit_not_found", "责任单位"),
                                description="责任单位编号；null：取消指派")
    due_at: str | None = Field(None, json_schema_extra=error_code("invalid_time", "答复期限"),
                               description="答复期限（ISO 8601）；null 或空：不设")


class ReplyText(Body):
    text: str = Field(None, json_schema_extra=error_code("empty_text", "答复内容"), description="答复（至多 5000 字）")
    unit_id: int | None = Field(None, json_schema_extra=error_code("unit_not_found", "责任单位"))


class WordlistUpload(BaseModel):
    """PUT /api/wordlist as multipart/form-data (or the list itself as the body, WORDLIST_BODIES); the
    view reads it: up to 2 MB, UTF-8 or GBK."""
    file: bytes = Field(json_schema_extra={"format": "binary"}, description="词表：每行一个词")
    csrf_token: str | None = Field(None, description="也可用 X-CSRF-Token 请求头")


WORDLIST_BODIES = {"text/plain": {"type": "string", "description": "词表：每行一个词（UTF-8 或 GBK，至多 2 MB）"}}


# ---- queries ------------------------------------------------------------------------------------


class QuestionListQuery(Query):
    status: str | None = Field(None, description="逗号分隔的状态，例如 pending,approved")
    source: str | None = Field(None, description="web、hotline 或 onsite")
    flag: str | None = Field(None, description="只列带此标记的问题（sensitive、personal …）")


class ExportQuery(Query):
    format: Literal["csv", "xlsx"] = Field("csv", json_schema_extra=error_code("invalid_format"))


class AuditQuery(Query):
    interview_id: QueryId
    question_id: QueryId
    before_id: QueryId = Field(None, ge=0, le=MAX_ID, description="翻页：只列 id 小于它的记录")
    limit: int | None = Field(None, ge=0, le=MAX_ID, description="默认 500，至多 5000")
    format: str | None = Field(None, description="csv：下载 CSV；其他：JSON")


class RepliesQuery(Query):
    interview_id: QueryId
    unit_id: QueryId
    overdue: str | None = Field(None, description="1 或 true：只列逾期的")
    done: str | None = Field(None, description="1 或 true：也列已答复的")


# ---- answers ------------------------------------------------------------------------------------


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class Person(Answer):
    id: int
    name: str


class Question(Answer):
    """A question as the screening staff see it (contact only for moderators and admins)."""
    id: int
    interview_id: int
    nickname: str
    text: str
    status: str
    source: str
    flags: list[str]
    labels: list[str]
    starred: bool
    queue_position: int | None
    merged_into: int | None
    askers: int
    receipt: str | None
    created_at: str | None
    version: int
    claimed_by: Person | None
    handled_by: Person | None
    reject_reason: str | None
    reply: dict[str, Any] | None
    has_contact: bool


class Submitted(Answer):
    id: int
    status: str = Field(description="pending（新问题）或它现在的公开状态（重复提交）")
    receipt: str = Field(description="查询码")
    created_at: str
    duplicate: bool
    message: str


class Receipt(Answer):
    receipt: str
    interview_id: int
    text: str
    status: str
    status_name: str
    current_status: str
    reply: dict[str, Any] | None


class PublicQuestions(Answer):
    questions: list[dict[str, Any]]
    intake: dict[str, Any] = Field(description="{accepting, message, opens_at, closes_at}")


class QuestionList(Answer):
    questions: list[Question]
    counts: dict[str, Any]


class Similar(Answer):
    similar: list[dict[str, Any]]


class Skipped(Answer):
    id: Any
    code: str
    message: str


class BulkResult(Answer):
    done: list[int]
    skipped: list[Skipped]


class Order(Answer):
    order: list[int]


class Settings(Answer):
    interview_id: int
    post_answered_to_feed: bool
    reply_days: int
    reject_reasons: list[str]


class WordlistChange(Answer):
    count: int
    added: int
    removed: int


class AuditEntries(Answer):
    entries: list[dict[str, Any]]


class ReplyUnits(Answer):
    units: list[dict[str, Any]]
