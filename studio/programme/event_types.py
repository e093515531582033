"""The programme's event types and their payloads (studio/programme/scripts.py)."""
from __future__ import annotations

from pydantic import Field

from studio.platform.events import EventType, Payload


class ScriptSubmitted(Payload):
    version: int
    chars: int
    submitted_by: str = Field(description="the account's name, or the liaison's")


class ScriptReviewed(Payload):
    version: int
    decision: str = Field(description="approve / return")
    comment: str
    by: str


EVENT_TYPES = (
    EventType("script.version_submitted", False, "a script version (访谈稿) was submitted: {version, chars, "
              "submitted_by} (staff only)", ScriptSubmitted, None, "programme"),
    EventType("script.version_reviewed", False, "a script version was approved or returned: {version, decision, "
              "comment, by} (staff only)", ScriptReviewed, None, "programme"),
)
