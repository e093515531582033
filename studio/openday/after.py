"""After the open day (issue 13 item "After"): the activity report (the feed's content and photos)
published to the archive as a text item within 3 days, the opinions collected (netizen questions
and free-text questionnaire answers) grouped and exported, and the feedback on them published
within 15 days. Plain functions (no Flask request).

The deadlines are the programme's (studio.programme.deadlines): its `publish` days for the report
and its `replies` days for the feedback, counted from the end of the open day, with its states.
Publishing goes through publishing's own public functions (the text-only edit, then the job).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from studio.platform.db import utcnow
from studio.platform.errors import Conflict, ValidationError
from studio.platform.events import record_event
from studio.platform.timefmt import iso
from .models import Survey
from .registration import get_settings
from .survey import text_answers

MAX_TEXT = 20000
# Our two deadlines and the programme deadline kind whose days and states they take.
AFTER_KINDS = (("report", "publish", "发布活动报道"), ("feedback", "replies", "发布意见反馈"))


def _clean(value, label: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{label}必须是文字", code="invalid_field")
    value = value.replace("\r\n", "\n").strip()
    if len(value) > MAX_TEXT:
        raise ValidationError(f"{label}太长（最多 {MAX_TEXT} 字）", code="too_long", max=MAX_TEXT)
    return value


def deadlines(session, interview, settings, now: datetime | None = None) -> list[dict]:
    """report: 3 days and feedback: 15 days after the end (the programme's publish / replies days)."""
    from studio.programme import DEFAULT_DAYS, SETTING_DAYS, STATE_LABELS, happened, planned_start, state_of

    now = now or utcnow()
    end = interview.ended_at or planned_start(interview)[0]
    row = get_settings(session, interview.id)
    done = {"report": happened(session, interview, now)["publish"], "feedback": row.feedback_published_at}
    out = []
    for kind, programme_kind, label in AFTER_KINDS:
        days = int(settings.get(SETTING_DAYS[programme_kind], DEFAULT_DAYS[programme_kind]))
        due = end + timedelta(days=days) if end else None
        state = state_of(due, done[kind], now)
        out.append({"kind": kind, "label": label, "days": days, "due_at": iso(due), "done_at": iso(done[kind]),
                    "state": state, "state_label": STATE_LABELS[state]})
    return out


def after_json(session, interview, settings, now: datetime | None = None) -> dict:
    row = get_settings(session, interview.id)
    return {"interview_id": interview.id, "state": interview.state, "report_text": row.report_text or "",
            "feedback_text": row.feedback_text or "", "feedback_published_at": iso(row.feedback_published_at),
            "deadlines": deadlines(session, interview, settings, now)}


def public_after(session, interview) -> dict:
    """What the viewer page shows: the report's summary once the report is published, the
    feedback once it is published."""
    row = get_settings(session, interview.id)
    return {"report_text": (row.report_text or "") if interview.state == "published" else "",
            "feedback_text": (row.feedback_text or "") if row.feedback_published_at else "",
            "feedback_published_at": iso(row.feedback_published_at)}


def update_texts(session, interview, body: dict) -> None:
    unknown = set(body) - {"report_text", "feedback_text"}
    if unknown or not body:
        raise ValidationError("只能修改 report_text（活动报道）和 feedback_text（意见反馈）", code="invalid_field")
    row = get_settings(session, interview.id)
    if "report_text" in body:
        row.report_text = _clean(body["report_text"], "活动报道")
    if "feedback_text" in body:
        text = _clean(body["feedback_text"], "意见反馈")
        if row.feedback_published_at and not text:
            raise ValidationError("意见反馈已发布，不能清空", code="empty_feedback")
        row.feedback_text = text
        if row.feedback_published_at:
            # Already public: the correction is public at once.
            record_event(session, interview.id, "openday.feedback_published",
                         {"text": row.feedback_text, "published_at": iso(row.feedback_published_at)})
    row.updated_at = utcnow()
    session.flush()


def publish_report(session, interview, user_id: int | None):
    """The activity report to the archive as a text item: publishing's text-only edit (no
    recordings), then its publishing job. Returns the job."""
    from publishing import publish_text_only

    if interview.state not in ("ended", "published"):
        raise Conflict("开放日结束后才能发布活动报道", code="not_publishable", state=interview.state)
    return publish_text_only(session, interview.id, user_id)


def publish_feedback(session, interview, now: datetime | None = None) -> dict:
    row = get_settings(session, interview.id)
    if not (row.feedback_text or "").strip():
        raise ValidationError("请先填写意见反馈", code="empty_feedback", field="feedback_text")
    if interview.state not in ("ended", "published"):
        raise Conflict("开放日结束后才能发布意见反馈", code="not_ended", state=interview.state)
    row.feedback_published_at = row.feedback_published_at or now or utcnow()
    session.flush()
    record_event(session, interview.id, "openday.feedback_published",
                 {"text": row.feedback_text, "published_at": iso(row.feedback_published_at)})
    return public_after(session, interview)


# ---- the opinions collected ---------------------------------------------------------------------

def _question_groups(session, interview_id: int) -> list[dict]:
    """Netizen questions grouped as moderation grouped them: merged ones under the question they
    were merged into, and the rest by moderation's duplicate key (match_key)."""
    from moderation.models import Question

    rows = list(session.scalars(select(Question).where(Question.interview_id == interview_id,
                                                       Question.status != "rejected").order_by(Question.id)))
    by_id = {q.id: q for q in rows}

    def root(q):
        seen = set()
        while q.merged_into_id and q.merged_into_id in by_id and q.id not in seen:
            seen.add(q.id)
            q = by_id[q.merged_into_id]
        return q

    groups: dict[str, dict] = {}
    for q in rows:
        top = root(q)
        key = top.match_key or f"#{top.id}"
        group = groups.setdefault(key, {"source": "question", "key": key, "title": top.text, "count": 0, "items": []})
        group["count"] += q.askers or 1
        group["items"].append({"id": q.id, "text": q.text, "nickname": q.nickname, "status": q.status})
    return sorted(groups.values(), key=lambda g: -g["count"])


def _survey_groups(session, interview_id: int) -> list[dict]:
    """Free-text answers grouped by the questionnaire's question; the same answer (moderation's
    match key) counted once with how many gave it."""
    from moderation import match_key

    groups = []
    for survey in session.scalars(select(Survey).where(Survey.interview_id == interview_id).order_by(Survey.id)):
        by_question: dict[int, dict] = {}
        for answer in text_answers(session, survey):
            group = by_question.setdefault(answer["question_id"], {
                "source": "survey", "key": f"{survey.id}:{answer['question_id']}",
                "title": f"{survey.title}：{answer['question']}", "count": 0, "items": [], "_keys": {}})
            group["count"] += 1
            key = match_key(answer["text"]) or answer["text"]
            known = group["_keys"].get(key)
            if known is not None:
                known["same"] += 1
                continue
            item = {"text": answer["text"], "same": 1, "flagged": bool(answer["flags"])}
            group["_keys"][key] = item
            group["items"].append(item)
        for group in by_question.values():
            group.pop("_keys")
            groups.append(group)
    return groups


def opinions(session, interview) -> dict:
    return {"interview_id": interview.id, "questions": _question_groups(session, interview.id),
            "survey": _survey_groups(session, interview.id)}


def opinion_rows(data: dict) -> list[tuple]:
    rows = [("来源", "分组", "人数", "内容", "相同意见数")]
    for group in data["questions"]:
        for item in group["items"]:
            rows.append(("网友提问", group["title"], group["count"], item["text"], ""))
    for group in data["survey"]:
        for item in group["items"]:
            rows.append(("问卷调查", group["title"], group["count"], item["text"], item["same"]))
    return rows
