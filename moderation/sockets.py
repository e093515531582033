"""Socket actions on /studio for the screening console (thin: authorise, call a service, ack)."""
from __future__ import annotations

from studio.db import Session
from studio.errors import ValidationError
from studio.sockets import socket_action

from . import services


def _question(data: dict):
    question_id = data.get("question_id")
    if isinstance(question_id, bool) or not isinstance(question_id, int):
        raise ValidationError("question_id 必须是整数", code="invalid_question_id")
    return services.get_question(Session(), question_id)


@socket_action("question.claim", namespace="/studio", roles=("moderator",))
def claim_action(data, user):
    """Claim a question while handling it: {question_id} → {question_id, claimed_by}."""
    session = Session()
    q = services.claim_question(session, _question(data), user)
    session.commit()
    return {"question_id": q.id, "claimed_by": {"id": user.id, "name": user.display_name or user.username}}


@socket_action("question.release", namespace="/studio", roles=("moderator",))
def release_action(data, user):
    """Give up one's claim on a question: {question_id}."""
    session = Session()
    q = services.release_question(session, _question(data), user)
    session.commit()
    return {"question_id": q.id}
