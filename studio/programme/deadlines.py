"""Deadlines of one interview, derived from its schedule, and their states, derived from what
happened (events and rows of other areas, read only). Nothing here is ever ticked by hand.

Every function takes `now` so tests (and the digest) move a clock instead of sleeping.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from studio.platform.db import utcnow
from studio.platform.errors import ValidationError
from studio.platform.models import Event, Interview
from studio.platform.timefmt import iso, local_zone, parse_iso
from .models import DEADLINE_KINDS, ProgrammeSchedule, ScriptVersion

DUE_SOON = timedelta(days=7)  # the contract's "due": within 7 days
# A month-only plan date ("4月") counts from the month's first day at the usual morning slot:
# the earliest the interview can be, so no deadline is later than the real one will be.
MONTH_ONLY_TIME = time(9, 30)
KIND_LABELS = {"preview": "发布预告", "questions_open": "开始征集提问", "questions_close": "结束征集提问",
               "script_final": "访谈稿定稿", "publish": "发布回顾", "replies": "书面答复"}
STATE_LABELS = {"pending": "未到期", "due": "即将到期", "overdue": "已逾期", "done": "按时完成", "late": "逾期完成"}
SETTING_DAYS = {"preview": "DEADLINE_PREVIEW_DAYS", "questions_open": "DEADLINE_QUESTIONS_OPEN_DAYS",
                "script_final": "DEADLINE_SCRIPT_DAYS", "publish": "DEADLINE_PUBLISH_DAYS",
                "replies": "DEADLINE_REPLIES_DAYS"}
DEFAULT_DAYS = {"preview": 30, "questions_open": 20, "script_final": 3, "publish": 3, "replies": 15}


@dataclass
class Deadline:
    kind: str
    due_at: datetime | None
    done_at: datetime | None
    state: str
    overridden: bool = False
    estimated: bool = False  # from a month-only date

    def as_json(self) -> dict:
        return {"kind": self.kind, "label": KIND_LABELS[self.kind], "due_at": iso(self.due_at),
                "done_at": iso(self.done_at), "state": self.state, "state_label": STATE_LABELS[self.state],
                "overridden": self.overridden, "estimated": self.estimated}


def planned_start(interview: Interview) -> tuple[datetime | None, bool]:
    """(start, estimated): the exact schedule, else the 1st of the planned month."""
    if interview.scheduled_at is not None:
        return interview.scheduled_at, False
    if interview.scheduled_month and interview.year:
        local = datetime.combine(date(interview.year, interview.scheduled_month, 1), MONTH_ONLY_TIME, local_zone())
        return local.astimezone(timezone.utc), True
    return None, False


def _days(settings, kind: str) -> int:
    return int(settings.get(SETTING_DAYS[kind], DEFAULT_DAYS[kind]))


def derived_due(interview: Interview, settings) -> dict[str, datetime | None]:
    start, _ = planned_start(interview)
    if start is None:
        return {kind: None for kind in DEADLINE_KINDS}
    # Before the show has ended its end is not known: the planned start stands in for it.
    end = interview.ended_at or start
    return {
        "preview": start - timedelta(days=_days(settings, "preview")),
        "questions_open": start - timedelta(days=_days(settings, "questions_open")),
        "questions_close": start,
        "script_final": start - timedelta(days=_days(settings, "script_final")),
        "publish": end + timedelta(days=_days(settings, "publish")),
        "replies": end + timedelta(days=_days(settings, "replies")),
    }


def state_of(due_at: datetime | None, done_at: datetime | None, now: datetime) -> str:
    if done_at is not None and done_at <= now:
        return "done" if due_at is None or done_at <= due_at else "late"
    if due_at is None:
        return "pending"
    if now > due_at:
        return "overdue"
    return "due" if due_at - now <= DUE_SOON else "pending"


# ---- what happened --------------------------------------------------------------------------

def _state_reached_at(session, interview_id: int, states: tuple[str, ...]) -> datetime | None:
    """When an interview first entered one of these states (its interview.state_changed events)."""
    for ev in session.scalars(select(Event).where(Event.interview_id == interview_id,
                                                  Event.type == "interview.state_changed").order_by(Event.seq)):
        if (ev.data or {}).get("state") in states:
            return ev.at
    return None


def script_approved_at(session, interview_id: int) -> datetime | None:
    """The approval of the newest version, if the newest version is approved (a later version
    awaiting review means the final script is not settled)."""
    latest = session.scalars(select(ScriptVersion).where(ScriptVersion.interview_id == interview_id)
                             .order_by(ScriptVersion.version.desc()).limit(1)).first()
    return latest.reviewed_at if latest is not None and latest.decision == "approve" else None


def replies_done_at(session, interview: Interview, now: datetime) -> datetime | None:
    """When the last approved-but-unanswered question got its written reply; the end itself when
    there was none to reply to. None until the show has ended or while one is unreplied."""
    from .stats import reply_questions  # moderation's rows, read only

    if interview.ended_at is None or interview.ended_at > now:
        return None
    done = interview.ended_at
    for q in reply_questions(session, interview.id):
        if not q.reply_text or q.replied_at is None or q.replied_at > now:
            return None
        done = max(done, q.replied_at)
    return done


def happened(session, interview: Interview, now: datetime) -> dict[str, datetime | None]:
    preview_at = _state_reached_at(session, interview.id, ("preview",))
    opened = None
    if preview_at is not None and interview.questions_open_at is not None:
        opened = max(preview_at, interview.questions_open_at)
    # The collection before the show closes at the start, or earlier when the intake says so.
    closed = interview.started_at
    if opened is not None and interview.questions_close_at is not None and interview.questions_close_at <= now:
        closed = min(closed, interview.questions_close_at) if closed else interview.questions_close_at
    published = _state_reached_at(session, interview.id, ("published",)) or interview.published_at
    return {"preview": preview_at, "questions_open": opened, "questions_close": closed,
            "script_final": script_approved_at(session, interview.id), "publish": published,
            "replies": replies_done_at(session, interview, now)}


def interview_deadlines(session, interview: Interview, settings, now: datetime | None = None) -> list[Deadline]:
    now = now or utcnow()
    derived = derived_due(interview, settings)
    _, estimated = planned_start(interview)
    schedule = session.get(ProgrammeSchedule, interview.id)
    done = happened(session, interview, now)
    rows = []
    for kind in DEADLINE_KINDS:
        override = getattr(schedule, f"{kind}_due_at") if schedule is not None else None
        due = override or derived[kind]
        rows.append(Deadline(kind, due, done[kind], state_of(due, done[kind], now), override is not None,
                             estimated and override is None and due is not None))
    return rows


def year_deadlines(session, year: int, settings, now: datetime | None = None, state: str | None = None,
                   unit_id: int | None = None) -> list[dict]:
    """Every deadline of the year's interviews, overdue first, then by due time."""
    now = now or utcnow()
    rows = []
    query = select(Interview).where(Interview.year == year).order_by(Interview.plan_no, Interview.id)
    for interview in session.scalars(query):
        if unit_id is not None and not any(u.unit_id == unit_id for u in interview.units):
            continue
        for d in interview_deadlines(session, interview, settings, now):
            if state and d.state != state:
                continue
            rows.append({**d.as_json(), "interview_id": interview.id, "title": interview.title,
                         "lead_unit": lead_unit_name(interview)})
    order = {"overdue": 0, "due": 1, "pending": 2, "late": 3, "done": 4}
    return sorted(rows, key=lambda r: (order[r["state"]], r["due_at"] or "9999", r["interview_id"]))


def lead_unit_name(interview: Interview) -> str:
    for iu in interview.units:
        if iu.is_lead:
            return iu.unit.name
    return interview.units[0].unit.name if interview.units else ""


def check_state(value) -> str | None:
    if value in (None, ""):
        return None
    if value not in STATE_LABELS:
        raise ValidationError(f"state 应为 {'、'.join(STATE_LABELS)} 之一", code="invalid_state", field="state")
    return value


def set_overrides(session, interview: Interview, body) -> None:
    """{kind: ISO time or null}: an interview's own deadlines (null: back to the derived one)."""
    if not isinstance(body, dict) or not body:
        raise ValidationError("请求体应为 {类型: 时间或 null}", code="invalid_json")
    unknown = [k for k in body if k not in DEADLINE_KINDS]
    if unknown:
        raise ValidationError(f"未知的期限类型：{'、'.join(map(str, unknown))[:80]}", code="invalid_kind",
                              field=str(unknown[0])[:40])
    schedule = ensure_schedule(session, interview.id)
    for kind, value in body.items():
        setattr(schedule, f"{kind}_due_at", parse_iso(value, kind) if value is not None else None)
    schedule.updated_at = utcnow()
    session.flush()


def ensure_schedule(session, interview_id: int) -> ProgrammeSchedule:
    schedule = session.get(ProgrammeSchedule, interview_id)
    if schedule is None:
        schedule = ProgrammeSchedule(interview_id=interview_id, updated_at=utcnow())
        session.add(schedule)
        session.flush()
    return schedule
