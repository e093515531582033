"""OBS Studio over obs-websocket v5: the connection owner, director page, overlays, markers, live video.

init_app wires it into the app; other packages use register_question_text_lookup (moderation
tells the question overlay how to read a question's text, since studio must not import it).
"""
from __future__ import annotations

import logging

from flask import Flask, current_app

from .services import register_question_text_lookup  # noqa: F401  (public hook)

log = logging.getLogger(__name__)
OWNER_KEY = "fangtan_obs_owner"
BUS_KEY = "fangtan_obs_bus"


def init_app(app: Flask) -> None:
    """Attach OBS routes, snapshot parts, the marker listener, commands and the connection owner."""
    from studio.platform.events import add_event_listener, register_snapshot_part

    from . import routes, services, sockets  # noqa: F401  (sockets registers its action)
    from .cli import register_commands

    app.register_blueprint(routes.bp)
    register_snapshot_part("obs", services.staff_snapshot)
    register_snapshot_part("stream", services.stream_snapshot)
    add_event_listener(services.log_marker_for_event)
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
