"""The cue area's event types and their payloads (studio/cues/services.py)."""
from __future__ import annotations

from pydantic import Field

from studio.platform.events import EventType, Payload


class CueUser(Payload):
    """Who did it (user_ref)."""
    id: int | None
    display_name: str
    role: str


class CueCardPayload(Payload):
    """One cue card (card_json); `index` is its 0-based place."""
    id: int
    index: int
    kind: str
    speaker: str
    section: str
    title: str
    text: str
    planned_s: int
    planned_source: str
    actual_s: float
    revision: int


class LeftCard(Payload):
    """The card just left, with the time now spent on it."""
    id: int
    index: int
    actual_s: float


class CueScriptInfo(Payload):
    source_name: str
    source_kind: str
    chars: int
    revision: int
    uploaded_at: str | None
    uploaded_by: int | None


class _Position(Payload):
    current: int
    count: int
    version: int
    card: CueCardPayload | None
    next_card: CueCardPayload | None
    started_at: str | None = Field(description="the card's start (the contract's name)")
    card_started_at: str | None
    show_started_at: str | None
    show_ended_at: str | None
    planned_offset_s: int
    planned_total_s: int


class CueChanged(_Position):
    """The position and timers after a move (position_json without server_now)."""
    action: str = Field(description="next / prev / goto / start / reset")
    left: LeftCard | None
    by: CueUser | None


class CueCardsChanged(_Position):
    """Every card and the position (cues_json without host_messages and server_now)."""
    cards: list[CueCardPayload]
    script: CueScriptInfo | None
    reason: str
    by: CueUser | None


class HostMessageFrom(Payload):
    id: int | None
    display_name: str
    role: str


class HostMessage(Payload):
    """A backstage message (message_json)."""
    id: int
    text: str
    sent_at: str
    from_: HostMessageFrom = Field(alias="from")
    dismissed_at: str | None
    dismissed_by: int | None


class HostMessagesDismissed(Payload):
    ids: list[int]
    by: CueUser | None


EVENT_TYPES = (
    EventType("cue.changed", False, "the current cue card changed (staff only)", CueChanged, None, "cues"),
    EventType("cue.cards_changed", False, "the script was uploaded or cards were edited, inserted, deleted or "
                                          "reordered (staff only; carries every card and the position)",
              CueCardsChanged, None, "cues"),
    EventType("host.message", False, "a backstage message to the host (staff only)", HostMessage, None, "cues"),
    EventType("host.message_dismissed", False, "the host dismissed backstage messages (staff only)",
              HostMessagesDismissed, None, "cues"),
)
