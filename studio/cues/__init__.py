"""Cue cards (主持人提示卡) and the host console: script upload and split, navigation with shared
timers, card edits, backstage messages from the moderator to the host."""
from __future__ import annotations

from flask import Flask

from studio.platform.areas import lazy_public_names
from studio.platform.events import register_event_types
from studio.platform.signals import event_recorded, snapshot_parts

# Public to other areas (imported on first use: studio.platform.areas). The programme's script
# review reads uploads as the host's script upload does and, on approval, makes the cue cards.
__getattr__ = lazy_public_names(__name__, {
    "read_upload": "parsing",        # a .docx/.txt upload as text
    "decode_text": "parsing",        # pasted bytes as text
    "clean_script_text": "parsing",  # the script text as stored
    "replace_script": "services",    # the same service PUT …/script uses
})

from .event_types import EVENT_TYPES


def init_app(app: Flask) -> None:
    """Attach the cue routes, host page, socket actions, event types and the "cues" snapshot part."""
    from . import routes, services, sockets  # noqa: F401  (sockets registers its handlers on import)

    register_event_types(EVENT_TYPES)
    snapshot_parts.connect(_snapshot_part)
    event_recorded.connect(services.on_interview_event)
    if "cues" not in app.blueprints:
        app.register_blueprint(routes.bp)


def _snapshot_part(session, interview, audience: str) -> dict:
    """Snapshot part "cues" (signals.snapshot_parts)."""
    from . import services

    return {"cues": services.cues_snapshot(session, interview, audience)}
