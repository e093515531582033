"""What the cue routes read and answer, declared once (studio.platform.http.declare).

The models type the fields with the services' own code (invalid_field, invalid_action); what a
value means (an index in range, a card kind, a revision that is still current, a text's length)
stays in cues/services.py. The script upload takes several forms (text/plain, JSON {text, name},
a .docx or a multipart file) and reads them itself: declare documents each (view_reads_body).
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from studio.platform.http import Body, Query, error_code

_INVALID = error_code("invalid_field")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _text_or_absent(value):
    return value if isinstance(value, str) else None


class ScriptJson(Body):
    """PUT /api/interviews/<id>/script as JSON; also text/plain, a .docx body or multipart (ScriptForm)."""
    text: str = Field(json_schema_extra=_INVALID, description="访谈稿全文")
    # A name that is not text is left out (the script is named 粘贴文本), as it always was.
    name: Annotated[str | None, BeforeValidator(_text_or_absent)] = Field(None, description="稿件名称，默认“粘贴文本”")


class ScriptForm(BaseModel):
    """The script as multipart/form-data: a file, or pasted text."""
    file: bytes | None = Field(None, json_schema_extra={"format": "binary"}, description="访谈稿 .docx、.txt 或 .md")
    text: str | None = Field(None, description="没有文件时：粘贴的全文")
    csrf_token: str | None = Field(None, description="也可用 X-CSRF-Token 请求头")


# The script's other forms: the text itself (UTF-8 unless a charset says otherwise) or a .docx.
SCRIPT_BODIES = {"text/plain": {"type": "string"}, "text/markdown": {"type": "string"},
                 DOCX: {"type": "string", "format": "binary"}}


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
