"""Government open day (政府开放日, issue 13): registration (报名) with its review, the accepted
list for the door, questionnaires (问卷调查) answered on phones, and afterwards the activity report
and the opinions collected with their feedback.

An area in the shape of issue 9: its own models, plain services (registration, survey, report),
routes with their templates and static files, and init_app. It uses other areas only through
their public names (moderation's sensitive_word_screen for free text and parse_rate_limit for the
rate limit's setting, the programme's deadline rules, publishing's publish_text_only) and the
event log.
"""
from __future__ import annotations

from flask import Flask

from studio.platform.events import register_event_types
from studio.platform.signals import viewer_page_context

from .event_types import EVENT_TYPES


def init_app(app: Flask) -> None:
    from . import routes

    register_event_types(EVENT_TYPES)
    if "openday" not in app.blueprints:
        app.register_blueprint(routes.bp)
    viewer_page_context.connect(openday_after)


def openday_after(_app, session, interview) -> dict:
    """For the viewer page of an open day (signals.viewer_page_context): the published report
    summary and feedback, for openday/_after.html."""
    if interview.kind != "open_day":
        return {}
    from .after import public_after

    return {"openday_after": public_after(session, interview)}
