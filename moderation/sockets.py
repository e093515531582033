"""Socket actions on /studio for the screening console (thin: authorise, call a service, ack)."""
from __future__ import annotations

from flask import request

from studio.platform.db import Session
from studio.platform.errors import ValidationError
from studio.platform.sockets import on_socket_disconnect, socket_action

from . import lists, screening
from .permissions import PERMISSIONS

# sid -> (user id, question ids) of the claims made through that socket, in this process (a
# socket's actions and its disconnect are handled by the process holding the socket). A claim
# is given up when its console reloads or closes, not only when CLAIM_SECONDS run out.
_claims_by_socket: dict[str, tuple[int, set[int]]] = {}


def _question(data: dict):
    question_id = data.get("question_id")
    if isinstance(question_id, bool) or not isinstance(question_id, int):
        raise ValidationError("question_id 必须是整数", code="invalid_question_id")
    return lists.get_question(Session(), question_id)


@socket_action("question.claim", namespace="/studio", roles=PERMISSIONS["screen_questions"])
def claim_action(data, user):
    """Claim a question while handling it: {question_id} → {question_id, claimed_by}."""
    session = Session()
    q = screening.claim_question(session, _question(data), user)
    session.commit()
    _claims_by_socket.setdefault(request.sid, (user.id, set()))[1].add(q.id)
    return {"question_id": q.id, "claimed_by": {"id": user.id, "name": user.display_name or user.username}}


@socket_action("question.release", namespace="/studio", roles=PERMISSIONS["screen_questions"])
def release_action(data, user):
    """Give up one's claim on a question: {question_id}."""
    session = Session()
    q = screening.release_question(session, _question(data), user)
    session.commit()
    _claims_by_socket.get(request.sid, (None, set()))[1].discard(q.id)
    return {"question_id": q.id}


def release_socket_claims(sid: str) -> None:
    """The console behind `sid` went away: release the claims it still holds."""
    held = _claims_by_socket.pop(sid, None)
    if not held or not held[1]:
        return
    user_id, question_ids = held
    session = Session()
    if screening.release_claims_of(session, user_id, sorted(question_ids)):
        session.commit()


on_socket_disconnect("/studio", release_socket_claims)
