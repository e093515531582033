"""Open day registration (报名): the public applies (name, phone, identity group, reason) within
the cap and before the deadline; admin accepts, waitlists or declines with a reason; declining an
accepted one promotes the earliest waitlisted application. Plain functions (no Flask)."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from studio.platform.db import utcnow
from studio.platform.errors import Conflict, Forbidden, NotFound, TooMany, ValidationError
from studio.platform.events import record_event
from studio.platform.http import MAX_ID
from studio.interviews import clean_text, lock_interview
from studio.platform.models import Interview, User
from studio.platform.timefmt import iso, parse_iso
from .models import APPLICATION_STATUSES, IDENTITY_GROUPS, Application, OpenDaySettings

STATUS_NAMES = {"pending": "待审核", "accepted": "已通过", "waitlisted": "候补", "declined": "未通过"}
DECISIONS = {"accept": "accepted", "waitlist": "waitlisted", "decline": "declined"}
# A mainland mobile, or a landline with its area code (digits after NFKC: full-width typed is fine).
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
MAX_CAPACITY = 10_000


def get_settings(session, interview_id: int) -> OpenDaySettings:
    row = session.get(OpenDaySettings, interview_id)
    if row is None:
        row = OpenDaySettings(interview_id=interview_id, capacity=30, updated_at=utcnow())
        session.add(row)
        session.flush()
    return row


def accepted_count(session, interview_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Application).where(
        Application.interview_id == interview_id, Application.status == "accepted"))


def registration_state(session, interview: Interview, now: datetime | None = None) -> dict:
    """What the public form shows: places, the deadline, and whether one may apply now."""
    now = now or utcnow()
    settings = get_settings(session, interview.id)
    taken = accepted_count(session, interview.id)
    if interview.kind != "open_day":
        open_, message = False, "本期节目不是政府开放日，无需报名"
    elif settings.registration_closes_at is not None and now >= settings.registration_closes_at:
        open_, message = False, "报名已截止"
    elif taken >= settings.capacity:
        open_, message = False, "名额已满"
    else:
        open_, message = True, "报名进行中"
    return {"open": open_, "message": message, "capacity": settings.capacity, "accepted": taken,
            "places_left": max(settings.capacity - taken, 0),
            "registration_closes_at": iso(settings.registration_closes_at),
            "identity_groups": list(IDENTITY_GROUPS)}


def update_settings(session, interview: Interview, body: dict) -> OpenDaySettings:
    settings = get_settings(session, interview.id)
    if "capacity" in body:
        cap = body["capacity"]
        if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_CAPACITY:
            raise ValidationError(f"名额必须是 1–{MAX_CAPACITY} 的整数", code="invalid_field", field="capacity")
        settings.capacity = cap
    if "registration_closes_at" in body:
        settings.registration_closes_at = parse_iso(body["registration_closes_at"], "registration_closes_at")
    settings.updated_at = utcnow()
    session.flush()
    return settings


def _field(body: dict, key: str, label: str, limit: int, required: bool) -> str:
    value = body.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{label}必须是文字", code="invalid_field", field=key)
    value = clean_text(value, label, limit, multiline=(key == "reason"))
    if required and not value:
        raise ValidationError(f"请填写{label}", code="missing_field", field=key)
    return value


def phone_key(phone: str) -> str:
    folded = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", phone))
    return hashlib.sha256(folded.encode()).hexdigest()


def _check_rate_limit(session, interview_id: int, client_key: str, ip: str,
                      limit: tuple[int, int] | None, now: datetime) -> None:
    """The questions' limit (QUESTION_RATE_LIMIT), counted on this interview's applications."""
    if limit is None:
        return
    count, seconds = limit
    since = now - timedelta(seconds=seconds)
    recent = session.scalar(select(func.count()).select_from(Application).where(
        Application.interview_id == interview_id, Application.created_at > since,
        (Application.client_key == client_key) | (Application.ip == ip)))
    if recent >= count:
        raise TooMany(f"提交太频繁了，请 {seconds} 秒后再试", code="rate_limited", retry_after=seconds)


def submit_application(session, interview: Interview, body: dict, *, client_key: str, ip: str = "",
                       rate_limit: tuple[int, int] | None = None, now: datetime | None = None) -> Application:
    """A public application; 403 when registration is not open (closed, full, not an open day)."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象 {name, phone, identity_group, reason}", code="invalid_json")
    name = _field(body, "name", "姓名", 60, True)
    phone = _field(body, "phone", "手机号", 40, True)
    if not _PHONE.match(re.sub(r"[\s]", "", unicodedata.normalize("NFKC", phone))):
        raise ValidationError("请填写正确的手机号或带区号的电话", code="invalid_phone", field="phone")
    group = body.get("identity_group")
    if group not in IDENTITY_GROUPS:
        raise ValidationError("请选择身份类别：" + "、".join(IDENTITY_GROUPS), code="invalid_identity_group",
                              field="identity_group")
    reason = _field(body, "reason", "报名理由", 300, False)
    now = now or utcnow()
    _check_rate_limit(session, interview.id, client_key, ip, rate_limit, now)
    # Under the interview's lock: the cap check and the insert of two applicants at once do not race.
    lock_interview(session, interview.id)
    state = registration_state(session, interview, now)
    if not state["open"]:
        code = {"报名已截止": "registration_closed", "名额已满": "registration_full"}.get(state["message"],
                                                                                  "registration_not_open")
        raise Forbidden(state["message"], code=code)
    application = Application(interview_id=interview.id, name=name, phone=phone, phone_key=phone_key(phone),
                              identity_group=group, reason=reason, status="pending", client_key=client_key,
                              ip=ip, created_at=now)
    try:
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:
        raise Conflict("这个手机号已经报过名了", code="already_registered")
    record_event(session, interview.id, "openday.application_submitted", application_json(application))
    return application


def get_application(session, application_id: int) -> Application:
    row = session.get(Application, application_id) if 0 < application_id <= MAX_ID else None
    if row is None:
        raise NotFound("报名不存在", code="application_not_found")
    return row


def review_application(session, application: Application, user: User, body: dict) -> list[Application]:
    """accept / waitlist / decline (with a reason); answers every application that changed (a
    declined accepted one may promote the earliest waitlisted one)."""
    decision = body.get("decision") if isinstance(body, dict) else None
    if decision not in DECISIONS:
        raise ValidationError("decision 必须是 accept、waitlist 或 decline", code="invalid_decision", field="decision")
    reason = _field(body, "reason", "理由", 500, decision == "decline")
    lock_interview(session, application.interview_id)
    session.refresh(application)
    new_status = DECISIONS[decision]
    was_accepted = application.status == "accepted"
    if new_status == "accepted" and not was_accepted:
        settings = get_settings(session, application.interview_id)
        if accepted_count(session, application.interview_id) >= settings.capacity:
            raise Conflict(f"名额已满（{settings.capacity} 人），请改为候补", code="capacity_reached",
                           capacity=settings.capacity)
    changed = [_decide(session, application, new_status, reason, user)]
    if was_accepted and new_status != "accepted":
        promoted = session.scalar(select(Application).where(
            Application.interview_id == application.interview_id, Application.status == "waitlisted")
            .order_by(Application.created_at, Application.id).limit(1))
        if promoted is not None:
            changed.append(_decide(session, promoted, "accepted", "候补递补", user))
    return changed


def _decide(session, application: Application, status: str, reason: str, user: User) -> Application:
    application.status = status
    application.decline_reason = reason if status == "declined" else ""
    application.decided_at = utcnow()
    application.decided_by_id = user.id
    session.flush()
    record_event(session, application.interview_id, "openday.application_reviewed",
                 {**application_json(application), "reason": reason})
    return application


def list_applications(session, interview_id: int, status: str | None = None) -> list[Application]:
    if status is not None and status not in APPLICATION_STATUSES:
        raise ValidationError("status 必须是 " + "、".join(APPLICATION_STATUSES), code="invalid_status")
    query = select(Application).where(Application.interview_id == interview_id)
    if status:
        query = query.where(Application.status == status)
    return list(session.scalars(query.order_by(Application.created_at, Application.id)))


def application_json(a: Application, phone: bool = False) -> dict:
    """Staff views; the phone only where asked for (the review list and the door list)."""
    data = {"id": a.id, "interview_id": a.interview_id, "name": a.name, "identity_group": a.identity_group,
            "reason": a.reason, "status": a.status, "decline_reason": a.decline_reason,
            "created_at": iso(a.created_at), "decided_at": iso(a.decided_at)}
    if phone:
        data["phone"] = a.phone
    return data


def accepted_rows(session, interview_id: int) -> list[tuple]:
    rows = [("序号", "姓名", "手机号", "身份类别", "报名理由", "报名时间", "签到")]
    for n, a in enumerate(list_applications(session, interview_id, "accepted"), start=1):
        rows.append((n, a.name, a.phone, a.identity_group, a.reason, iso(a.created_at), ""))
    return rows
