"""HTTP for the live text feed: entries, photo uploads, media files. Pages are in feed/pages.py."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request, send_file

from studio.platform.auth import allow_body, require_permission
from studio.platform.http import declare
from studio.platform.db import Session
from studio.platform.errors import ValidationError
from studio.interviews import get_interview
from studio.feed.models import Image
from . import images, services
from .schemas import Entries, Entry, EntryChange, History, ImageUpload, NewEntry, UploadedImage
from .permissions import PERMISSIONS

bp = Blueprint("feed", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/feed")

def _is_staff() -> bool:
    return g.get("user") is not None


def _entry_answer(session, entry, status: int = 200):
    """The staff form of an entry after a change (the editor shows withdrawn text struck through)."""
    image = session.get(Image, entry.image_id) if entry.image_id else None
    return jsonify(services.entry_json(entry, image, staff=True, edited=services.was_edited(session, entry))), status


@bp.get(f"/api/interviews/<id:interview_id>/feed")
@declare(resp={200: Entries})
def list_feed_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id, staff=_is_staff())
    return jsonify({"entries": services.list_entries(session, interview_id, staff=_is_staff())})


@bp.post(f"/api/interviews/<id:interview_id>/feed")
@require_permission(PERMISSIONS["write_feed"])
@declare(body=NewEntry, resp={201: Entry})
def post_entry_api(interview_id: int, body: NewEntry):
    session = Session()
    entry, _image = services.post_entry(session, get_interview(session, interview_id), g.user, body.given())
    session.commit()
    return _entry_answer(session, entry, 201)


@bp.patch(f"/api/feed/<id:entry_id>")
@require_permission(PERMISSIONS["write_feed"])
@declare(body=EntryChange, resp={200: Entry})
def edit_entry_api(entry_id: int, body: EntryChange):
    session = Session()
    entry, _image = services.edit_entry(session, services.get_entry(session, entry_id), g.user, body.given())
    session.commit()
    return _entry_answer(session, entry)


@bp.delete(f"/api/feed/<id:entry_id>")
@require_permission(PERMISSIONS["write_feed"])
@declare(resp={200: Entry})
def withdraw_entry_api(entry_id: int):
    session = Session()
    entry = services.withdraw_entry(session, services.get_entry(session, entry_id), g.user)
    session.commit()
    return _entry_answer(session, entry)


@bp.get(f"/api/feed/<id:entry_id>/history")
@require_permission(PERMISSIONS["read_entry_history"])
@declare(resp={200: History})
def entry_history_api(entry_id: int):
    session = Session()
    entry = services.get_entry(session, entry_id)
    return jsonify({"entry_id": entry.id, "revisions": services.entry_history(session, entry)})


@bp.post(f"/api/interviews/<id:interview_id>/images")
@require_permission(PERMISSIONS["write_feed"])
@allow_body("MAX_UPLOAD_MB", mimetypes=("multipart/form-data",))
@declare(form=ImageUpload, resp={201: UploadedImage})
def upload_image_api(interview_id: int):
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    # The multipart envelope adds a little; anything far beyond the limit is refused unread.
    if (request.content_length or 0) > max_bytes + 64 * 1024:
        raise images.ImageTooLarge(f"图片超过 {max_bytes // (1024 * 1024)} MB",
                                   max_mb=max_bytes // (1024 * 1024))
    request.max_content_length = max_bytes + 64 * 1024
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("请用 multipart 表单字段 file 上传图片", code="missing_file")
    data = upload.stream.read(max_bytes + 1)
    session = Session()
    interview = get_interview(session, interview_id)
    image = images.store_image(session, current_app.config["DATA_DIR"], interview,
                               g.user.id, data, max_bytes)
    session.commit()
    return jsonify({**services.image_json(image), "mime": image.mime}), 201


def _send_media(image_id: int, thumb: bool):
    path, mime = images.image_file(Session(), current_app.config["DATA_DIR"], image_id, thumb,
                                   staff=_is_staff())
    resp = send_file(path, mimetype=mime, conditional=True, max_age=0)
    # Short public caching: a withdrawn photo must stop being served soon after.
    resp.headers["Cache-Control"] = "private, no-store" if _is_staff() else "public, max-age=300"
    return resp


@bp.get(f"/media/<id:image_id>")
def media_api(image_id: int):
    return _send_media(image_id, thumb=False)


@bp.get(f"/media/<id:image_id>/thumb")
def media_thumb_api(image_id: int):
    return _send_media(image_id, thumb=True)

