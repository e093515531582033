"""The OBS area's event types and their payloads (studio/obs/services.py and owner.py)."""
from __future__ import annotations

from typing import Any

from studio.platform.events import EventType, Payload


class StreamState(Payload):
    """The public `stream.state`: whether the live video runs and where to play it."""
    active: bool
    hls_url: str | None = None  # only while active and HLS_URL is set


class ObsError(Payload):
    code: str
    message: str | None


class ObsStream(Payload):
    active: bool
    timecode: str
    timecode_s: float | None
    started_at: str | None


class ObsRecord(Payload):
    active: bool
    paused: bool
    timecode: str
    timecode_s: float | None
    started_at: str | None
    paused_total_s: float
    paused_at: str | None


class ObsStatePayload(Payload):
    """What the director's page shows (obs_state_json without stats: those come as telemetry)."""
    enabled: bool
    connected: bool
    error: ObsError | None
    obs_version: str | None
    websocket_version: str | None
    scenes: list[str]
    program_scene: str | None
    stream: ObsStream
    record: ObsRecord
    overlays: dict[str, Any]
    updated_at: str | None
    server_time: str


EVENT_TYPES = (
    EventType("stream.state", True, "live video started or stopped", StreamState, None, "obs"),
    EventType("obs.state", False, "OBS connection, scenes, stream and record state (staff only)",
              ObsStatePayload, None, "obs"),
)
