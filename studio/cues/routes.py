"""HTTP for cue cards, the backstage message and the host console page. Thin: parse, call, commit."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, render_template, request

from studio.platform.auth import (PERMISSION_TABLES, allow_body, has_role, require_page_permission,
                                  require_permission)
from studio.platform.http import declare, read_body
from studio.platform.db import Session
from studio.platform.errors import DomainError, ValidationError
from studio.interviews import get_interview, interview_json
from . import parsing, services
from .schemas import (DOCX, SCRIPT_BODIES, CardChange, CardInserted, CardOrder, CardsChanged, CueMove, Cues,
                      Dismissal, Dismissed, HostMessage, HostMessages, HostMessagesQuery, HostMessageText, Moved,
                      NewCard, Script, ScriptForm, ScriptJson, ScriptReplaced)
from .permissions import PERMISSIONS

bp = Blueprint("cues", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/cues")



def _too_large() -> DomainError:
    limit = current_app.config["MAX_UPLOAD_MB"]
    return DomainError(f"访谈稿文件过大，上限 {limit} MB", code="script_too_large", status=413,
                       limit_mb=limit)


def _read_script_from_request() -> tuple[str, str, str]:
    """(text, source name, kind) from text/plain, JSON {text} or a multipart upload (field `file`)."""
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    # The app allows multi-GB bodies for recordings; a script has its own, much smaller limit.
    if request.content_length is not None and request.content_length > limit:
        raise _too_large()
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            pasted = request.form.get("text")
            if pasted:
                return pasted, "粘贴文本", "text"
            raise ValidationError("请选择访谈稿文件（字段 file）", code="missing_file", field="file")
        raw = upload.stream.read(limit + 1)
        if len(raw) > limit:
            raise _too_large()
        text, kind = parsing.read_upload(upload.filename, raw)
        return text, upload.filename, kind
    if mimetype == "application/json":
        body = read_body(ScriptJson)
        return body.text, "粘贴文本" if body.name is None else body.name, "text"
    if mimetype in ("text/plain", "text/markdown", ""):
        raw = request.stream.read(limit + 1)
        if len(raw) > limit:
            raise _too_large()
        charset = request.mimetype_params.get("charset")
        if charset and charset.lower().replace("-", "") not in ("utf8",):
            try:
                return raw.decode(charset), "粘贴文本", "text"
            except (LookupError, UnicodeDecodeError):
                raise ValidationError(f"无法按 {charset} 解码", code="unreadable_script")
        return parsing.decode_text(raw), "粘贴文本", "text"
    if mimetype == DOCX:
        raw = request.stream.read(limit + 1)
        if len(raw) > limit:
            raise _too_large()
        return parsing.read_docx(raw), "上传文档.docx", "docx"
    raise DomainError("访谈稿请以 text/plain 文本、JSON {text} 或 multipart 文件（字段 file）上传",
                      code="unsupported_media_type", status=415)


@bp.put("/api/interviews/<id:interview_id>/script")
@require_permission(PERMISSIONS["edit_cues"])
@allow_body("MAX_UPLOAD_MB")
@declare(body=ScriptJson, form=ScriptForm, other_bodies=SCRIPT_BODIES, view_reads_body=True,
         resp={200: ScriptReplaced})
def put_script_api(interview_id: int):
    session = Session()
    interview = get_interview(session, interview_id)
    text, name, kind = _read_script_from_request()
    data = services.replace_script(session, interview, text, name, kind, g.user)
    session.commit()
    return jsonify({**data, "server_now": services.server_now()})


@bp.get("/api/interviews/<id:interview_id>/script")
@require_permission(PERMISSIONS["read_cues"])
@declare(resp={200: Script})
def get_script_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id)
    script = services.get_script(session, interview_id)
    return jsonify({**services.script_json(script), "text": script.text})


@bp.get("/api/interviews/<id:interview_id>/cues")
@require_permission(PERMISSIONS["read_cues"])
@declare(resp={200: Cues})
def get_cues_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id)
    return jsonify(services.cues_json(session, interview_id))


@bp.post("/api/interviews/<id:interview_id>/cue")
@require_permission(PERMISSIONS["move_cue"])
@declare(body=CueMove, resp={200: Moved})
def move_cue_api(interview_id: int, body: CueMove):
    session = Session()
    get_interview(session, interview_id)
    data = services.move_cue(session, interview_id, body.action, body.index, body.expected, g.user)
    session.commit()
    return jsonify(data)


@bp.post("/api/interviews/<id:interview_id>/cues")
@require_permission(PERMISSIONS["edit_cues"])
@declare(body=NewCard, resp={201: CardInserted})
def insert_card_api(interview_id: int, body: NewCard):
    session = Session()
    get_interview(session, interview_id)
    card, data = services.insert_card(session, interview_id, body.given(), g.user)
    session.commit()
    return jsonify({**data, "card": card}), 201


@bp.patch("/api/interviews/<id:interview_id>/cues/<id:card_id>")
@require_permission(PERMISSIONS["edit_cues"])
@declare(body=CardChange, resp={200: CardsChanged})
def update_card_api(interview_id: int, card_id: int, body: CardChange):
    session = Session()
    get_interview(session, interview_id)
    data = services.update_card(session, interview_id, card_id, body.given(), g.user)
    session.commit()
    return jsonify(data)


@bp.delete("/api/interviews/<id:interview_id>/cues/<id:card_id>")
@require_permission(PERMISSIONS["edit_cues"])
@declare(resp={200: CardsChanged})
def delete_card_api(interview_id: int, card_id: int):
    session = Session()
    get_interview(session, interview_id)
    data = services.delete_card(session, interview_id, card_id, g.user)
    session.commit()
    return jsonify(data)


@bp.put("/api/interviews/<id:interview_id>/cues/order")
@require_permission(PERMISSIONS["edit_cues"])
@declare(body=CardOrder, resp={200: CardsChanged})
def reorder_cards_api(interview_id: int, body: CardOrder):
    session = Session()
    get_interview(session, interview_id)
    data = services.reorder_cards(session, interview_id, body.card_ids, g.user)
    session.commit()
    return jsonify(data)


@bp.get("/api/interviews/<id:interview_id>/host-messages")
@require_permission(PERMISSIONS["see_host_messages"])
@declare(query=HostMessagesQuery, resp={200: HostMessages})
def list_host_messages_api(interview_id: int, query: HostMessagesQuery):
    session = Session()
    get_interview(session, interview_id)
    include_all = query.all in ("1", "true", "yes")
    return jsonify({"messages": [services.message_json(m) for m in
                                 services.list_host_messages(session, interview_id, include_all)]})


@bp.post("/api/interviews/<id:interview_id>/host-message")
@require_permission(PERMISSIONS["send_host_message"])
@declare(body=HostMessageText, resp={201: HostMessage})
def send_host_message_api(interview_id: int, body: HostMessageText):
    session = Session()
    get_interview(session, interview_id)
    message = services.send_host_message(session, interview_id, body.text, g.user)
    session.commit()
    return jsonify(services.message_json(message)), 201


@bp.post("/api/interviews/<id:interview_id>/host-message/dismiss")
@require_permission(PERMISSIONS["dismiss_host_message"])
@declare(body=Dismissal, body_optional=True, resp={200: Dismissed})
def dismiss_host_message_api(interview_id: int, body: Dismissal):
    session = Session()
    get_interview(session, interview_id)
    ids = services.dismiss_host_messages(session, interview_id, body.id, g.user)
    session.commit()
    return jsonify({"dismissed": ids})


@bp.get("/studio/<id:interview_id>/host")
@require_page_permission(PERMISSIONS["host_console"])
def host_page(interview_id: int):
    session = Session()
    interview = get_interview(session, interview_id)
    return render_template("host.html", interview=interview_json(interview, staff=True),
                           can_edit=has_role(g.user, PERMISSIONS["edit_cues"]),
                           can_move=has_role(g.user, PERMISSIONS["move_cue"]),
                           can_answer=_can_answer(g.user))


def _can_answer(user) -> bool:
    """Whether the console offers 播出/已答复: the question area's permission, read from the
    platform's registry of tables (cues does not import moderation; without it, nothing to answer)."""
    answer = PERMISSION_TABLES.get("moderation", {}).get("answer_questions")
    return answer is not None and has_role(user, answer)
