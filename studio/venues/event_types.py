"""The venues area's event type and its payload (studio/venues/services.py)."""
from __future__ import annotations

from studio.platform.events import EventType, Payload


class PublicVenue(Payload):
    """A venue as viewers see it (venue_json(staff=False)): never the ingest URL."""
    id: int
    interview_id: int
    name: str
    is_main: bool
    on_air: bool
    hls_url: str | None
    obs_scene: str


EVENT_TYPES = (
    EventType("venue.on_air", True, "a venue was put on the programme output: the venue "
                                    "{id, name, is_main, on_air, hls_url, obs_scene}", PublicVenue, None, "venues"),
)
