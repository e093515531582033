"""Venues (主会场 + N, issue 13): each venue of a broadcast gets its own RTMP ingest key under
RTMP_URL's application and its own HLS playlist; `obs bootstrap` adds a scene per venue pulling
its stream; the director puts a venue on air (OBS switches through the OBS owner's command path);
viewers see which venue is on air and may watch another.

An area in the shape of issue 9: models, plain services, routes and init_app; it reaches OBS only
through studio.obs's public switch_scene and the signals.obs_scenes contribution to `obs bootstrap`.
"""
from __future__ import annotations

from flask import Flask

from studio.platform.areas import lazy_public_names
from studio.platform.events import register_event_types
from studio.platform.signals import obs_scenes, snapshot_parts

# Public to other areas (imported on first use: studio.platform.areas).
__getattr__ = lazy_public_names(__name__, {
    "get_venue": "services",  # the feed checks the venue an entry names (404 when not this interview's)
})


def init_app(app: Flask) -> None:
    from . import routes

    from .event_types import EVENT_TYPES

    register_event_types(EVENT_TYPES)
    if "venues" not in app.blueprints:
        app.register_blueprint(routes.bp)
    snapshot_parts.connect(_snapshot_part)
    obs_scenes.connect(_obs_scenes)


def _snapshot_part(session, interview, audience: str) -> dict:
    """Snapshot part "venues" (signals.snapshot_parts; built inside a request or socket event)."""
    from flask import current_app

    from . import services

    return {"venues": services.snapshot(session, interview, audience, current_app.config)}


def _obs_scenes(app, width: int, height: int) -> dict:
    """A scene per venue for `obs bootstrap` (signals.obs_scenes)."""
    from studio.platform.db import Session

    from . import services

    return services.obs_scenes(Session(), app.config, width, height) if app is not None else {}
