"""Government open day (政府开放日, issue 13): registration (报名) with its review, the accepted
list for the door, questionnaires (问卷调查) answered on phones, and afterwards the activity report
and the opinions collected with their feedback.

An area in the shape of issue 9: its own models, plain services (registration, survey, report),
routes with their templates and static files, and init_app. It uses other areas only through
their public functions (moderation.wordlist for screening free text, moderation.services for the
rate limit's setting, the programme's deadlines) and the event log.
"""
from __future__ import annotations

from flask import Flask

from studio.platform.events import register_event_type

EVENT_TYPES = (
    ("openday.application_submitted", False, "an open day application (报名) arrived: {id, name, identity_group, "
                                             "reason, status} (staff only; never the phone)"),
    ("openday.application_reviewed", False, "an application was accepted, waitlisted or declined: the application "
                                            "and {reason} (staff only)"),
    ("survey.changed", True, "a questionnaire was opened, closed or its results shown: the survey (counts "
                             "only while results_public)"),
    ("survey.answered", False, "a device answered a questionnaire: {survey_id, responses, results} (staff only)"),
    ("survey.results", True, "a questionnaire's counts for viewers while staff show them: {survey_id, "
                             "responses, results}"),
    ("openday.feedback_published", True, "the feedback on the opinions collected (意见反馈) was published or "
                                         "corrected: {text, published_at}"),
)


def init_app(app: Flask) -> None:
    from . import routes

    for name, public, doc in EVENT_TYPES:
        register_event_type(name, public, doc)
    if "openday" not in app.blueprints:
        app.register_blueprint(routes.bp)

    def openday_after(interview_id: int) -> dict:
        """For the viewer page of an open day: the published report summary and feedback."""
        from studio.platform.db import Session
        from studio.interviews import get_interview
        from .after import public_after

        return public_after(Session(), get_interview(Session(), interview_id, staff=False))

    app.add_template_global(openday_after, "openday_after")
