"""Netizen questions, screening and sensitive words (issue 3).

init_app attaches the HTTP routes and pages, the /studio socket actions, the event types and
connects its receivers to the platform's signals (the snapshot part "questions", the event
listener, the OBS overlay's question text, the archive's questions, the viewer page's questions).
Other areas import only the public names below.
"""
from flask import Flask

from studio.platform.events import register_event_types
from studio.platform.signals import (archive_questions, event_recorded, question_text, snapshot_parts,
                                    viewer_page_context)

from .event_types import EVENT_TYPES

# Moderation's public names for other areas (they import these, never moderation's modules).
from .intake import parse_rate_limit  # the QUESTION_RATE_LIMIT parser (openday reads it too)
from .replies import list_answered_for_archive, reply_due  # the archive's questions; a reply's due
from .text import match_key  # the duplicate key (openday groups the opinions collected by it)


def sensitive_word_screen(session):
    """text -> the sensitive words in it, with the word list compiled once per version: public so
    other areas screen free text as questions are screened (openday's survey answers)."""
    from . import wordlist

    matcher = wordlist.matcher(session)
    return lambda text: wordlist.find_sensitive_words(text, matcher)


def _questions_snapshot(session, interview, audience: str) -> dict:
    from . import lists, question_settings
    from .intake import intake_state

    intake = intake_state(interview)
    if audience == "public":
        return {"items": lists.public_questions(session, interview.id), "intake": intake}
    return {"items": lists.list_questions(session, interview.id), "intake": intake,
            "counts": lists.counters(session, interview.id),
            "settings": question_settings.settings_json(question_settings.get_settings(session, interview.id))}


def _snapshot_part(session, interview, audience: str) -> dict:
    """Snapshot part "questions" (signals.snapshot_parts)."""
    return {"questions": _questions_snapshot(session, interview, audience)}


def init_app(app: Flask) -> None:
    """Attach the moderation routes, socket actions and snapshot parts to the app."""
    from . import routes, screening, sockets  # noqa: F401  (sockets registers its actions on import)

    # A mistyped QUESTION_RATE_LIMIT must stop the server at start, not fail every submission.
    parse_rate_limit(app.config.get("QUESTION_RATE_LIMIT"))

    register_event_types(EVENT_TYPES)
    snapshot_parts.connect(_snapshot_part)
    event_recorded.connect(screening.on_interview_event)
    question_text.connect(overlay_text_for_question)  # the OBS question overlay's text
    archive_questions.connect(list_answered_for_archive)  # the archive's 网友提问 and replies
    if "moderation" not in app.blueprints:
        app.register_blueprint(routes.bp)
    viewer_page_context.connect(viewer_questions)


def overlay_text_for_question(session, question_id: int) -> dict | None:
    """What the on-air question overlay in OBS shows: the screened text, never the contact."""
    from .models import Question

    question = session.get(Question, question_id)
    if question is None:
        return None
    return {"text": question.text, "nickname": question.nickname, "interview_id": question.interview_id}


def viewer_questions(_app, session, interview) -> dict:
    """The viewer page's first paint of its questions partial (signals.viewer_page_context):
    approved questions and the intake state."""
    from . import lists
    from .intake import intake_state

    return {"viewer_questions": {"items": lists.public_questions(session, interview.id),
                                 "intake": intake_state(interview)}}
