"""HTTP for questions, screening, the word list, the audit trail and written replies (thin)."""
from __future__ import annotations

import functools
import re
import secrets

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request

from studio.platform.auth import allow_body, client_ip, has_role, require_page_permission, require_permission
from studio.platform.http import declare
from studio.platform.db import Session
from studio.platform.errors import Forbidden, NotFound, ValidationError
from studio.interviews import STATE_LABELS as STATE_NAMES  # 直播中 / 已结束 …: the interview states' names
from studio.interviews import get_interview, interview_json
from studio.platform.origins import origin_allowed
from studio.platform.timefmt import iso

from . import audit, exports, intake, lists, question_settings, replies, screening, serialisation, wordlist
from .models import QUESTION_STATUSES, QUESTION_SOURCES
from .permissions import PERMISSIONS
from .schemas import (AuditEntries, AuditQuery, BulkResult, BulkScreen, Decision, ExportQuery, Merge, Order,
                      PublicQuestions, Question, QuestionEdit, QuestionList, QuestionListQuery, QuestionSubmit,
                      Receipt, Rejection, RepliesQuery, ReplyAssignment, ReplyText, ReplyUnits, QueueOrder,
                      Settings, SettingsChange, Similar, Submitted, Versioned, WORDLIST_BODIES, WordlistChange,
                      WordlistUpload)

bp = Blueprint("moderation", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/moderation")

DEVICE_COOKIE = "fangtan_device"
_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Besides the app's own origin, pages on these origins may post netizen questions: the portal
# that embeds the viewer page (EMBED_ORIGINS) and the staff's trusted origins.
PUBLIC_WRITE_ORIGIN_SETTINGS = ("EMBED_ORIGINS", "TRUSTED_ORIGINS")


def _check_public_origin() -> None:
    """A browser on another site (Origin present and not ours nor an allowed portal) is refused."""
    if not origin_allowed(*PUBLIC_WRITE_ORIGIN_SETTINGS):
        raise Forbidden("不接受来自其他网站的请求", code="origin_refused")


def public_origin_only(view):
    """_check_public_origin before the view reads anything (placed above declare: another site's
    request is refused as such, whatever its body)."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        _check_public_origin()
        return view(*args, **kwargs)
    return wrapped


def _may_see_contact() -> bool:
    return has_role(g.get("user"), PERMISSIONS["see_contacts"])


def _question_reply(q, status: int = 200):
    return jsonify(serialisation.question_json(Session(), q, contact=_may_see_contact())), status


def _version(body: dict):
    return body.get("version")


# The staff form of a question, as every screening action answers it.
QUESTION_ANSWER = {200: Question}


# ---- intake (public) --------------------------------------------------------------------------

@bp.post("/api/interviews/<id:interview_id>/questions")
@public_origin_only
@declare(body=QuestionSubmit, json_only=True, resp={201: Submitted, 200: Submitted})
def submit_question_api(interview_id: int, body: QuestionSubmit):
    staff = g.get("user") is not None
    device_id = request.cookies.get(DEVICE_COOKIE, "")
    new_device = not _DEVICE_ID.match(device_id)
    if new_device:
        # Issued now so this question and the next ones from this browser share one client key.
        device_id = secrets.token_urlsafe(24)
    session = Session()
    interview = intake.intake_interview(session, interview_id, staff=staff)
    q, created = intake.submit_question(
        session, interview, body.given(), user=g.user if staff else None, ip=client_ip(), device_id=device_id,
        new_device=new_device, rate_limit=intake.parse_rate_limit(current_app.config.get("QUESTION_RATE_LIMIT")))
    session.commit()
    reply = {"id": q.id, "status": "pending" if created else serialisation.public_status(q.status),
             "receipt": q.receipt, "created_at": iso(q.created_at), "duplicate": not created,
             "message": ("提问成功，审核通过后将显示在页面上。请记下查询码以便查看答复" if created
                         else "这个问题您刚才已经提交过了，无需重复提交")}
    resp = jsonify(reply)
    resp.status_code = 201 if created else 200
    if not staff and new_device:
        # A device cookie makes "a client" = address + device, so one office's NAT is not one client.
        resp.set_cookie(DEVICE_COOKIE, device_id, max_age=365 * 86400, httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"], path="/")
    return resp


@bp.get("/api/questions/receipt/<code>")
@declare(resp={200: Receipt})
def receipt_api(code: str):
    _check_public_origin()
    return jsonify(intake.lookup_receipt(Session(), code))


@bp.get("/api/interviews/<id:interview_id>/questions/public")
@declare(resp={200: PublicQuestions})
def public_questions_api(interview_id: int):
    session = Session()
    interview = get_interview(session, interview_id, staff=False)
    return jsonify({"questions": lists.public_questions(session, interview.id),
                    "intake": intake.intake_state(interview)})


# ---- screening lists ----------------------------------------------------------------------------

def _status_filter(raw: str | None) -> list[str] | None:
    raw = raw or ""
    statuses = [s.strip() for s in raw.split(",") if s.strip()]
    unknown = [s for s in statuses if s not in QUESTION_STATUSES]
    if unknown:
        raise ValidationError(f"未知状态 {unknown}；可选：{', '.join(QUESTION_STATUSES)}", code="invalid_status")
    return statuses or None


@bp.get("/api/interviews/<id:interview_id>/questions")
@require_permission(PERMISSIONS["read_questions"])
@declare(query=QuestionListQuery, resp={200: QuestionList})
def list_questions_api(interview_id: int, query: QuestionListQuery):
    session = Session()
    get_interview(session, interview_id)
    source = query.source or None
    if source and source not in QUESTION_SOURCES:
        raise ValidationError("source 必须是 web、hotline 或 onsite", code="invalid_source")
    questions = lists.list_questions(session, interview_id, _status_filter(query.status),
                                     contact=_may_see_contact(), source=source, flag=query.flag or None)
    return jsonify({"questions": questions, "counts": lists.counters(session, interview_id)})


@bp.get("/api/questions/<id:question_id>")
@require_permission(PERMISSIONS["read_questions"])
@declare(resp=QUESTION_ANSWER)
def get_question_api(question_id: int):
    session = Session()
    q = lists.get_question(session, question_id)
    return jsonify(serialisation.question_json(session, q, contact=_may_see_contact(),
                                               merged=serialisation.merged_children(session, q)))


@bp.get("/api/questions/<id:question_id>/similar")
@require_permission(PERMISSIONS["screen_questions"])
@declare(resp={200: Similar})
def similar_api(question_id: int):
    session = Session()
    return jsonify({"similar": lists.similar_questions(session, lists.get_question(session, question_id))})


# ---- screening actions --------------------------------------------------------------------------

def _act(question_id: int, action, *args, body: Versioned | None = None, decision: bool = False):
    """Run a screening action; `decision` ones (approve, reject, merge) also take the status the
    console showed and the moderator's confirmation of overturning another's decision."""
    body = body.given() if body is not None else None
    session = Session()
    q = lists.get_question(session, question_id)
    kwargs = {"version": _version(body)} if body is not None else {}
    if decision and body is not None:
        kwargs.update(expected_status=body.get("expected_status"), confirm=body.get("confirm", False))
    result = action(session, q, g.user, *args, **kwargs)
    session.commit()
    return _question_reply(result)


@bp.post("/api/questions/<id:question_id>/approve")
@require_permission(PERMISSIONS["screen_questions"])
@declare(body=Decision, json_only=True, body_optional=True, resp=QUESTION_ANSWER)
def approve_api(question_id: int, body: Decision):
    return _act(question_id, screening.approve_question, body=body, decision=True)


@bp.post("/api/questions/<id:question_id>/reject")
@require_permission(PERMISSIONS["screen_questions"])
@declare(body=Rejection, json_only=True, body_optional=True, resp=QUESTION_ANSWER)
def reject_api(question_id: int, body: Rejection):
    return _act(question_id, screening.reject_question, body.reason, body=body, decision=True)


@bp.patch("/api/questions/<id:question_id>")
@require_permission(PERMISSIONS["screen_questions"])
@declare(body=QuestionEdit, json_only=True, resp=QUESTION_ANSWER)
def edit_api(question_id: int, body: QuestionEdit):
    body = body.given()
    session = Session()
    q = lists.get_question(session, question_id)
    if "text" not in body and "labels" not in body and "starred" not in body:
        raise ValidationError("请给出 text、labels 或 starred", code="missing_field")
    if "text" in body:
        q = screening.edit_question(session, q, g.user, body["text"], version=_version(body))
    if "labels" in body or "starred" in body:
        q = screening.mark_question(session, q, g.user, {k: body[k] for k in ("labels", "starred") if k in body})
    session.commit()
    return _question_reply(q)


@bp.post("/api/questions/<id:question_id>/merge")
@require_permission(PERMISSIONS["screen_questions"])
@declare(body=Merge, json_only=True, resp=QUESTION_ANSWER)
def merge_api(question_id: int, body: Merge):
    return _act(question_id, screening.merge_question, body.into, body=body, decision=True)


@bp.post("/api/questions/<id:question_id>/push")
@require_permission(PERMISSIONS["screen_questions"])
@declare(body=Versioned, json_only=True, body_optional=True, resp=QUESTION_ANSWER)
def push_api(question_id: int, body: Versioned):
    return _act(question_id, screening.push_question, body=body)


@bp.post("/api/questions/<id:question_id>/unpush")
@require_permission(PERMISSIONS["screen_questions"])
@declare(body=Versioned, json_only=True, body_optional=True, resp=QUESTION_ANSWER)
def unpush_api(question_id: int, body: Versioned):
    return _act(question_id, screening.unpush_question, body=body)


@bp.post("/api/questions/<id:question_id>/on-air")
@require_permission(PERMISSIONS["answer_questions"])
@declare(body=Versioned, json_only=True, body_optional=True, resp=QUESTION_ANSWER)
def on_air_api(question_id: int, body: Versioned):
    return _act(question_id, screening.put_on_air, body=body)


@bp.post("/api/questions/<id:question_id>/answered")
@require_permission(PERMISSIONS["answer_questions"])
@declare(body=Versioned, json_only=True, body_optional=True, resp=QUESTION_ANSWER)
def answered_api(question_id: int, body: Versioned):
    return _act(question_id, screening.mark_answered, body=body)


@bp.post("/api/questions/<id:question_id>/claim")
@require_permission(PERMISSIONS["screen_questions"])
@declare(resp=QUESTION_ANSWER)
def claim_api(question_id: int):
    return _act(question_id, screening.claim_question)


@bp.post("/api/questions/<id:question_id>/release")
@require_permission(PERMISSIONS["screen_questions"])
@declare(resp=QUESTION_ANSWER)
def release_api(question_id: int):
    return _act(question_id, screening.release_question)


@bp.post("/api/interviews/<id:interview_id>/questions/bulk")
@require_permission(PERMISSIONS["screen_questions"])
@declare(body=BulkScreen, json_only=True, resp={200: BulkResult})
def bulk_api(interview_id: int, body: BulkScreen):
    body = body.given()
    session = Session()
    get_interview(session, interview_id)
    result = screening.bulk_screen(session, interview_id, body.get("ids"), body.get("action"), g.user,
                                  body.get("reason") or "", include_flagged=body.get("include_flagged") is True)
    session.commit()
    return jsonify(result)


@bp.put("/api/interviews/<id:interview_id>/queue")
@require_permission(PERMISSIONS["order_queue"])
@declare(body=QueueOrder, json_only=True, resp={200: Order})
def reorder_api(interview_id: int, body: QueueOrder):
    body = body.given()
    session = Session()
    get_interview(session, interview_id)
    order = screening.reorder_queue(session, interview_id, body.get("order"), g.user)
    session.commit()
    return jsonify({"order": order})


@bp.get("/api/interviews/<id:interview_id>/question-settings")
@require_permission(PERMISSIONS["read_question_settings"])
@declare(resp={200: Settings})
def get_settings_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id)
    return jsonify(question_settings.settings_json(question_settings.get_settings(session, interview_id)))


@bp.put("/api/interviews/<id:interview_id>/question-settings")
@require_permission(PERMISSIONS["change_question_settings"])
@declare(body=SettingsChange, json_only=True, resp={200: Settings})
def put_settings_api(interview_id: int, body: SettingsChange):
    session = Session()
    get_interview(session, interview_id)
    settings = question_settings.update_settings(session, interview_id, body.given(), g.user)
    session.commit()
    return jsonify(question_settings.settings_json(settings))


@bp.get("/api/interviews/<id:interview_id>/questions/export")
@require_permission(PERMISSIONS["export_questions"])
@declare(query=ExportQuery, resp={200: None})
def export_api(interview_id: int, query: ExportQuery):
    session = Session()
    interview = get_interview(session, interview_id)
    fmt = query.format
    rows = lists.list_questions(session, interview_id, contact=True)
    if fmt == "csv":
        return exports.csv_response(exports.question_rows(rows), f"questions-{interview.id}.csv")
    return exports.xlsx_response(exports.question_rows(rows), f"questions-{interview.id}.xlsx", "网友提问")


# ---- word list, audit, replies (admin) -------------------------------------------------------------

@bp.get("/api/wordlist")
@require_permission(PERMISSIONS["manage_wordlist"])
def get_wordlist_api():
    words = wordlist.list_words(Session())
    return Response("".join(w + "\n" for w in words), mimetype="text/plain", headers={
        "Content-Disposition": 'inline; filename="wordlist.txt"'})


@bp.put("/api/wordlist")
@require_permission(PERMISSIONS["manage_wordlist"])
@allow_body(2)  # a word list of up to 2 MB (checked below), over the global MAX_REQUEST_KB
@declare(form=WordlistUpload, other_bodies=WORDLIST_BODIES, resp={200: WordlistChange})  # read below
def put_wordlist_api():
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationError("请用表单字段 file 上传词表", code="missing_file")
        raw = upload.stream.read(2_000_001)
    else:
        raw = request.get_data(cache=False)
    if len(raw) > 2_000_000:
        raise ValidationError("词表不能超过 2 MB", code="too_large", status=413)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationError("词表必须是 UTF-8 或 GBK 编码的文本", code="invalid_encoding")
    session = Session()
    words = wordlist.parse_wordlist(text)
    added, removed = wordlist.replace_wordlist(session, words, g.user.id)
    audit.record_wordlist_change(session, g.user, added, removed)
    session.commit()
    return jsonify({"count": len(words), "added": len(added), "removed": len(removed)})


@bp.get("/api/audit")
@require_permission(PERMISSIONS["read_audit"])
@declare(query=AuditQuery, resp={200: AuditEntries})
def audit_api(query: AuditQuery):
    session = Session()
    limit = min(query.limit or 500, 5000)
    rows = audit.list_audit(session, query.interview_id, query.question_id, limit, query.before_id)
    if query.format == "csv":
        return exports.csv_response(exports.audit_rows(rows), "moderation-audit.csv")
    return jsonify({"entries": rows})


@bp.get("/api/replies")
@require_permission(PERMISSIONS["handle_replies"])
@declare(query=RepliesQuery, resp={200: ReplyUnits})
def replies_api(query: RepliesQuery):
    groups = replies.list_replies(Session(), query.interview_id, query.unit_id,
                                   overdue_only=query.overdue in ("1", "true"),
                                   include_done=query.done in ("1", "true"))
    return jsonify({"units": groups})


@bp.patch("/api/questions/<id:question_id>/reply-assignment")
@require_permission(PERMISSIONS["handle_replies"])
@declare(body=ReplyAssignment, json_only=True, resp=QUESTION_ANSWER)
def assign_reply_api(question_id: int, body: ReplyAssignment):
    session = Session()
    q = replies.assign_reply(session, lists.get_question(session, question_id), g.user, body.given())
    session.commit()
    return _question_reply(q)


@bp.put("/api/questions/<id:question_id>/reply")
@require_permission(PERMISSIONS["handle_replies"])
@declare(body=ReplyText, json_only=True, resp=QUESTION_ANSWER)
def save_reply_api(question_id: int, body: ReplyText):
    session = Session()
    q = replies.save_reply(session, lists.get_question(session, question_id), g.user, body.given())
    session.commit()
    return _question_reply(q)


# ---- pages --------------------------------------------------------------------------------------

@bp.get("/studio/<id:interview_id>/moderation")
@require_page_permission(PERMISSIONS["screen_questions"])
def moderation_page(interview_id: int):
    session = Session()
    try:
        interview = get_interview(session, interview_id)
    except NotFound:
        return render_template("forbidden.html", message="访谈不存在"), 404
    return render_template("moderation.html", interview=interview_json(interview, staff=True),
                           reject_reasons=question_settings.REJECT_REASONS,
                           status_names=serialisation.STATUS_NAMES,
                           source_names=serialisation.SOURCE_NAMES, state_names=STATE_NAMES)


@bp.get("/admin/wordlist")
@require_page_permission(PERMISSIONS["manage_wordlist"])
def wordlist_page():
    return render_template("admin_wordlist.html")


@bp.get("/admin/audit")
@require_page_permission(PERMISSIONS["read_audit"])
def audit_page():
    return render_template("admin_audit.html")


@bp.get("/admin/replies")
@require_page_permission(PERMISSIONS["handle_replies"])
def replies_page():
    return render_template("admin_replies.html")
