"""Netizen questions, screening and sensitive words (issue 3).

init_app attaches the HTTP routes and pages, the /studio socket actions, the event types and
the snapshot part "questions". moderation imports studio; studio never imports moderation.
"""
from flask import Flask

from studio.platform.events import add_event_listener, register_event_type, register_snapshot_part
from studio.obs import register_question_text_lookup

EVENT_TYPES = (
    ("question.edited", False, "a question's wording was fixed (staff JSON, original kept)"),
    ("question.updated", True, "a shown question changed: wording or askers (public JSON)"),
    ("question.withdrawn", True, "a shown question was rejected or merged after all: {id}"),
    ("question.merged", False, "a question was merged into another (staff JSON + into)"),
    ("question.marked", False, "labels or star changed (staff JSON)"),
    ("question.pushed", False, "a question joined the host queue (staff JSON)"),
    ("question.unpushed", False, "a question left the host queue, still approved (staff JSON)"),
    ("question.reordered", False, "the host queue's order changed: {order, versions}"),
    ("question.claimed", False, "a moderator claimed or released a question: {id, claimed_by}"),
    ("question.reply_assigned", False, "a question was routed to a unit for a written reply (staff JSON)"),
    ("question.replied", True, "a written reply (答复) was published (public JSON with reply)"),
)


def _questions_snapshot(session, interview, audience: str) -> dict:
    from . import services

    intake = services.intake_state(interview)
    if audience == "public":
        return {"items": services.public_questions(session, interview.id), "intake": intake}
    return {"items": services.list_questions(session, interview.id), "intake": intake,
            "counts": services.counters(session, interview.id),
            "settings": services.settings_json(services.get_settings(session, interview.id))}


def init_app(app: Flask) -> None:
    """Attach the moderation routes, socket actions and snapshot parts to the app."""
    from . import routes, services, sockets  # noqa: F401  (sockets registers its actions on import)

    # A mistyped QUESTION_RATE_LIMIT must stop the server at start, not fail every submission.
    services.parse_rate_limit(app.config.get("QUESTION_RATE_LIMIT"))

    for name, public, doc in EVENT_TYPES:
        register_event_type(name, public, doc)
    register_snapshot_part("questions", _questions_snapshot)
    add_event_listener(services.on_interview_event)
    register_question_text_lookup(overlay_text_for_question)
    if "moderation" not in app.blueprints:
        app.register_blueprint(routes.bp)
    app.jinja_env.globals["viewer_questions"] = viewer_questions


def overlay_text_for_question(session, question_id: int) -> dict | None:
    """What the on-air question overlay in OBS shows: the screened text, never the contact."""
    from .models import Question

    question = session.get(Question, question_id)
    if question is None:
        return None
    return {"text": question.text, "nickname": question.nickname, "interview_id": question.interview_id}


def viewer_questions(interview_id: int) -> dict:
    """For the viewer page's first paint (a Jinja global): approved questions and the intake state."""
    from studio.platform.db import Session
    from studio.platform.models import Interview

    from . import services

    session = Session()
    interview = session.get(Interview, interview_id)
    if interview is None:
        return {"items": [], "intake": {"accepting": False, "message": ""}}
    return {"items": services.public_questions(session, interview_id), "intake": services.intake_state(interview)}
