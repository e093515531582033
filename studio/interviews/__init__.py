"""Interviews: the plan rows that become live programmes, their states, and the admin pages."""
from .services import (ADMIN_MOVES, STATE_LABELS, STUDIO_MOVES, TRANSITIONS, apply_changes,  # noqa: F401
                       change_state, clean_text, create_interview, guest_json, interview_json,
                       list_interviews, request_state, unit_by_name, update_interview)
from studio.platform.streams import PUBLIC_STATES, get_interview, lock_interview  # noqa: F401


def init_app(app) -> None:
    from studio.platform.events import register_event_types
    from studio.platform.signals import snapshot_parts

    from . import pages, services
    from .event_types import EVENT_TYPES

    register_event_types(EVENT_TYPES)
    snapshot_parts.connect(services.snapshot_part)
    app.register_blueprint(services.bp)
    app.register_blueprint(pages.bp)
