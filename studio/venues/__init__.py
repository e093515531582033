"""Venues (主会场 + N, issue 13): each venue of a broadcast gets its own RTMP ingest key under
RTMP_URL's application and its own HLS playlist; `obs bootstrap` adds a scene per venue pulling
its stream; the director puts a venue on air (OBS switches through the OBS owner's command path);
viewers see which venue is on air and may watch another.

An area in the shape of issue 9: models, plain services, routes and init_app; it reaches OBS only
through studio.obs's public service functions and bootstrap's scene-provider hook.
"""
from __future__ import annotations

from flask import Flask

from studio.platform.events import register_event_type, register_snapshot_part


def init_app(app: Flask) -> None:
    from ..obs.bootstrap import Item, register_scene_provider
    from . import routes, services

    register_event_type("venue.on_air", True, "a venue was put on the programme output: the venue "
                                              "{id, name, is_main, on_air, hls_url, obs_scene}")
    if "venues" not in app.blueprints:
        app.register_blueprint(routes.bp)
    config = app.config
    register_snapshot_part("venues", lambda session, interview, audience:
                           services.snapshot(session, interview, audience, config))

    def venue_scenes(width: int, height: int) -> dict:
        from studio.platform.db import Session

        scenes = services.obs_scenes(Session(), config, width, height)
        return {scene: [Item(s["source"], s["kind"], s["settings"]) for s in items] for scene, items in scenes.items()}

    register_scene_provider(venue_scenes)
