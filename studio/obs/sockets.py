"""What the OBS owner pushes to staff pages over Socket.IO besides sequenced events.

`obs.telemetry` is the whole OBS state with the live figures (timecode, bitrate, dropped
frames, congestion), sent to every /studio client about once a second and after each change.
It is not an event of an interview: nothing in it must survive a reload (a fresh page gets the
same from its snapshot or GET /api/obs), so it takes no sequence number.
"""
from __future__ import annotations

from studio.platform.extensions import socketio

TELEMETRY = "obs.telemetry"


def broadcast_obs_telemetry(state: dict) -> None:
    """Send the current OBS state to every connected staff page."""
    socketio.emit(TELEMETRY, state, namespace="/studio")


def _register_actions() -> None:
    from studio.platform.db import Session
    from studio.platform.sockets import socket_action

    from . import services
    from .permissions import PERMISSIONS

    @socket_action("obs.onair", namespace="/studio", roles=PERMISSIONS["see_on_air"])
    def obs_onair(data, user):
        """The on-air badge's first state: {state: {enabled, connected, stream, record, server_time}}."""
        from flask import current_app

        state = services.obs_state_json(services.read_status(Session()), bool(current_app.config.get("OBS_URL")),
                                        with_stats=False)
        keep = ("enabled", "connected", "stream", "record", "server_time")
        return {"state": {key: state[key] for key in keep}}


_register_actions()
