"""Cue cards (主持人提示卡) and the host console: script upload and split, navigation with shared
timers, card edits, backstage messages from the moderator to the host."""
from __future__ import annotations

from flask import Flask

from studio.platform.events import add_event_listener, register_event_type, register_snapshot_part

EVENT_TYPES = (
    # cue.changed itself is registered by studio.platform.events (it is in the contract).
    ("cue.cards_changed", False, "the script was uploaded or cards were edited, inserted, deleted or "
                                 "reordered (staff only; carries every card and the position)"),
    ("host.message", False, "a backstage message to the host (staff only)"),
    ("host.message_dismissed", False, "the host dismissed backstage messages (staff only)"),
)


def init_app(app: Flask) -> None:
    """Attach the cue routes, host page, socket actions, event types and the "cues" snapshot part."""
    from . import routes, services, sockets  # noqa: F401  (sockets registers its handlers on import)

    for name, public, doc in EVENT_TYPES:
        register_event_type(name, public, doc)
    register_snapshot_part("cues", services.cues_snapshot)
    add_event_listener(services.on_interview_event)
    if "cues" not in app.blueprints:
        app.register_blueprint(routes.bp)
