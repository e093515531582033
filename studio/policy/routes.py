"""HTTP of caption timings (thin)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from studio.platform.auth import require_roles
from studio.platform.db import Session
from studio.interviews import get_interview
from . import services

bp = Blueprint("policy", __name__, static_folder="static", static_url_path="/static/policy")

PUBLISHERS = ("publisher",)  # admin always passes


@bp.get("/api/interviews/<id:interview_id>/caption-timings")
@require_roles(*PUBLISHERS)
def caption_timings_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id)
    data = services.timings_json(services.get_timings(session, interview_id), interview_id)
    return jsonify({**data, "script_lines": services.script_lines(session, interview_id)})


@bp.put("/api/interviews/<id:interview_id>/caption-timings")
@require_roles(*PUBLISHERS)
def save_caption_timings_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id)
    row = services.save_timings(session, interview_id, request.get_json(silent=True), g.user.id)
    session.commit()
    return jsonify(services.timings_json(row, interview_id))
