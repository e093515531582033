"""HTTP for OBS: the state, the director's commands, the program preview, the director page.

Handlers are thin: check the role, validate through services, store the command row, hand it
to the connection owner and wait for its answer (services.wait_for_command, bus.py).
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, render_template

from studio.platform.auth import require_page_permission, require_permission
from studio.platform.db import Session
from studio.platform.http import AnyObject, declare
from studio.interviews import get_interview, interview_json

from . import services
from .schemas import Commanded, LowerThird, ObsState, OutputAction, QuestionOverlay, SceneChoice, Screenshot
from .permissions import PERMISSIONS

bp = Blueprint("obs", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/obs")


def _configured() -> bool:
    return bool(current_app.config.get("OBS_URL"))


def _run(build, timeout: float = services.COMMAND_TIMEOUT_S):
    """Validate with build(session, status) -> (kind, payload), queue it, wait, answer the new state."""
    session = Session()
    status = services.require_connected(session, _configured())
    kind, payload = build(session, status)
    command = services.enqueue_command(session, kind, payload, g.user.id)
    session.commit()
    result = services.wait_for_command(Session, command.id, timeout=timeout)
    state = services.obs_state_json(services.read_status(Session()), True)
    return jsonify({**state, "result": result})


@bp.get("/api/obs")
@require_permission(PERMISSIONS["read_obs"])
@declare(resp={200: ObsState})
def obs_state_api():
    return jsonify(services.obs_state_json(services.read_status(Session()), _configured()))


@bp.post("/api/obs/scene")
@require_permission(PERMISSIONS["drive_obs"])
@declare(body=SceneChoice, resp={200: Commanded})
def obs_scene_api(body: SceneChoice):
    body = body.given()
    return _run(lambda session, status: services.scene_command(status, body))


@bp.post("/api/obs/record")
@require_permission(PERMISSIONS["drive_obs"])
@declare(body=OutputAction, resp={200: Commanded})
def obs_record_api(body: OutputAction):
    body = body.given()
    return _run(lambda session, status: services.output_command("record", status, body))


@bp.post("/api/obs/stream")
@require_permission(PERMISSIONS["drive_obs"])
@declare(body=OutputAction, resp={200: Commanded})
def obs_stream_api(body: OutputAction):
    body = body.given()
    return _run(lambda session, status: services.output_command("stream", status, body))


@bp.post("/api/obs/lower-third")
@require_permission(PERMISSIONS["drive_obs"])
@declare(body=LowerThird, resp={200: Commanded})
def obs_lower_third_api(body: LowerThird):
    body = body.given()
    return _run(lambda session, status: services.lower_third_command(session, body))


@bp.post("/api/obs/question-overlay")
@require_permission(PERMISSIONS["drive_obs"])
@declare(body=QuestionOverlay, resp={200: Commanded})
def obs_question_overlay_api(body: QuestionOverlay):
    body = body.given()
    return _run(lambda session, status: services.question_overlay_command(session, body))


@bp.post("/api/obs/screenshot")
@require_permission(PERMISSIONS["drive_obs"])
@declare(body=Screenshot, body_optional=True, resp={200: AnyObject})
def obs_screenshot_api(body: Screenshot):
    session = Session()
    services.require_connected(session, _configured())
    kind, payload = services.screenshot_command(body.given())
    command = services.enqueue_command(session, kind, payload, g.user.id)
    session.commit()
    return jsonify(services.wait_for_command(Session, command.id))


@bp.post("/api/obs/bootstrap")
@require_permission(PERMISSIONS["bootstrap_obs"])
@declare(resp={200: Commanded})
def obs_bootstrap_api():
    """Admin: the same as `flask --app server obs bootstrap`, through the connection owner."""
    return _run(lambda session, status: ("bootstrap", {}), timeout=60)


@bp.get("/studio/<id:interview_id>/director")
@require_page_permission(PERMISSIONS["drive_obs"])
def director_page(interview_id: int):
    interview = get_interview(Session(), interview_id)
    return render_template("director.html", interview=interview_json(interview, staff=True),
                           obs_enabled=_configured())
