"""The script's path: versions submitted by the host, the admin or the lead unit's liaison (a
token link, no account), counted, compared and reviewed; the approved version becomes the cue
cards through the cue area's public service, as `PUT …/script` does."""
from __future__ import annotations

import difflib
import hmac
import re
import secrets

from sqlalchemy import func, select

from studio.platform.db import utcnow
from studio.platform.errors import Conflict, Forbidden, NotFound, ValidationError
from studio.platform.events import record_event
from studio.platform.models import Interview, User
from studio.platform.timefmt import iso
from .deadlines import ensure_schedule
from .models import ProgrammeSchedule, ScriptVersion

# Chinese characters (汉字) only: punctuation, Latin letters and digits are not counted.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
MAX_SCRIPT_CHARS = 500_000
MAX_COMMENT = 2000


def count_chinese(text: str) -> int:
    return len(_HAN.findall(text or ""))


def version_json(v: ScriptVersion, minimum: int, users: dict[int, User] | None = None) -> dict:
    review = None
    if v.decision:
        by = (users or {}).get(v.reviewed_by_id)
        review = {"decision": v.decision, "comment": v.review_comment,
                  "by": by.display_name or by.username if by else None, "at": iso(v.reviewed_at)}
    return {"version": v.version, "chars": v.chars, "meets_minimum": v.chars >= minimum,
            "minimum": minimum, "source_name": v.source_name, "submitted_at": iso(v.submitted_at),
            "submitted_by": v.submitted_by, "review": review}


def list_versions(session, interview_id: int) -> list[ScriptVersion]:
    return list(session.scalars(select(ScriptVersion).where(ScriptVersion.interview_id == interview_id)
                                .order_by(ScriptVersion.version)))


def get_version(session, interview_id: int, version: int) -> ScriptVersion:
    row = session.scalar(select(ScriptVersion).where(ScriptVersion.interview_id == interview_id,
                                                     ScriptVersion.version == version))
    if row is None:
        raise NotFound(f"没有第 {version} 版访谈稿", code="script_version_not_found")
    return row


def submit_version(session, interview: Interview, text: str, source_name: str, source_kind: str,
                   user: User | None, liaison: bool = False) -> ScriptVersion:
    from studio.cues import clean_script_text  # the cue area's public reader

    text = clean_script_text(text or "")
    if not text.strip():
        raise ValidationError("访谈稿是空的", code="empty_script")
    if len(text) > MAX_SCRIPT_CHARS:
        raise ValidationError(f"访谈稿超过 {MAX_SCRIPT_CHARS} 字", code="script_too_long")
    # One version number at a time: the interview row is the lock (as the event log uses it).
    session.execute(select(Interview.id).where(Interview.id == interview.id).with_for_update())
    number = (session.scalar(select(func.max(ScriptVersion.version))
                             .where(ScriptVersion.interview_id == interview.id)) or 0) + 1
    if liaison:
        by = f"联络员 {interview.liaison_name}".strip()
    else:
        by = (user.display_name or user.username) if user else ""
    row = ScriptVersion(interview_id=interview.id, version=number, text=text, chars=count_chinese(text),
                        source_name=(source_name or "粘贴文本")[:255], source_kind=source_kind[:10],
                        submitted_at=utcnow(), submitted_by=by[:200],
                        submitted_by_user_id=user.id if user and not liaison else None, review_comment="")
    session.add(row)
    session.flush()
    record_event(session, interview.id, "script.version_submitted",
                 {"version": number, "chars": row.chars, "submitted_by": row.submitted_by})
    return row


def review_version(session, interview: Interview, version: int, body, user: User) -> tuple[ScriptVersion, dict | None]:
    """Approve or return one version; an approval splits it into the cue cards."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象 {decision, comment}", code="invalid_json")
    decision = body.get("decision")
    if decision not in ("approve", "return"):
        raise ValidationError("decision 应为 approve 或 return", code="invalid_decision", field="decision")
    comment = body.get("comment", "")
    if comment is None:
        comment = ""
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        raise ValidationError(f"comment 应为不超过 {MAX_COMMENT} 字的文本", code="invalid_field", field="comment")
    if decision == "return" and not comment.strip():
        raise ValidationError("退回修改请写明意见", code="comment_required", field="comment")
    row = get_version(session, interview.id, version)
    if row.decision is not None:
        raise Conflict(f"第 {version} 版已审核（{'通过' if row.decision == 'approve' else '退回'}）",
                       code="already_reviewed")
    latest = session.scalar(select(func.max(ScriptVersion.version)).where(ScriptVersion.interview_id == interview.id))
    if decision == "approve" and version != latest:
        raise Conflict(f"已有更新的第 {latest} 版，请审核最新版本", code="not_latest_version", latest=latest)
    row.decision, row.review_comment = decision, comment
    row.reviewed_by_id, row.reviewed_at = user.id, utcnow()
    session.flush()
    cues = None
    if decision == "approve":
        from studio.cues import replace_script  # the same service PUT …/script uses

        cues = replace_script(session, interview, row.text, f"第{row.version}版 {row.source_name}"[:255],
                              row.source_kind if row.source_kind in ("docx", "txt", "text") else "text", user)
    record_event(session, interview.id, "script.version_reviewed",
                 {"version": version, "decision": decision, "comment": comment,
                  "by": user.display_name or user.username})
    return row, cues


def diff_html(old: ScriptVersion, new: ScriptVersion) -> str:
    """A side-by-side table of the changed paragraphs (with context), for the review page."""
    differ = difflib.HtmlDiff(tabsize=4, wrapcolumn=48)
    return differ.make_table(old.text.splitlines(), new.text.splitlines(),
                             fromdesc=f"第 {old.version} 版", todesc=f"第 {new.version} 版",
                             context=True, numlines=2)


def diff_unified(old: ScriptVersion, new: ScriptVersion) -> str:
    return "\n".join(difflib.unified_diff(old.text.splitlines(), new.text.splitlines(),
                                          f"第{old.version}版", f"第{new.version}版", lineterm=""))


# ---- the liaison's link -------------------------------------------------------------------

def liaison_token(session, interview_id: int) -> str:
    schedule = ensure_schedule(session, interview_id)
    if not schedule.liaison_token:
        renew_liaison_token(session, interview_id)
    return schedule.liaison_token


def renew_liaison_token(session, interview_id: int) -> str:
    """A new token; the old link stops working at once."""
    schedule = ensure_schedule(session, interview_id)
    schedule.liaison_token = secrets.token_urlsafe(24)
    schedule.liaison_token_at = utcnow()
    session.flush()
    return schedule.liaison_token


def check_liaison_token(session, interview_id: int, token) -> None:
    """The token must be this interview's current one; another interview's token is refused."""
    if not isinstance(token, str) or not token:
        raise Forbidden("缺少上传链接令牌", code="token_required")
    schedule = session.get(ProgrammeSchedule, interview_id)
    if schedule is None or not schedule.liaison_token or not hmac.compare_digest(schedule.liaison_token, token):
        raise Forbidden("上传链接无效或已更新，请向管理员索取新链接", code="invalid_token")
