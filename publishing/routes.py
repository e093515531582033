"""HTTP: recordings, the edit decision, publishing jobs, the editor page and the archive files."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, send_file, \
    send_from_directory
from sqlalchemy import select

from studio.platform.auth import allow_body, require_page_permission, require_permission
from studio.platform.http import declare, read_body
from studio.platform.db import Session
from studio.platform.errors import Conflict, NotFound, ValidationError
from studio.platform.events import record_event
from studio.interviews import change_state, get_interview, interview_json
from studio.platform.models import Interview
from studio.feed.models import FeedEntry
from studio.recordings import Recording, list_markers, list_recordings, marker_json, recording_json
from studio.platform.timefmt import iso, parse_iso

from . import archive, jobs
from .edit import edit_json, joined_time_at, joined_timeline, save_edit, total_duration
from .models import EditDecision
from .permissions import PERMISSIONS
from .pipeline import default_chapters
from .recordings import register_path, register_upload
from .schemas import EditBody, EditorMaterial, EditOut, JobList, JobOut, PublishAccepted, RecordingList, \
    RecordingOut, RecordingPath, RecordingUpload, Unpublished

bp = Blueprint("publishing", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/publishing")



def _started_at(value) -> object:
    started = parse_iso(value, "started_at")
    if started is None:
        raise ValidationError("started_at 不能为空（录像开始的时间，ISO 8601）", code="missing_field",
                              field="started_at")
    return started


# ---- recordings -----------------------------------------------------------------------------

@bp.get("/api/interviews/<id:interview_id>/recordings")
@require_permission(PERMISSIONS["see_recordings"])
@declare(resp={200: RecordingList})
def list_recordings_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id)
    return jsonify([recording_json(r) for r in list_recordings(session, interview_id)])


@bp.post("/api/interviews/<id:interview_id>/recordings")
@require_permission(PERMISSIONS["add_recordings"])
@allow_body("MAX_RECORDING_UPLOAD_MB", mimetypes=("multipart/form-data",))  # streamed to disk
@declare(body=RecordingPath, form=RecordingUpload, view_reads_body=True, resp={201: RecordingOut})  # read below
def register_recording_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationError("请选择要上传的录像文件（字段 file）", code="missing_field", field="file")
        recording = register_upload(session, current_app.config, interview_id, upload,
                                    _started_at(request.form.get("started_at")))
    else:
        body = read_body(RecordingPath)
        recording = register_path(session, current_app.config, interview_id, body.path,
                                  _started_at(body.started_at))
    session.commit()
    return jsonify(recording_json(recording)), 201


@bp.get("/api/recordings/<id:recording_id>/media")
@require_permission(PERMISSIONS["see_recordings"])
def recording_media_api(recording_id: int):
    """The recording file itself, with HTTP range requests, for the editor's player."""
    recording = Session().get(Recording, recording_id)
    if recording is None or not Path(recording.path).is_file():
        raise NotFound("录像文件不存在", code="recording_not_found")
    mimetype = {".mkv": "video/x-matroska", ".mp4": "video/mp4", ".webm": "video/webm", ".mov": "video/mp4",
                ".m4v": "video/mp4"}.get(Path(recording.path).suffix.lower(), "application/octet-stream")
    return send_file(recording.path, mimetype=mimetype, conditional=True, max_age=0)


# ---- the edit decision ----------------------------------------------------------------------

def _editor_material(session, interview) -> dict:
    """Everything the editor page needs: recordings on the joined timeline, markers, feed, chapters."""
    recordings = list_recordings(session, interview.id)
    decision = session.scalar(select(EditDecision).where(EditDecision.interview_id == interview.id))
    chosen = [r for r in recordings if r.duration_s]
    if decision is not None:
        by_id = {r.id: r for r in recordings}
        chosen = [by_id[rid] for rid in decision.recording_ids if rid in by_id] or chosen
    pieces = joined_timeline(chosen)
    started = {r.id: r.started_at for r in chosen}
    markers = []
    for marker in list_markers(session, interview.id):
        item = marker_json(marker)
        item["t"] = joined_time_at(marker.at, marker.record_timecode_s, pieces, started) if pieces else None
        markers.append(item)
    entries = []
    feed_markers = {m["event_seq"]: m for m in markers if m["kind"] == "feed" and m["event_seq"]}
    for entry in session.scalars(select(FeedEntry).where(FeedEntry.interview_id == interview.id)
                                 .order_by(FeedEntry.created_at, FeedEntry.id)):
        marker = feed_markers.get(entry.seq)
        t = marker["t"] if marker else (joined_time_at(entry.created_at, None, pieces, started) if pieces else None)
        entries.append({"id": entry.id, "speaker": entry.speaker, "speaker_name": entry.speaker_name,
                        "text": entry.text, "image_id": entry.image_id, "deleted": entry.deleted,
                        "at": iso(entry.created_at), "t": t,
                        "image_url": f"/media/{entry.image_id}/thumb" if entry.image_id else None})
    total = total_duration(pieces)
    default_edit = {"recording_ids": [r.id for r in chosen], "keep": [[0.0, total]] if total else [],
                    "poster_s": None, "chapters": None, "corrections": {}, "revision": 0}
    edit = edit_json(decision) if decision is not None else default_edit
    if decision is not None and not decision.recording_ids and chosen:
        # Saved as text only before a recording was registered: offer the video, keep the corrections.
        edit = {**default_edit, "corrections": decision.corrections, "revision": decision.revision}
    return {
        "interview": interview_json(interview, staff=True),
        "recordings": [{**recording_json(r), "offset_s": p.offset_s} for r, p in zip(chosen, pieces)],
        "all_recordings": [recording_json(r) for r in recordings],
        "total_s": total,
        "markers": markers, "entries": entries,
        "default_chapters": default_chapters(session, interview.id, pieces, started) if pieces else [],
        "saved": decision is not None,
        "edit": edit, "text_only": not chosen,
        "jobs": [jobs.job_json(j) for j in jobs.list_jobs(session, interview.id, limit=5)],
    }


@bp.get("/api/interviews/<id:interview_id>/edit")
@require_permission(PERMISSIONS["edit_and_publish"])
@declare(resp={200: EditorMaterial})
def get_edit_api(interview_id: int):
    session = Session()
    return jsonify(_editor_material(session, get_interview(session, interview_id)))


@bp.put("/api/interviews/<id:interview_id>/edit")
@require_permission(PERMISSIONS["edit_and_publish"])
@declare(body=EditBody, resp={200: EditOut})
def save_edit_api(interview_id: int, body: EditBody):
    session = Session()
    get_interview(session, interview_id)
    decision = save_edit(session, interview_id, body.model_dump(exclude_unset=True), g.user.id)
    data = edit_json(decision)
    record_event(session, interview_id, "edit.saved", {"revision": decision.revision, "by": g.user.display_name})
    session.commit()
    return jsonify(data)


# ---- publishing -----------------------------------------------------------------------------

@bp.post("/api/interviews/<id:interview_id>/publish")
@require_permission(PERMISSIONS["edit_and_publish"])
@declare(resp={202: PublishAccepted})
def publish_api(interview_id: int):
    session = Session()
    job = jobs.enqueue_publish(session, interview_id, g.user.id)
    session.commit()
    return jsonify({"job_id": job.id, "job": jobs.job_json(job)}), 202


@bp.delete("/api/interviews/<id:interview_id>/publish")
@require_permission(PERMISSIONS["edit_and_publish"])
@declare(resp={200: Unpublished})
def unpublish_api(interview_id: int):
    session = Session()
    interview = get_interview(session, interview_id)
    if interview.state != "published":
        raise Conflict("该访谈尚未发布", code="not_published", state=interview.state)
    running = jobs.active_job(session, interview_id)
    if running is not None:
        jobs.request_cancel(session, running)
    change_state(session, interview, "ended")
    session.commit()
    data_dir = current_app.config["DATA_DIR"]
    archive.remove_interview(data_dir, interview_id)
    archive.regenerate_index(session, data_dir, current_app.config.get("ARCHIVE_BASE_URL", ""))
    return jsonify({"ok": True, "state": interview.state})


@bp.get("/api/interviews/<id:interview_id>/jobs")
@require_permission(PERMISSIONS["watch_jobs"])
@declare(resp={200: JobList})
def list_jobs_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id)
    return jsonify({"jobs": [jobs.job_json(j) for j in jobs.list_jobs(session, interview_id)]})


@bp.get("/api/jobs/<id:job_id>")
@require_permission(PERMISSIONS["watch_jobs"])
@declare(resp={200: JobOut})
def get_job_api(job_id: int):
    return jsonify(jobs.job_json(jobs.get_job(Session(), job_id)))


@bp.post("/api/jobs/<id:job_id>/cancel")
@require_permission(PERMISSIONS["edit_and_publish"])
@declare(resp={200: JobOut})
def cancel_job_api(job_id: int):
    session = Session()
    job = jobs.request_cancel(session, jobs.get_job(session, job_id))
    data = jobs.job_json(job)
    session.commit()
    return jsonify(data)


# ---- pages ----------------------------------------------------------------------------------

@bp.get("/studio/<id:interview_id>/edit")
@require_page_permission(PERMISSIONS["edit_and_publish"])
def editor_page(interview_id: int):
    interview = Session().get(Interview, interview_id)
    if interview is None:
        abort(404)
    return render_template("editor.html", interview=interview)


# ---- the archive (plain files; a web server in front may serve DATA_DIR/archive directly) -----

def _archive_dir() -> Path:
    session = Session()
    return archive.ensure_index(session, current_app.config["DATA_DIR"], current_app.config.get("ARCHIVE_BASE_URL", ""))


@bp.get("/archive/")
def archive_index():
    kind = request.args.get("kind")
    if kind:
        return _archive_index_of_kind(kind)
    return send_from_directory(_archive_dir(), "index.html", max_age=60)


def _archive_index_of_kind(kind: str):
    """The archive list of one kind (政策解读, 政府开放日…), rendered from the same template."""
    from studio.platform.models import INTERVIEW_KINDS

    if kind not in INTERVIEW_KINDS:
        raise ValidationError("没有这种类型", code="invalid_field", field="kind")
    entries = [e for e in archive.published_entries(Session(), current_app.config["DATA_DIR"])
               if (e["interview"].kind or "interview") == kind]
    return render_template("publishing/archive_index.html", entries=entries, kind=kind,
                           clock=archive._clock, iso=iso)


@bp.get("/archive/feed.xml")
def archive_feed():
    return send_from_directory(_archive_dir(), "feed.xml", mimetype="application/rss+xml", max_age=60)


def _archive_not_found(message: str = "没有这个已发布的访谈。"):
    """A 404 page for people (the archive is browsed, not called): Chinese, in the archive's style."""
    _archive_dir()  # the page's stylesheet lives in the archive's assets
    return render_template("publishing/archive_404.html", message=message), 404


@bp.get("/archive/assets/<name>")
def archive_asset(name: str):
    if name not in archive.ASSETS:
        return _archive_not_found("没有这个文件。")
    return send_from_directory(_archive_dir() / "assets", name, max_age=3600)


@bp.get("/archive/<id:interview_id>")
def archive_page_redirect(interview_id: int):
    return redirect(f"/archive/{interview_id}/", code=301)


@bp.get("/archive/<id:interview_id>/")
@bp.get("/archive/<id:interview_id>/<path:name>")
def archive_file(interview_id: int, name: str = "index.html"):
    folder = archive.current_folder(current_app.config["DATA_DIR"], interview_id)
    if folder is None:
        return _archive_not_found()
    if not archive.safe_name(name) or not (folder / name).is_file():
        return _archive_not_found("这个访谈回顾里没有该文件。")
    # The folder is resolved once, so every byte of this response comes from one version.
    return send_from_directory(folder, name, conditional=True, max_age=300)


@bp.get("/archive/<path:rest>")
def archive_unknown(rest: str):
    """Any other address under /archive/ (e.g. /archive/abc/): the same page for people."""
    return _archive_not_found("没有这个页面。")
