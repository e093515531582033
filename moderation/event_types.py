"""Moderation's event types and their payloads: the staff form of a question (question_json
without contact) on staff events, the public form (public_question_json) on public ones."""
from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from studio.platform.events import EventType, Payload


class QuestionUser(Payload):
    id: int
    name: str


class QuestionFlag(Payload):
    """A screening flag: sensitive_word {word, start, …}, personal_info {kind},
    possible_duplicate {id, score, question, …}; the keys beside `type` depend on it."""
    model_config = ConfigDict(extra="allow", strict=True)
    type: str


class QuestionReply(Payload):
    """A published written reply (答复)."""
    text: str
    unit: str
    replied_at: str | None


class MergedOriginal(Payload):
    id: int
    nickname: str
    text: str
    created_at: str | None


class StaffQuestion(Payload):
    """The staff form (question_json with its merged originals, never the contact)."""
    id: int
    interview_id: int
    nickname: str
    text: str
    original_text: str | None
    status: str
    source: str
    flags: list[QuestionFlag]
    labels: list[str]
    starred: bool
    queue_position: int | None
    merged_into: int | None
    askers: int
    receipt: str
    created_at: str | None
    updated_at: str | None
    version: int
    claimed_by: QuestionUser | None
    claimed_until: str | None
    handled_by: QuestionUser | None
    reject_reason: str | None
    on_air_at: str | None
    answered_at: str | None
    reply: QuestionReply | None
    reply_due_at: str | None
    has_contact: bool
    merged_questions: list[MergedOriginal]


class MergedQuestion(StaffQuestion):
    """The merged question and the question it went into (both staff form)."""
    into: StaffQuestion


class PublicQuestion(Payload):
    """What anyone may see of a shown question (public_question_json): a pushed question is
    "approved" here."""
    id: int
    interview_id: int
    nickname: str
    text: str
    status: str
    askers: int
    created_at: str | None
    on_air_at: str | None
    answered_at: str | None
    reply: QuestionReply | None
    version: int


class WithdrawnQuestion(Payload):
    """A question that is no longer shown: its earlier public events keep only this."""
    id: int
    interview_id: int
    withdrawn: Literal[True]


class QuestionId(Payload):
    id: int
    interview_id: int


class QueueOrder(Payload):
    interview_id: int
    order: list[int] = Field(description="pushed question ids, first first")
    versions: dict[str, int] = Field(description="question id -> its version after the move")


class QuestionClaim(Payload):
    id: int
    interview_id: int
    claimed_by: QuestionUser | None = Field(description="null: released")
    claimed_until: str | None
    version: int


def _staff(name: str, doc: str, payload=StaffQuestion) -> EventType:
    return EventType(name, False, doc, payload, None, "moderation")


def _public(name: str, doc: str) -> EventType:
    return EventType(name, True, doc, PublicQuestion, WithdrawnQuestion, "moderation")


EVENT_TYPES = (
    _staff("question.submitted", "a netizen question arrived (staff only)"),
    _public("question.approved", "a question passed screening"),
    _staff("question.rejected", "a question was rejected (staff only)"),
    _public("question.on_air", "the host put a question to the guest"),
    _public("question.answered", "a question was answered"),
    _staff("question.edited", "a question's wording was fixed (staff JSON, original kept)"),
    _public("question.updated", "a shown question changed: wording or askers (public JSON)"),
    EventType("question.withdrawn", True, "a shown question was rejected or merged after all: {id}", QuestionId,
              None, "moderation"),
    _staff("question.merged", "a question was merged into another (staff JSON + into)", MergedQuestion),
    _staff("question.marked", "labels or star changed (staff JSON)"),
    _staff("question.pushed", "a question joined the host queue (staff JSON)"),
    _staff("question.unpushed", "a question left the host queue, still approved (staff JSON)"),
    _staff("question.reordered", "the host queue's order changed: {order, versions}", QueueOrder),
    _staff("question.claimed", "a moderator claimed or released a question: {id, claimed_by}", QuestionClaim),
    _staff("question.reply_assigned", "a question was routed to a unit for a written reply (staff JSON)"),
    _public("question.replied", "a written reply (答复) was published (public JSON with reply)"),
)
