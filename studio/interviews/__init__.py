"""Interviews: the plan rows that become live programmes, their states, and the admin pages."""
from .services import (ADMIN_MOVES, STATE_LABELS, STUDIO_MOVES, TRANSITIONS, apply_changes,  # noqa: F401
                       change_state, clean_text, create_interview, guest_json, interview_json,
                       list_interviews, request_state, unit_by_name, update_interview)
from studio.platform.streams import PUBLIC_STATES, get_interview, lock_interview  # noqa: F401


def init_app(app) -> None:
    from . import pages, services
    app.register_blueprint(services.bp)
    app.register_blueprint(pages.bp)
