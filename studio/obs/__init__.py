"""OBS Studio over obs-websocket v5: the connection owner, director page, overlays, markers, live video.

init_app wires it into the app. The question overlay asks signals.question_text for a question's
text (questions are moderation's, and no area imports another's internals).
"""
from __future__ import annotations

import logging

from flask import Flask, current_app

log = logging.getLogger(__name__)
OWNER_KEY = "fangtan_obs_owner"
BUS_KEY = "fangtan_obs_bus"


def init_app(app: Flask) -> None:
    """Attach OBS routes, snapshot parts, the marker listener, commands and the connection owner."""
    from studio.platform.events import register_event_types
    from studio.platform.signals import event_recorded, snapshot_parts

    from . import routes, services, sockets  # noqa: F401  (sockets registers its action)
    from .event_types import EVENT_TYPES
    from .cli import register_commands

    app.register_blueprint(routes.bp)
    register_event_types(EVENT_TYPES)
    snapshot_parts.connect(_snapshot_parts)
    event_recorded.connect(services.log_marker_for_event)
    register_commands(app)
    from studio.platform.signals import health_check
    health_check.connect(_health_part, app, weak=False)
    app.extensions[OWNER_KEY] = None
    app.extensions[BUS_KEY] = None

    # The owner starts with the first request a server process answers, never in CLI commands
    # (`flask db upgrade` must not grab OBS). WORKER=external leaves it to `flask obs run`.
    autostart = app.config.get("OBS_OWNER_AUTOSTART", not app.testing)
    if app.config.get("OBS_URL") and app.config.get("WORKER", "inprocess") == "inprocess" and autostart:
        @app.before_request
        def _start_obs_owner():
            if app.extensions.get(OWNER_KEY) is None:
                start_owner(app)


def switch_scene(session, scene_name: str, user_id: int | None) -> dict:
    """Put an OBS scene on the programme output through the owner and wait for OBS's answer.

    Public for other areas (venues puts a venue's scene on air): the same checks, command row and
    wait as POST /api/obs/scene; commits the row, raises the same errors."""
    from studio.platform.db import Session

    from . import services

    status = services.require_connected(session, bool(current_app.config.get("OBS_URL")))
    kind, payload = services.scene_command(status, {"scene_name": scene_name})
    command = services.enqueue_command(session, kind, payload, user_id)
    session.commit()
    return services.wait_for_command(Session, command.id)


def start_owner(app: Flask):
    """Start this process's OBS owner task (idempotent)."""
    from .owner import ObsOwner

    owner = app.extensions.get(OWNER_KEY)
    if owner is None:
        owner = ObsOwner(app, get_bus(app))
        app.extensions[OWNER_KEY] = owner
        owner.start()
    return owner


def get_bus(app: Flask | None = None):
    """This process's command bus (bus.py), created and started on first use."""
    from .bus import CommandBus

    app = app or current_app._get_current_object()
    bus = app.extensions.get(BUS_KEY)
    if bus is None:
        bus = app.extensions[BUS_KEY] = CommandBus(app)
        bus.start()
    return bus


def _snapshot_parts(session, interview, audience: str) -> dict:
    """Snapshot parts "obs" (staff only, else None) and "stream" (signals.snapshot_parts)."""
    from . import services

    return {"obs": services.staff_snapshot(session, interview, audience),
            "stream": services.stream_snapshot(session, interview, audience)}


def _health_part(_app) -> dict:
    return {"obs": health_state()}


def health_state() -> str:
    """connected / disconnected / disabled, for /healthz (from the shared status row)."""
    from studio.platform.db import Session

    from .services import health_from_status, read_status

    configured = bool(current_app.config.get("OBS_URL"))
    if not configured:
        return "disabled"
    try:
        return health_from_status(read_status(Session()), configured)
    except Exception:  # noqa: BLE001 - health must answer even before migrations
        log.exception("reading OBS status for /healthz")
        Session.rollback()
        return "disconnected"
