"""GET /api/interviews/<id>/events?after=SEQ: the HTTP form of resume."""
from flask import Blueprint, g, jsonify, request

from .db import Session
from .errors import ValidationError
from .events import PUBLIC, STAFF, build_snapshot, replay_events
from .streams import get_interview

bp = Blueprint("events", __name__)


@bp.get("/api/interviews/<int:interview_id>/events")
def events_api(interview_id: int):
    staff = g.get("user") is not None
    get_interview(Session(), interview_id, staff)
    raw = request.args.get("after", "0")
    if not raw.isdigit():
        raise ValidationError("after 必须是非负整数", code="invalid_seq")
    events, last_seq = replay_events(Session(), interview_id, int(raw), STAFF if staff else PUBLIC)
    return _public_cacheable(jsonify({"events": events, "last_seq": last_seq}), staff)


@bp.get("/api/interviews/<int:interview_id>/snapshot")
def snapshot_api(interview_id: int):
    staff = g.get("user") is not None
    get_interview(Session(), interview_id, staff)
    snapshot, last_seq = build_snapshot(interview_id, STAFF if staff else PUBLIC)
    return _public_cacheable(jsonify({"snapshot": snapshot, "last_seq": last_seq}), staff)


def _public_cacheable(resp, staff: bool):
    """The public answer is the same for every viewer: nginx (and the browser) may keep it 1 s,
    so a reconnect storm reaches the app as about one request per second (docs/api/fanout.md)."""
    if not staff:
        resp.headers["Cache-Control"] = "public, max-age=1"
    return resp
