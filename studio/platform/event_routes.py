"""GET /api/interviews/<id>/events?after=SEQ: the HTTP form of resume."""
from flask import Blueprint, g, jsonify
from pydantic import Field

from .db import Session
from .http import Query, declare, error_code
from .events import PUBLIC, STAFF, build_snapshot, replay_events
from .streams import get_interview

bp = Blueprint("events", __name__)


class EventsQuery(Query):
    after: int = Field(0, ge=0, strict=False, json_schema_extra=error_code("invalid_seq"),
                       description="上次收到的 seq；超出保留范围时答 410（改取 snapshot）")


@bp.get("/api/interviews/<id:interview_id>/events")
@declare(query=EventsQuery)
def events_api(interview_id: int, query: EventsQuery):
    staff = g.get("user") is not None
    get_interview(Session(), interview_id, staff)
    events, last_seq = replay_events(Session(), interview_id, query.after, STAFF if staff else PUBLIC)
    return _public_cacheable(jsonify({"events": events, "last_seq": last_seq}), staff)


@bp.get("/api/interviews/<id:interview_id>/snapshot")
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
