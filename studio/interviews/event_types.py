"""The interviews area's event types and their payloads (studio/interviews/services.py)."""
from __future__ import annotations

from pydantic import Field

from studio.platform.events import EventType, Payload


class InterviewUnit(Payload):
    id: int
    name: str
    is_lead: bool


class InterviewGuest(Payload):
    """A guest as everyone sees it (guest_json)."""
    id: int
    name: str
    title: str
    bio: str
    photo_url: str | None
    photo_image_id: int | None


class PublicInterview(Payload):
    """The interview's public fields (interview_json(staff=False)); `last_seq` is the seq before
    this event (the client's own last seq is the event's)."""
    id: int
    title: str
    topic: str
    description: str
    state: str
    year: int | None
    scheduled_at: str | None
    scheduled_month: int | None
    units: list[InterviewUnit]
    guests: list[InterviewGuest]
    hosts: list[str]
    questions_open_at: str | None
    questions_close_at: str | None
    started_at: str | None
    ended_at: str | None
    published_at: str | None
    last_seq: int
    kind: str
    policy_title: str
    policy_url: str


class StateChanged(Payload):
    """The move and the times it set."""
    from_: str = Field(alias="from", description="the state before")
    state: str = Field(description="planned / preview / live / ended / published")
    started_at: str | None
    ended_at: str | None
    published_at: str | None


EVENT_TYPES = (
    EventType("interview.state_changed", True, "planned/preview/live/ended/published", StateChanged, None,
              "interviews"),
    EventType("interview.updated", True, "title, schedule, units or guests changed", PublicInterview, None,
              "interviews"),
)
