"""HTTP of caption timings (thin)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from studio.platform.auth import require_permission
from studio.platform.db import Session
from studio.platform.http import declare
from studio.interviews import get_interview
from . import services
from .permissions import PERMISSIONS
from .schemas import Timings, TimingsOut, TimingsWithScript

bp = Blueprint("policy", __name__, static_folder="static", static_url_path="/static/policy")



@bp.get("/api/interviews/<id:interview_id>/caption-timings")
@require_permission(PERMISSIONS["time_captions"])
@declare(resp={200: TimingsWithScript})
def caption_timings_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id)
    data = services.timings_json(services.get_timings(session, interview_id), interview_id)
    return jsonify({**data, "script_lines": services.script_lines(session, interview_id)})


@bp.put("/api/interviews/<id:interview_id>/caption-timings")
@require_permission(PERMISSIONS["time_captions"])
@declare(body=Timings, resp={200: TimingsOut})
def save_caption_timings_api(interview_id: int, body: Timings):
    session = Session()
    get_interview(session, interview_id)
    row = services.save_timings(session, interview_id, body.model_dump(exclude_unset=True), g.user.id)
    session.commit()
    return jsonify(services.timings_json(row, interview_id))
