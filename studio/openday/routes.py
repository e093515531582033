"""HTTP of the open day: registration and its review, the door list, questionnaires, and the
phone pages. Thin: parse, check, call, commit."""
from __future__ import annotations

import hashlib
import re
import secrets

from flask import Blueprint, current_app, g, jsonify, render_template, request

from studio.platform.auth import client_ip, has_role, require_permission
from studio.platform.http import declare, json_body, read_body
from studio.platform.db import Session
from studio.platform.errors import Forbidden, ValidationError
from studio.interviews import get_interview, interview_json
from studio.platform.origins import origin_allowed
from . import after, exports, registration, survey
from .permissions import PERMISSIONS
from .schemas import After, AfterTexts, Application, ApplicationReview, NewSurvey, Opinions, Registrations, \
    RegistrationsQuery, RegistrationState, ReportJob, Reviewed, Settings, Submitted, SurveyAnswers, SurveyChange, \
    SurveyList, SurveyOut, SurveyResults, Thanks

bp = Blueprint("openday", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/openday")

# One permission table for the area's routes (and its tests). Admin always passes.
# The same device cookie the question form sets: one phone is one device across the viewer page.
DEVICE_COOKIE = "fangtan_device"
_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
PUBLIC_WRITE_ORIGIN_SETTINGS = ("EMBED_ORIGINS", "TRUSTED_ORIGINS")


def _public_body(model) -> dict:
    """A public write: from our own pages (Origin) and as application/json only, so another site
    cannot make a visitor's browser post a form or text/plain without a CORS preflight. Read in
    the view (declare documents it: view_reads_body), so the origin is refused before the body is
    looked at."""
    if not origin_allowed(*PUBLIC_WRITE_ORIGIN_SETTINGS):
        raise Forbidden("不接受来自其他网站的请求", code="origin_refused")
    json_body(json_only=True)
    return read_body(model).model_dump(exclude_unset=True)


def _device() -> tuple[str, bool]:
    device_id = request.cookies.get(DEVICE_COOKIE, "")
    if _DEVICE_ID.match(device_id):
        return device_id, False
    return secrets.token_urlsafe(24), True


def _with_device_cookie(resp, device_id: str, new: bool):
    if new:
        resp.set_cookie(DEVICE_COOKIE, device_id, max_age=365 * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], path="/")
    return resp


def _key(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _rate_limit():
    from moderation import parse_rate_limit  # moderation's public parser of the setting

    return parse_rate_limit(current_app.config.get("QUESTION_RATE_LIMIT"))


def _open_day(session, interview_id: int, staff: bool = True):
    interview = get_interview(session, interview_id, staff=staff)
    if interview.kind != "open_day":
        raise ValidationError("这期节目不是政府开放日", code="not_open_day", status=409)
    return interview


# ---- registration ------------------------------------------------------------------------------

@bp.get("/api/interviews/<id:interview_id>/openday")
@declare(resp={200: RegistrationState})
def openday_state_api(interview_id: int):
    session = Session()
    interview = get_interview(session, interview_id, staff=g.get("user") is not None)
    data = registration.registration_state(session, interview)
    session.commit()
    return jsonify(data)


@bp.patch("/api/interviews/<id:interview_id>/openday")
@require_permission(PERMISSIONS["manage_registrations"])
@declare(body=Settings, resp={200: RegistrationState})
def openday_settings_api(interview_id: int, body: Settings):
    session = Session()
    interview = _open_day(session, interview_id)
    registration.update_settings(session, interview, body.model_dump(exclude_unset=True))
    session.commit()
    return jsonify(registration.registration_state(session, interview))


@bp.post("/api/interviews/<id:interview_id>/registrations")
@declare(body=Application, view_reads_body=True, resp={201: Submitted})  # read after the origin check
def register_api(interview_id: int):
    body = _public_body(Application)
    device_id, new = _device()
    session = Session()
    interview = get_interview(session, interview_id, staff=False)
    ip = client_ip()
    application = registration.submit_application(
        session, interview, body, client_key=_key(ip, device_id), ip=ip, rate_limit=_rate_limit())
    session.commit()
    resp = jsonify({"id": application.id, "status": "pending",
                    "message": "报名已提交，审核结果将通过短信或电话通知您"})
    resp.status_code = 201
    return _with_device_cookie(resp, device_id, new)


@bp.get("/api/interviews/<id:interview_id>/registrations")
@require_permission(PERMISSIONS["manage_registrations"])
@declare(query=RegistrationsQuery, resp={200: Registrations})
def registrations_api(interview_id: int, query: RegistrationsQuery):
    session = Session()
    _open_day(session, interview_id)
    rows = registration.list_applications(session, interview_id, query.status)
    return jsonify({"registrations": [registration.application_json(a, phone=True) for a in rows],
                    **registration.registration_state(session, get_interview(session, interview_id))})


@bp.post("/api/registrations/<id:application_id>/review")
@require_permission(PERMISSIONS["manage_registrations"])
@declare(body=ApplicationReview, resp={200: Reviewed})
def review_api(application_id: int, body: ApplicationReview):
    session = Session()
    application = registration.get_application(session, application_id)
    changed = registration.review_application(session, application, g.user, body.model_dump(exclude_unset=True))
    session.commit()
    return jsonify({"changed": [registration.application_json(a, phone=True) for a in changed]})


@bp.get("/api/interviews/<id:interview_id>/registrations.xlsx")
@require_permission(PERMISSIONS["manage_registrations"])
def registrations_xlsx_api(interview_id: int):
    session = Session()
    interview = _open_day(session, interview_id)
    return exports.xlsx(registration.accepted_rows(session, interview_id), f"{interview.title}-入场名单.xlsx", "入场名单")


# ---- questionnaires ----------------------------------------------------------------------------

@bp.post("/api/interviews/<id:interview_id>/surveys")
@require_permission(PERMISSIONS["run_surveys"])
@declare(body=NewSurvey, resp={201: SurveyOut})
def create_survey_api(interview_id: int, body: NewSurvey):
    session = Session()
    created = survey.create_survey(session, get_interview(session, interview_id), body.model_dump(exclude_unset=True))
    session.commit()
    return jsonify(survey.staff_survey_json(session, created)), 201


@bp.get("/api/interviews/<id:interview_id>/surveys")
@declare(resp={200: SurveyList})
def surveys_api(interview_id: int):
    staff = has_role(g.get("user"), PERMISSIONS["run_surveys"])
    session = Session()
    get_interview(session, interview_id, staff=g.get("user") is not None)
    show = survey.staff_survey_json if staff else survey.public_survey_json
    return jsonify({"surveys": [show(session, s) for s in survey.list_surveys(session, interview_id, staff)]})


@bp.patch("/api/surveys/<id:survey_id>")
@require_permission(PERMISSIONS["run_surveys"])
@declare(body=SurveyChange, resp={200: SurveyOut})
def change_survey_api(survey_id: int, body: SurveyChange):
    session = Session()
    changed = survey.change_survey(session, survey.get_survey(session, survey_id), body.model_dump(exclude_unset=True))
    session.commit()
    return jsonify(survey.staff_survey_json(session, changed))


@bp.post("/api/surveys/<id:survey_id>/responses")
@declare(body=SurveyAnswers, view_reads_body=True, resp={201: Thanks})  # read after the origin check
def answer_survey_api(survey_id: int):
    body = _public_body(SurveyAnswers)
    device_id, new = _device()
    session = Session()
    target = survey.get_survey(session, survey_id)
    get_interview(session, target.interview_id, staff=False)  # a survey of an unannounced interview is not there

    from moderation import sensitive_word_screen  # the questions' screening: the same compiled word list

    survey.submit_response(session, target, body, device_key=_key(device_id), screen=sensitive_word_screen(session))
    session.commit()
    resp = jsonify({"ok": True, "message": "感谢您参与问卷调查"})
    resp.status_code = 201
    return _with_device_cookie(resp, device_id, new)


@bp.get("/api/surveys/<id:survey_id>/results")
@require_permission(PERMISSIONS["run_surveys"])
@declare(resp={200: SurveyResults})
def survey_results_api(survey_id: int):
    session = Session()
    target = survey.get_survey(session, survey_id)
    return jsonify({**survey.staff_survey_json(session, target), "text_answers": survey.text_answers(session, target)})


@bp.get("/api/surveys/<id:survey_id>/results.xlsx")
@require_permission(PERMISSIONS["run_surveys"])
def survey_xlsx_api(survey_id: int):
    session = Session()
    target = survey.get_survey(session, survey_id)
    return exports.xlsx(survey.result_rows(session, target), f"{target.title}-问卷结果.xlsx", "问卷结果")


# ---- after the open day: report, opinions, feedback --------------------------------------------

@bp.get("/api/interviews/<id:interview_id>/openday/after")
@require_permission(PERMISSIONS["write_after"])
@declare(resp={200: After})
def after_api(interview_id: int):
    session = Session()
    data = after.after_json(session, _open_day(session, interview_id), current_app.config)
    session.commit()
    return jsonify(data)


@bp.put("/api/interviews/<id:interview_id>/openday/after")
@require_permission(PERMISSIONS["write_after"])
@declare(body=AfterTexts, resp={200: After})
def after_texts_api(interview_id: int, body: AfterTexts):
    session = Session()
    interview = _open_day(session, interview_id)
    after.update_texts(session, interview, body.model_dump(exclude_unset=True))
    session.commit()
    return jsonify(after.after_json(session, interview, current_app.config))


@bp.post("/api/interviews/<id:interview_id>/openday/report/publish")
@require_permission(PERMISSIONS["write_after"])
@declare(resp={202: ReportJob})
def publish_report_api(interview_id: int):
    from publishing import job_json

    session = Session()
    job = after.publish_report(session, _open_day(session, interview_id), g.user.id)
    session.commit()
    return jsonify({"job_id": job.id, "job": job_json(job)}), 202


@bp.post("/api/interviews/<id:interview_id>/openday/feedback/publish")
@require_permission(PERMISSIONS["write_after"])
def publish_feedback_api(interview_id: int):
    session = Session()
    data = after.publish_feedback(session, _open_day(session, interview_id))
    session.commit()
    return jsonify(data)


@bp.get("/api/interviews/<id:interview_id>/openday/opinions")
@require_permission(PERMISSIONS["read_opinions"])
@declare(resp={200: Opinions})
def opinions_api(interview_id: int):
    session = Session()
    return jsonify(after.opinions(session, _open_day(session, interview_id)))


@bp.get("/api/interviews/<id:interview_id>/openday/opinions.xlsx")
@require_permission(PERMISSIONS["read_opinions"])
def opinions_xlsx_api(interview_id: int):
    session = Session()
    interview = _open_day(session, interview_id)
    return exports.xlsx(after.opinion_rows(after.opinions(session, interview)), f"{interview.title}-意见汇总.xlsx",
                        "意见汇总")


# ---- phone pages -------------------------------------------------------------------------------

@bp.get("/i/<id:interview_id>/signup")
def signup_page(interview_id: int):
    session = Session()
    interview = get_interview(session, interview_id, staff=False)
    state = registration.registration_state(session, interview)
    session.commit()
    return render_template("openday/signup.html", interview=interview_json(interview, staff=False), state=state)


@bp.get("/i/<id:interview_id>/survey")
def survey_page(interview_id: int):
    session = Session()
    interview = get_interview(session, interview_id, staff=False)
    return render_template("openday/survey.html", interview=interview_json(interview, staff=False))
