"""The feed's event types and their payloads (what studio/feed/services.py records)."""
from __future__ import annotations

from typing import Literal

from studio.platform.events import EventType, Payload


class FeedImage(Payload):
    """A feed photo: the full picture and its thumbnail."""
    id: int
    url: str
    thumb_url: str
    width: int
    height: int


class _FeedEntryBase(Payload):
    id: int
    interview_id: int
    seq: int
    at: str
    updated_at: str
    revision: int


class FeedEntryTombstone(_FeedEntryBase):
    """A withdrawn entry as the public sees it: only that it is gone (entry_json, deleted)."""
    deleted: Literal[True]
    pinned: Literal[False]


class FeedEntryPayload(_FeedEntryBase):
    """A feed entry (entry_json): the same for staff and public while it is not withdrawn. On
    feed.posted `seq` is the event's own seq (0 while it is recorded, set right after)."""
    deleted: Literal[False]
    speaker: str
    speaker_label: str
    speaker_name: str
    guest_id: int | None
    text: str
    image: FeedImage | None
    pinned: bool
    edited: bool
    venue_id: int | None


def _entry_event(name: str, doc: str) -> EventType:
    return EventType(name, True, doc, FeedEntryPayload, FeedEntryTombstone, "feed")


EVENT_TYPES = (
    _entry_event("feed.posted", "a live feed entry was posted"),
    _entry_event("feed.edited", "a feed entry was corrected"),
    EventType("feed.deleted", True, "a feed entry was withdrawn", FeedEntryTombstone, None, "feed"),
    _entry_event("feed.pinned", "a feed entry was pinned or unpinned"),
)
