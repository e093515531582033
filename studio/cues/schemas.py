"""What the cue routes read and answer, declared once (studio.platform.http.declare).

The models type the fields with the services' own code (invalid_field, invalid_action); what a
value means (an index in range, a card kind, a revision that is still current, a text's length)
stays in cues/services.py. The script upload takes several forms (text/plain, JSON {text, name},
a .docx or a multipart file) and reads them itself, so only its answer is declared.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from studio.platform.http import Body, Query, error_code

_INVALID = error_code("invalid_field")


class CueMove(Body):
    action: str = Field(None, json_schema_extra=error_code("invalid_action"),
                        description="next、prev、goto、start 或 reset")
    index: int | None = Field(None, json_schema_extra=_INVALID, description="goto 的目标（从 0 数）")
    expected: int | None = Field(None, json_schema_extra=_INVALID,
                                 description="控制台看到的当前张；已被他人切换则答 409 cue_conflict")


class CardChange(Body):
    """A card's fields; on a PATCH each may be left out."""
    text: str | None = Field(None, json_schema_extra=_INVALID, description="卡片正文（必填，不能为空）")
    title: str | None = Field(None, json_schema_extra=_INVALID)
    speaker: str | None = Field(None, json_schema_extra=_INVALID)
    section: str | None = Field(None, json_schema_extra=_INVALID)
    kind: str = Field(None, json_schema_extra=_INVALID, description="卡片类型")
    planned_s: int = Field(None, json_schema_extra=_INVALID, description="计划时长（0–14400 秒）")
    expected_revision: int | None = Field(None, json_schema_extra=_INVALID,
                                          description="编辑时看到的版本；已被他人修改则答 409 card_changed")


class NewCard(CardChange):
    index: int | None = Field(None, json_schema_extra=_INVALID, description="插入的位置（默认：最后）")


class CardOrder(Body):
    card_ids: list[int] = Field(None, json_schema_extra=_INVALID, description="全部提示卡的 id，按新顺序")


class HostMessageText(Body):
    text: str = Field(None, json_schema_extra=_INVALID, description="给主持人的消息")


class Dismissal(Body):
    id: int | None = Field(None, json_schema_extra=_INVALID, description="一条消息；不给：全部撤下")


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class Card(Answer):
    id: int
    index: int
    kind: str
    text: str
    planned_s: int
    revision: int


class Position(Answer):
    """Where the show is: the current card, the next one and the timers."""
    current: int
    count: int
    version: int
    card: Card | None
    next_card: Card | None
    started_at: str | None
    show_started_at: str | None


class CardsChanged(Position):
    cards: list[Card]
    script: dict[str, Any] | None
    reason: str


class Cues(Position):
    cards: list[Card]
    script: dict[str, Any] | None
    host_messages: list[dict[str, Any]]
    server_now: str


class Moved(Position):
    action: str
    server_now: str


class CardInserted(CardsChanged):
    card: Card


class Script(Answer):
    source_name: str | None
    source_kind: str | None
    chars: int | None
    revision: int
    text: str


class ScriptReplaced(Answer):
    server_now: str


class HostMessage(Answer):
    id: int
    text: str
    sent_at: str | None
    dismissed_at: str | None


class HostMessages(Answer):
    messages: list[HostMessage]


class HostMessagesQuery(Query):
    all: str | None = Field(None, description="1、true 或 yes：也列已撤下的")


class Dismissed(Answer):
    dismissed: list[int]
