"""Socket actions on /studio for the frequent host-console moves, so a clicker press does not wait
for an HTTP round trip. Thin: validate, call a service, commit; the ack carries server_now."""
from __future__ import annotations

from studio.platform.db import Session
from studio.platform.errors import ValidationError
from studio.interviews import get_interview
from studio.platform.sockets import socket_action
from . import services
from .permissions import PERMISSIONS


def _interview_id(data: dict) -> int:
    interview_id = data.get("interview_id")
    if isinstance(interview_id, bool) or not isinstance(interview_id, int):
        raise ValidationError("interview_id 必须是整数", code="invalid_interview_id")
    get_interview(Session(), interview_id)
    return interview_id


@socket_action("cue.advance", roles=PERMISSIONS["move_cue"])
def cue_advance(data, user):
    """Move the cue: {interview_id, action: next/prev/goto/start/reset, index?, expected?}."""
    interview_id = _interview_id(data)
    session = Session()
    position = services.move_cue(session, interview_id, data.get("action"), data.get("index"),
                                 data.get("expected"), user)
    session.commit()
    return {"state": position, "server_now": services.server_now()}


@socket_action("cue.state", roles=PERMISSIONS["read_cues"])
def cue_state(data, _user):
    """The current position and timers with the server clock: {interview_id}."""
    interview_id = _interview_id(data)
    return {"state": services.current_position(Session(), interview_id), "server_now": services.server_now()}


@socket_action("host.send_message", roles=PERMISSIONS["send_host_message"])
def host_send_message(data, user):
    """Send the host a backstage message: {interview_id, text} (≤200 characters)."""
    interview_id = _interview_id(data)
    session = Session()
    message = services.send_host_message(session, interview_id, data.get("text"), user)
    session.commit()
    return {"message": services.message_json(message)}


@socket_action("host.dismiss_message", roles=PERMISSIONS["dismiss_host_message"])
def host_dismiss_message(data, user):
    """Dismiss a backstage message: {interview_id, id?} (without id: all showing)."""
    interview_id = _interview_id(data)
    session = Session()
    ids = services.dismiss_host_messages(session, interview_id, data.get("id"), user)
    session.commit()
    return {"dismissed": ids}
