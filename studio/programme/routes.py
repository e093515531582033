"""HTTP of the year's programme: deadlines, script versions and the liaison link, series and
their archive pages, assessment, stats, and the admin pages. Thin: parse, check, call, commit."""
from __future__ import annotations

import functools
from datetime import datetime

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for

from studio.platform.auth import Permission, allow_body, has_role, require_page_permission, require_permission
from studio.platform.http import declare, read_body
from studio.platform.db import Session, utcnow
from studio.platform.errors import DomainError, Forbidden, NotFound, Unauthorized, ValidationError
from studio.interviews import get_interview
from studio.platform.models import Interview, Unit
from studio.platform.timefmt import iso, local_zone
from . import assessment as assess
from . import deadlines, digest, scripts, series, stats
from .permissions import PERMISSIONS
from .schemas import Assessment, DeadlineList, DeadlineOverrides, Diff, DiffQuery, Digest, LiaisonLink, \
    LiaisonQuery, Review, Reviewed, ScriptText, ScriptUpload, SeriesBody, SeriesList, SeriesOut, Stats, \
    VersionList, VersionSubmitted, VersionText, YearDeadlineList, YearDeadlinesQuery, YearQuery

bp = Blueprint("programme", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/programme")

# One permission table for the area's routes (and its tests).


def now() -> datetime:
    """The programme's clock: a test (or a screenshot) may set PROGRAMME_CLOCK to a callable."""
    clock = current_app.config.get("PROGRAMME_CLOCK")
    return clock() if callable(clock) else utcnow()


# ---- deadlines ----------------------------------------------------------------------------

@bp.get("/api/interviews/<id:interview_id>/deadlines")
@require_permission(PERMISSIONS["read_deadlines"])
@declare(resp={200: DeadlineList})
def deadlines_api(interview_id: int):
    session = Session()
    interview = get_interview(session, interview_id)
    rows = deadlines.interview_deadlines(session, interview, current_app.config, now())
    return jsonify({"deadlines": [d.as_json() for d in rows]})


@bp.patch("/api/interviews/<id:interview_id>/deadlines")
@require_permission(PERMISSIONS["set_deadlines"])
@declare(body=DeadlineOverrides, resp={200: DeadlineList})
def set_deadlines_api(interview_id: int, body: DeadlineOverrides):
    session = Session()
    interview = get_interview(session, interview_id)
    deadlines.set_overrides(session, interview, body.model_dump(exclude_unset=True))
    session.commit()
    rows = deadlines.interview_deadlines(session, interview, current_app.config, now())
    return jsonify({"deadlines": [d.as_json() for d in rows]})


@bp.get("/api/deadlines")
@require_permission(PERMISSIONS["read_deadlines"])
@declare(query=YearDeadlinesQuery, resp={200: YearDeadlineList})
def year_deadlines_api(query: YearDeadlinesQuery):
    state = deadlines.check_state(query.state)
    rows = deadlines.year_deadlines(Session(), query.year, current_app.config, now(), state, query.unit_id)
    return jsonify({"deadlines": rows})


@bp.get("/api/digest")
@require_permission(PERMISSIONS["read_digest"])
@declare(resp={200: Digest})
def digest_api():
    items = digest.digest_items(Session(), current_app.config, now())
    return jsonify({"items": items, "recipients": {a: len(i) for a, i in digest.by_recipient(items).items()},
                    "smtp": bool(current_app.config.get("SMTP_URL"))})


# ---- the script's versions ------------------------------------------------------------------

def _token_or_permission(permission: Permission):
    """A staff role granted `permission`, or (`?token=`) the interview's liaison link: checked
    before the body is read."""
    roles = tuple(permission)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(interview_id: int, *args, **kwargs):
            token = request.args.get("token")
            if token is not None:
                session = Session()
                get_interview(session, interview_id)
                scripts.check_liaison_token(session, interview_id, token)
                g.liaison = True
            else:
                if g.get("user") is None:
                    raise Unauthorized("请先登录，或使用单位联络员的上传链接", code="login_required")
                if not has_role(g.user, roles):
                    raise Forbidden("当前角色无权执行此操作", code="forbidden")
                g.liaison = False
            return view(interview_id, *args, **kwargs)
        wrapped.required_roles = roles
        wrapped.permission = permission.name
        return wrapped
    return decorator


def _read_upload() -> tuple[str, str, str]:
    """(text, name, kind) of a .docx/.txt upload (`file`), text/plain, or JSON {text}."""
    from studio.cues import decode_text, read_upload  # the cue area's public readers

    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    too_large = DomainError(f"访谈稿文件过大，上限 {limit // 1024 // 1024} MB", code="script_too_large", status=413)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationError("请选择访谈稿文件（字段 file）", code="missing_file", field="file")
        raw = upload.stream.read(limit + 1)
        if len(raw) > limit:
            raise too_large
        text, kind = read_upload(upload.filename, raw)
        return text, upload.filename, kind
    if request.mimetype == "application/json":
        return read_body(ScriptText).text, "粘贴文本", "text"
    if request.mimetype in ("text/plain", ""):
        raw = request.stream.read(limit + 1)
        if len(raw) > limit:
            raise too_large
        return decode_text(raw), "粘贴文本", "text"
    raise DomainError("访谈稿请以 .docx/.txt 文件（字段 file）或 text/plain 上传", code="unsupported_media_type",
                      status=415)


@bp.post("/api/interviews/<id:interview_id>/script-versions")
@_token_or_permission(PERMISSIONS["handle_script_versions"])
@allow_body("MAX_UPLOAD_MB")
@declare(query=LiaisonQuery, body=ScriptText, form=ScriptUpload, other_bodies={"text/plain": {"type": "string"}},
         view_reads_body=True, resp={201: VersionSubmitted})  # read by _read_upload
def submit_version_api(interview_id: int, query: LiaisonQuery):
    session = Session()
    interview = get_interview(session, interview_id)
    text, name, kind = _read_upload()
    row = scripts.submit_version(session, interview, text, name, kind, g.get("user"), liaison=g.liaison)
    session.commit()
    minimum = current_app.config["SCRIPT_MIN_CHARS"]
    data = scripts.version_json(row, minimum)
    return jsonify({"version": row.version, "chars": row.chars, "meets_minimum": data["meets_minimum"],
                    "minimum": minimum}), 201


def _users(session, rows):
    from studio.platform.models import User

    ids = {r.reviewed_by_id for r in rows if r.reviewed_by_id}
    return {u.id: u for u in session.query(User).filter(User.id.in_(ids))} if ids else {}


@bp.get("/api/interviews/<id:interview_id>/script-versions")
@require_permission(PERMISSIONS["handle_script_versions"])
@declare(resp={200: VersionList})
def list_versions_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id)
    rows = scripts.list_versions(session, interview_id)
    minimum, users = current_app.config["SCRIPT_MIN_CHARS"], _users(session, rows)
    return jsonify({"versions": [scripts.version_json(r, minimum, users) for r in rows]})


@bp.get("/api/interviews/<id:interview_id>/script-versions/<id:version>")
@require_permission(PERMISSIONS["handle_script_versions"])
@declare(resp={200: VersionText})
def get_version_api(interview_id: int, version: int):
    session = Session()
    get_interview(session, interview_id)
    row = scripts.get_version(session, interview_id, version)
    data = scripts.version_json(row, current_app.config["SCRIPT_MIN_CHARS"], _users(session, [row]))
    return jsonify({**data, "text": row.text})


@bp.get("/api/interviews/<id:interview_id>/script-versions/<id:version>/diff")
@require_permission(PERMISSIONS["handle_script_versions"])
@declare(query=DiffQuery, resp={200: Diff})
def diff_api(interview_id: int, version: int, query: DiffQuery):
    session = Session()
    get_interview(session, interview_id)
    new = scripts.get_version(session, interview_id, version)
    old = scripts.get_version(session, interview_id, version - 1 if query.against is None else query.against)
    return jsonify({"from": old.version, "to": new.version, "unified": scripts.diff_unified(old, new),
                    "html": scripts.diff_html(old, new)})


@bp.post("/api/interviews/<id:interview_id>/script-versions/<id:version>/review")
@require_permission(PERMISSIONS["handle_script_versions"])
@declare(body=Review, resp={200: Reviewed})
def review_api(interview_id: int, version: int, body: Review):
    session = Session()
    interview = get_interview(session, interview_id)
    row, cues = scripts.review_version(session, interview, version, body.model_dump(exclude_unset=True), g.user)
    session.commit()
    data = scripts.version_json(row, current_app.config["SCRIPT_MIN_CHARS"], {g.user.id: g.user})
    return jsonify({**data, "cards": len(cues["cards"]) if cues else None})


def _link_json(interview_id: int, token: str) -> dict:
    return {"token": token, "url": url_for("programme.liaison_page", interview_id=interview_id, token=token,
                                           _external=True)}


@bp.route("/api/interviews/<id:interview_id>/liaison-link", methods=["GET", "POST"])
@require_permission(PERMISSIONS["manage_liaison_links"])
@declare(resp={200: LiaisonLink})
def liaison_link_api(interview_id: int):
    """GET: the link (made on first use); POST: a new token, the old link stops working."""
    session = Session()
    get_interview(session, interview_id)
    renew = scripts.renew_liaison_token if request.method == "POST" else scripts.liaison_token
    token = renew(session, interview_id)
    session.commit()
    return jsonify(_link_json(interview_id, token))


@bp.get("/liaison/interviews/<id:interview_id>")
def liaison_page(interview_id: int):
    """The lead unit's upload page: no account, the link's token is the permission."""
    session = Session()
    interview = session.get(Interview, interview_id)
    token = request.args.get("token", "")
    try:
        if interview is None:
            raise NotFound("没有这个访谈", code="interview_not_found")
        scripts.check_liaison_token(session, interview_id, token)
    except DomainError as exc:
        return render_template("programme/liaison.html", interview=None, error=exc.message), exc.status
    rows = scripts.list_versions(session, interview_id)
    minimum = current_app.config["SCRIPT_MIN_CHARS"]
    return render_template("programme/liaison.html", interview=interview, error=None, token=token,
                           versions=[scripts.version_json(r, minimum) for r in rows], minimum=minimum)


# ---- series -------------------------------------------------------------------------------

@bp.get("/api/series")
@declare(resp={200: SeriesList})
def list_series_api():
    session = Session()
    return jsonify({"series": [series.series_json(session, s) for s in series.list_series(session)]})


@bp.post("/api/series")
@require_permission(PERMISSIONS["manage_series"])
@declare(body=SeriesBody, resp={201: SeriesOut})
def create_series_api(body: SeriesBody):
    session = Session()
    s = series.create_series(session, body.model_dump(exclude_unset=True))
    session.commit()
    return jsonify(series.series_json(session, s)), 201


@bp.patch("/api/series/<id:series_id>")
@require_permission(PERMISSIONS["manage_series"])
@declare(body=SeriesBody, resp={200: SeriesOut})
def update_series_api(series_id: int, body: SeriesBody):
    session = Session()
    s = series.update_series(session, series.get_series(session, series_id), body.model_dump(exclude_unset=True))
    session.commit()
    return jsonify(series.series_json(session, s))


def _series_entries(slug: str):
    from publishing import published_entries  # its public helper for the archive index, read only

    session = Session()
    s = series.series_by_slug(session, slug)
    if s is None:
        return None, []
    published = published_entries(session, current_app.config["DATA_DIR"])
    return s, series.series_entries(session, s, published)


@bp.get("/archive/series/<slug>/")
def series_page(slug: str):
    s, entries = _series_entries(slug)
    if s is None:
        return render_template("publishing/archive_404.html", message="没有这个专题。"), 404
    return render_template("programme/series.html", series=s, entries=entries, iso=iso)


@bp.get("/archive/series/<slug>/feed.xml")
def series_feed(slug: str):
    from publishing import feed_xml

    s, entries = _series_entries(slug)
    if s is None:
        return render_template("publishing/archive_404.html", message="没有这个专题。"), 404
    base = current_app.config.get("ARCHIVE_BASE_URL", "")
    xml = series.retitle_feed(feed_xml(entries, base), s,
                              (base.rstrip("/") + f"/series/{s.slug}/") if base else f"/archive/series/{s.slug}/")
    return Response(xml, mimetype="application/rss+xml")


# ---- assessment and stats -----------------------------------------------------------------

@bp.get("/api/assessment")
@require_permission(PERMISSIONS["read_assessment"])
@declare(query=YearQuery, resp={200: Assessment})
def assessment_api(query: YearQuery):
    return jsonify({"year": query.year, "units": assess.assessment(Session(), query.year, current_app.config, now())})


@bp.get("/api/assessment.xlsx")
@require_permission(PERMISSIONS["read_assessment"])
@declare(query=YearQuery, resp={200: None})
def assessment_xlsx_api(query: YearQuery):
    year = query.year
    data = assess.assessment_xlsx(assess.assessment(Session(), year, current_app.config, now()), year)
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=assessment-{year}.xlsx"})


@bp.get("/api/interviews/<id:interview_id>/stats")
@require_permission(PERMISSIONS["read_stats"])
@declare(resp={200: Stats})
def stats_api(interview_id: int):
    session = Session()
    get_interview(session, interview_id)
    return jsonify(stats.interview_stats(session, interview_id))


# ---- admin pages --------------------------------------------------------------------------

@bp.get("/admin/programme")
@require_page_permission(PERMISSIONS["programme_dashboard"])
def dashboard_page():
    session = Session()
    from sqlalchemy import select
    years = sorted((y for y in session.scalars(select(Interview.year).distinct()) if y), reverse=True)
    year = request.args.get("year", type=int) or (years[0] if years else now().astimezone(local_zone()).year)
    state = request.args.get("state") or None
    if state not in deadlines.STATE_LABELS:
        state = None
    unit_id = request.args.get("unit_id", type=int)
    clock = now()
    rows = deadlines.year_deadlines(session, year, current_app.config, clock, None, unit_id)
    shown = [r for r in rows if state is None or r["state"] == state]
    timeline: dict[int, dict] = {}
    year_start = datetime(year, 1, 1, tzinfo=local_zone())
    year_length = (datetime(year + 1, 1, 1, tzinfo=local_zone()) - year_start).total_seconds()
    for r in rows:
        offset = (datetime.fromisoformat(r["due_at"]) - year_start).total_seconds() if r["due_at"] else None
        r["pct"] = round(min(max(offset / year_length, 0), 1) * 100, 2) if offset is not None else None
        entry = timeline.setdefault(r["interview_id"], {"id": r["interview_id"], "title": r["title"],
                                                        "lead_unit": r["lead_unit"], "items": []})
        entry["items"].append(r)
    upcoming = [r for r in rows if r["state"] in ("due", "pending") and r["due_at"]
                and 0 <= (datetime.fromisoformat(r["due_at"]) - clock).total_seconds() <= 7 * 86400]
    units = list(session.scalars(select(Unit).order_by(Unit.name)))
    return render_template("programme/dashboard.html", year=year, years=years, state=state, unit_id=unit_id,
                           rows=shown, timeline=list(timeline.values()), upcoming=upcoming, units=units,
                           digest=digest.digest_items(session, current_app.config, clock),
                           states=deadlines.STATE_LABELS, kinds=deadlines.KIND_LABELS,
                           smtp=bool(current_app.config.get("SMTP_URL")))


@bp.get("/admin/assessment")
@require_page_permission(PERMISSIONS["read_assessment"])
def assessment_page():
    year = request.args.get("year", type=int) or now().astimezone(local_zone()).year
    return render_template("programme/assessment.html", year=year)


@bp.get("/admin/interviews/<id:interview_id>/script-versions")
@require_page_permission(PERMISSIONS["handle_script_versions"])
def script_review_page(interview_id: int):
    session = Session()
    interview = get_interview(session, interview_id)
    rows = scripts.list_versions(session, interview_id)
    minimum = current_app.config["SCRIPT_MIN_CHARS"]
    users = _users(session, rows)
    diff = scripts.diff_html(rows[-2], rows[-1]) if len(rows) >= 2 else None
    return render_template("programme/script_review.html", interview=interview, minimum=minimum,
                           versions=[scripts.version_json(r, minimum, users) for r in rows], diff=diff)
