"""Question intake, screening, the host queue, written replies and the audit trail.

Plain functions over a SQLAlchemy session: they never touch the request, the Flask session or
emit. Every visible change records its event in the caller's transaction (studio.platform.events), and
every screening action writes an audit row in the same transaction.

Two moderators never both handle one question: each Question row carries a version that every
UPDATE checks and bumps (SQLAlchemy's version_id_col), status changes check the current status,
and a client may send the version it saw; whoever comes second gets 409 with who won.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm.exc import StaleDataError

from studio.platform.db import utcnow
from studio.platform.errors import Conflict, DomainError, Forbidden, NotFound, TooMany, ValidationError
from studio.platform.events import record_event, redact_public_events
from studio.platform.models import Interview, InterviewUnit, Unit, User
from studio.platform.timefmt import iso, local_zone, parse_iso

from . import similarity, wordlist
from .personal import find_personal_info
from .models import (PUBLIC_STATUSES, QUESTION_SOURCES, ModerationAudit, Question, QuestionAttempt,
                     QuestionSettings)
from .text import clean_text, match_key

NICKNAME_MAX = 30
TEXT_MIN = 2
TEXT_MAX = 500
CONTACT_MAX = 100
REASON_MAX = 200
LABEL_MAX = 20
LABELS_MAX = 10
DEFAULT_NICKNAME = "网友"
# The same text from the same client within this time is the same question, not a new one.
DUPLICATE_WINDOW = timedelta(minutes=10)
# Many netizens may share one address (an office behind NAT), so the address alone gets a
# looser limit; it still bounds a client that throws its device cookie away on every request.
PER_IP_FACTOR = 10
CLAIM_SECONDS = 90
# A screening decision (通过/驳回/合并) another moderator made this recently is only overturned
# with the status the console showed and an explicit confirmation (issue 8.2).
DECISION_PROTECTED = timedelta(minutes=10)
DECISION_ACTIONS = ("approve", "reject", "merge", "push")
DEFAULT_REPLY_DAYS = 15
REJECT_REASONS = ("与访谈主题无关", "重复提问", "含有不文明用语", "涉及个人隐私", "内容不完整", "广告或无意义内容")
STATUS_NAMES = {"pending": "待审核", "approved": "已通过", "pushed": "已推送", "on_air": "正在回答",
                "answered": "已回答", "rejected": "已驳回", "merged": "已合并"}
SOURCE_NAMES = {"web": "网站", "hotline": "热线", "onsite": "现场"}
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read over the phone

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,180}\.[^@\s]{2,}$")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|seconds|m|min|minute|minutes|h|hour|hours|d|day|days)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


# ---- serialisation --------------------------------------------------------------------------

def _user_ref(session, user_id: int | None) -> dict | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return {"id": user.id, "name": user.display_name or user.username} if user else None


def _reply_json(session, q: Question) -> dict | None:
    if not q.reply_text:
        return None
    unit = session.get(Unit, q.reply_unit_id) if q.reply_unit_id else None
    return {"text": q.reply_text, "unit": unit.name if unit else "", "replied_at": iso(q.replied_at)}


def public_status(status: str) -> str:
    """The host queue is backstage: to the public a pushed question is simply approved."""
    return "approved" if status == "pushed" else status


def public_question_json(session, q: Question) -> dict:
    """What anyone may see of an approved question: never contact, flags, labels or the original."""
    return {"id": q.id, "interview_id": q.interview_id, "nickname": q.nickname, "text": q.text,
            "status": public_status(q.status), "askers": q.askers, "created_at": iso(q.created_at),
            "on_air_at": iso(q.on_air_at), "answered_at": iso(q.answered_at),
            "reply": _reply_json(session, q), "version": q.version}


def question_json(session, q: Question, contact: bool = False, merged: list[Question] | None = None) -> dict:
    """The staff form. `contact` only for screening staff (moderator, admin), never in events."""
    data = {
        "id": q.id, "interview_id": q.interview_id, "nickname": q.nickname, "text": q.text,
        "original_text": q.original_text, "status": q.status, "source": q.source,
        "flags": list(q.flags or []), "labels": list(q.labels or []), "starred": q.starred,
        "queue_position": q.queue_position, "merged_into": q.merged_into_id, "askers": q.askers,
        "receipt": q.receipt, "created_at": iso(q.created_at), "updated_at": iso(q.updated_at),
        "version": q.version, "claimed_by": _claim_ref(session, q), "claimed_until": _claim_until(q),
        "handled_by": _user_ref(session, q.handled_by_id),
        "reject_reason": q.reject_reason or None, "on_air_at": iso(q.on_air_at),
        "answered_at": iso(q.answered_at), "reply": _reply_json(session, q),
        "reply_due_at": iso(q.reply_due_at), "has_contact": bool(q.contact),
    }
    if merged is not None:
        data["merged_questions"] = [{"id": m.id, "nickname": m.nickname, "text": m.text,
                                     "created_at": iso(m.created_at)} for m in merged]
    if contact:
        data["contact"] = q.contact or None
    return data


def _claim_ref(session, q: Question) -> dict | None:
    if q.claimed_by_id is None or q.claimed_at is None or q.claimed_at < utcnow() - timedelta(seconds=CLAIM_SECONDS):
        return None
    return _user_ref(session, q.claimed_by_id)


def _claim_until(q: Question) -> str | None:
    if q.claimed_by_id is None or q.claimed_at is None:
        return None
    until = q.claimed_at + timedelta(seconds=CLAIM_SECONDS)
    return iso(until) if until > utcnow() else None


def _merged_children(session, q: Question) -> list[Question]:
    return list(session.scalars(select(Question).where(Question.merged_into_id == q.id).order_by(Question.id)))


def _event_json(session, q: Question) -> dict:
    """Staff event data: the staff JSON without contact (the event log is kept and replayed)."""
    return question_json(session, q, contact=False, merged=_merged_children(session, q))


# ---- intake ---------------------------------------------------------------------------------

def parse_rate_limit(spec: str | None) -> tuple[int, int] | None:
    """'5/minute' -> (5, 60); '10/30s' -> (10, 30); '0', 'off' or empty -> no limit."""
    if spec is None or str(spec).strip().lower() in ("", "0", "off", "none"):
        return None
    match = _RATE.match(str(spec).lower())
    if not match:
        raise ValueError(f"QUESTION_RATE_LIMIT {spec!r}: expected N/second, N/minute, N/hour, N/day or N/<k>s")
    count, multiplier, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)[0]
    return (count, multiplier * _UNIT_SECONDS[unit]) if count > 0 else None


def client_key_for(ip: str, device_id: str) -> str:
    """A client is its address plus its device cookie (hashed: neither is stored in clear)."""
    return hashlib.sha256(f"{ip}|{device_id}".encode()).hexdigest()


def intake_state(interview: Interview, now: datetime | None = None) -> dict:
    """Whether the public may ask now, and a message saying why not."""
    now = now or utcnow()
    opens, closes = interview.questions_open_at, interview.questions_close_at
    if interview.state == "live":
        return {"accepting": True, "message": "直播进行中，欢迎提问", "opens_at": iso(opens), "closes_at": iso(closes)}
    if interview.state == "preview" and opens is not None and opens <= now and (closes is None or now < closes):
        return {"accepting": True, "message": "网友提问征集中", "opens_at": iso(opens), "closes_at": iso(closes)}
    if interview.state == "preview" and opens is not None and now < opens:
        message = f"提问征集尚未开始（{iso(opens)[:16].replace('T', ' ')} 开始）"
    elif interview.state == "preview" and opens is None:
        message = "本期访谈暂未开放提问"
    else:
        message = "提问征集已结束"
    return {"accepting": False, "message": message, "opens_at": iso(opens), "closes_at": iso(closes)}


def _clean_field(body: dict, key: str, limit: int, label: str, required: bool = False, minimum: int = 0) -> str:
    value = body.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{label}必须是文字", code="invalid_field", field=key)
    value = clean_text(value)
    if required and not value:
        raise ValidationError(f"请填写{label}", code="empty_" + key, field=key)
    if value and len(value) < minimum:
        raise ValidationError(f"{label}太短（至少 {minimum} 个字）", code="too_short", field=key, min=minimum)
    if len(value) > limit:
        raise ValidationError(f"{label}太长：{len(value)} 个字，最多 {limit} 个字", code="too_long",
                              field=key, max=limit, length=len(value))
    return value


def _clean_contact(body: dict) -> str:
    contact = _clean_field(body, "contact", CONTACT_MAX, "联系方式")
    # Checked in its folded form (a phone typed with full-width digits is still a phone), kept as typed.
    folded = unicodedata.normalize("NFKC", contact)
    if contact and not (_PHONE.match(folded) or _EMAIL.match(folded)):
        raise ValidationError("联系方式请填写手机号、电话或电子邮箱", code="invalid_contact", field="contact")
    return contact


def _lock_interview(session, interview_id: int) -> None:
    """Serialise writers of one interview (a row write lock on SQLite and PostgreSQL alike),
    so the duplicate and rate-limit checks made after it see every earlier submission. Held to
    the commit: take it as late as possible."""
    session.execute(update(Interview).where(Interview.id == interview_id).values(last_seq=Interview.last_seq))


def _new_receipt(session) -> str:
    while True:
        code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
        if session.scalar(select(Question.id).where(Question.receipt == code)) is None:
            return code


def _check_rate_limit(session, client_key: str, ip: str, limit: tuple[int, int] | None, now: datetime) -> None:
    """429 when the client (or its address) used up the window: two counts, each a range of one
    index (ix_question_attempts_client_at / _ip_at) holding at most the window's attempts."""
    if limit is None:
        return
    count, seconds = limit
    since = now - timedelta(seconds=seconds)
    by_client = session.scalar(select(func.count()).select_from(QuestionAttempt).where(
        QuestionAttempt.client_key == client_key, QuestionAttempt.at > since))
    by_ip = session.scalar(select(func.count()).select_from(QuestionAttempt).where(
        QuestionAttempt.ip == ip, QuestionAttempt.at > since))
    if by_client >= count or by_ip >= count * PER_IP_FACTOR:
        oldest = session.scalar(select(func.min(QuestionAttempt.at)).where(
            (QuestionAttempt.client_key == client_key) if by_client >= count else (QuestionAttempt.ip == ip),
            QuestionAttempt.at > since))
        retry = max(1, int(((oldest or now) + timedelta(seconds=seconds) - now).total_seconds()) + 1)
        raise TooMany(f"提问太频繁了，请 {retry} 秒后再试（每位网友 {_window_text(count, seconds)}）",
                      code="rate_limited", retry_after=retry)


_last_prune: dict[str, float] = {}
PRUNE_EVERY = 60.0


def _prune_attempts(session, limit: tuple[int, int], now: datetime) -> None:
    """Old attempts only matter for the window: drop them, once a minute per process (indexed)."""
    if now.timestamp() - _last_prune.get("at", 0.0) < PRUNE_EVERY:
        return
    _last_prune["at"] = now.timestamp()
    session.execute(delete(QuestionAttempt).where(
        QuestionAttempt.at < now - timedelta(seconds=max(limit[1], 3600))))


def _window_text(count: int, seconds: int) -> str:
    for unit_seconds, name in ((86400, "天"), (3600, "小时"), (60, "分钟"), (1, "秒")):
        if seconds % unit_seconds == 0:
            n = seconds // unit_seconds
            return f"每{name if n == 1 else f' {n} {name}'}最多 {count} 条"
    return f"每 {seconds} 秒最多 {count} 条"


def submit_question(session, interview: Interview, body: dict, *, user: User | None = None,
                    ip: str = "", device_id: str = "", new_device: bool = False,
                    rate_limit: tuple[int, int] | None = None) -> tuple[Question, bool]:
    """Take a question {nickname, text, contact?, source?}; returns (question, created).

    The public may ask while the interview accepts questions (rate-limited per client); staff
    any time, with a source (web, hotline, onsite). The same text from the same client within
    DUPLICATE_WINDOW answers the existing question instead of storing a second one.
    `new_device`: the device id was just issued (no cookie came), so the rate limit counts the
    request in the address's cookieless bucket: a client dropping its cookie gains nothing.
    """
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象 {nickname, text, contact?}", code="invalid_json")
    source = body.get("source", "web")
    if source is None:
        source = "web"
    if source not in QUESTION_SOURCES:
        raise ValidationError("source 必须是 web、hotline 或 onsite", code="invalid_source", field="source")
    if user is None and source != "web":
        raise Forbidden("只有工作人员可以录入热线或现场提问", code="source_forbidden")
    text = _clean_field(body, "text", TEXT_MAX, "问题内容", required=True, minimum=TEXT_MIN)
    nickname = _clean_field(body, "nickname", NICKNAME_MAX, "昵称") or DEFAULT_NICKNAME
    contact = _clean_contact(body)
    key = match_key(text)
    if not key:
        raise ValidationError("问题内容不能只有标点或符号", code="empty_text", field="text")
    if (interview.kind or "interview") == "policy_video":
        # A recorded policy explainer has no live and no netizen questions (issue 13).
        raise Forbidden("政策解读视频不接受网友提问", code="questions_not_taken")
    if user is None:
        state = intake_state(interview)
        if not state["accepting"]:
            raise Forbidden(state["message"], code="questions_closed")

    now = utcnow()
    client_key = client_key_for(ip, device_id) if user is None else f"staff:{user.id}"
    text_hash = hashlib.sha256(key.encode()).hexdigest()
    limited = user is None and rate_limit is not None
    counted_key = client_key_for(ip, "") if new_device else client_key

    # Outside any lock, reads only: the same question again, the rate limit, the word list
    # (compiled once per version), the duplicate candidates (the interview's n-gram index), the
    # receipt. Each costs the same for the 5,000th question as for the first.
    existing = _same_question(session, interview.id, client_key, text_hash, now)
    if existing is None:
        if limited:
            _check_rate_limit(session, counted_key, ip, rate_limit, now)
        flags = wordlist.find_sensitive_words(text, wordlist.matcher(session)) + find_personal_info(text)
        for suggestion in similarity.interview_candidates(session, interview.id, key, limit=3,
                                                          last_seq=interview.last_seq):
            flags.append({"type": "possible_duplicate", **suggestion})
        receipt = _new_receipt(session)
    elif not limited:
        return existing, False

    # The interview's lock, up to the commit: checked again under it (two submissions at once
    # from one client), then only inserts and the event's sequence number.
    _lock_interview(session, interview.id)
    existing = existing or _same_question(session, interview.id, client_key, text_hash, now)
    if limited:
        # The same text again counts as an attempt too (as it always did).
        _check_rate_limit(session, counted_key, ip, rate_limit, now)
        session.add(QuestionAttempt(client_key=client_key, ip=ip, at=now))
        if new_device:
            # Also counted in the address's cookieless bucket (ip left empty so the per-address
            # total counts the request once).
            session.add(QuestionAttempt(client_key=client_key_for(ip, ""), ip="", at=now))
        _prune_attempts(session, rate_limit, now)
    if existing is not None:
        return existing, False
    question = Question(
        interview_id=interview.id, nickname=nickname, text=text, original_text=None, match_key=key,
        text_hash=text_hash, status="pending", source=source, flags=flags, labels=[], starred=False,
        askers=1, receipt=receipt, contact=contact, client_key=client_key,
        reject_reason="", reply_text="", created_at=now, updated_at=now)
    session.add(question)
    session.flush()
    if user is not None:
        _audit(session, user, question, "submit", {}, {"text": text, "source": source})
    # A new question has no merged children: no query for them.
    record_event(session, interview.id, "question.submitted",
                 question_json(session, question, contact=False, merged=[]))
    return question, True


def _same_question(session, interview_id: int, client_key: str, text_hash: str, now: datetime):
    return session.scalar(select(Question).where(
        Question.interview_id == interview_id, Question.client_key == client_key,
        Question.text_hash == text_hash, Question.created_at > now - DUPLICATE_WINDOW).order_by(Question.id))


def lookup_receipt(session, code: str) -> dict:
    """A netizen's own question by its receipt (查询码): status, and the answer or reply once given."""
    code = (code or "").strip().upper().replace("-", "").replace(" ", "")
    q = session.scalar(select(Question).where(Question.receipt == code)) if 4 <= len(code) <= 16 else None
    if q is None:
        raise NotFound("没有这个查询码，请核对后再试", code="receipt_not_found")
    shown = q
    if q.status == "merged" and q.merged_into_id:
        shown = session.get(Question, q.merged_into_id) or q
    return {"receipt": q.receipt, "interview_id": q.interview_id, "nickname": q.nickname, "text": q.text,
            "status": q.status, "status_name": STATUS_NAMES[q.status],
            "current_status": public_status(shown.status) if shown.status in PUBLIC_STATUSES else shown.status,
            "merged_into": q.merged_into_id if q.status == "merged" else None,
            "reject_reason": q.reject_reason if q.status == "rejected" else None,
            "answered_at": iso(shown.answered_at), "reply": _reply_json(session, shown),
            "created_at": iso(q.created_at)}


# ---- lists ----------------------------------------------------------------------------------

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL: a larger one is simply not there


def get_question(session, question_id: int) -> Question:
    q = session.get(Question, question_id) if 0 < question_id <= MAX_ID else None
    if q is None:
        raise NotFound("问题不存在", code="question_not_found")
    return q


_ORDER = {
    "pending": (Question.created_at, Question.id),
    "pushed": (Question.queue_position, Question.id),
    "answered": (Question.answered_at.desc(), Question.id),
    "rejected": (Question.updated_at.desc(), Question.id),
}


def list_questions(session, interview_id: int, statuses: list[str] | None = None, contact: bool = False,
                   source: str | None = None, flag: str | None = None) -> list[dict]:
    """The screening lists, oldest first (the host queue by position), each with its merged originals."""
    query = select(Question).where(Question.interview_id == interview_id)
    if statuses:
        query = query.where(Question.status.in_(statuses))
    if source:
        query = query.where(Question.source == source)
    order = _ORDER.get(statuses[0]) if statuses and len(statuses) == 1 else None
    rows = list(session.scalars(query.order_by(*(order or (Question.created_at, Question.id)))))
    children: dict[int, list[Question]] = {}
    merged_rows = session.scalars(select(Question).where(
        Question.interview_id == interview_id, Question.merged_into_id.is_not(None)).order_by(Question.id))
    for child in merged_rows:
        children.setdefault(child.merged_into_id, []).append(child)
    result = [question_json(session, q, contact=contact, merged=children.get(q.id, [])) for q in rows]
    if flag:
        result = [q for q in result if _has_flag(q, flag)]
    return result


def _has_flag(q: dict, flag: str) -> bool:
    if flag == "none":
        return not q["flags"]
    if flag == "starred":
        return q["starred"]
    return any(f.get("type") == flag for f in q["flags"]) or flag in q["labels"]


def counters(session, interview_id: int) -> dict:
    rows = session.execute(select(Question.status, func.count()).where(
        Question.interview_id == interview_id).group_by(Question.status)).all()
    counts = {status: 0 for status in STATUS_NAMES}
    counts.update({status: n for status, n in rows})
    return counts


def public_questions(session, interview_id: int) -> list[dict]:
    """Approved questions for the viewer page, oldest first."""
    rows = session.scalars(select(Question).where(
        Question.interview_id == interview_id, Question.status.in_(PUBLIC_STATUSES))
        .order_by(Question.created_at, Question.id))
    return [public_question_json(session, q) for q in rows]


def similar_questions(session, q: Question) -> list[dict]:
    """Questions of the same interview that read alike (duplicate suggestions), best first."""
    found = similarity.interview_candidates(session, q.interview_id, q.match_key, exclude=q.id)
    result = []
    for item in found:
        other = session.get(Question, item["question_id"])
        result.append({**item, "question": question_json(session, other)})
    return result


# ---- screening ------------------------------------------------------------------------------

def _snapshot(q: Question) -> dict:
    return {"status": q.status, "text": q.text, "labels": list(q.labels or []), "starred": q.starred,
            "queue_position": q.queue_position, "merged_into": q.merged_into_id, "askers": q.askers,
            "reject_reason": q.reject_reason or None}


def _audit(session, user: User | None, q: Question | None, action: str, before: dict, after: dict,
           interview_id: int | None = None) -> None:
    session.add(ModerationAudit(
        at=utcnow(), user_id=user.id if user else None, username=user.username if user else "",
        interview_id=q.interview_id if q is not None else interview_id, question_id=q.id if q is not None else None,
        action=action, before=before, after=after))


def _check_version(session, q: Question, version) -> None:
    if version is None:
        return
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError("version 必须是整数", code="invalid_version")
    if version != q.version:
        who = _user_ref(session, q.handled_by_id)
        raise Conflict(f"该问题刚被{(who or {}).get('name', '其他人')}修改过（现为「{STATUS_NAMES[q.status]}」），"
                       "请查看最新内容后再操作", code="version_conflict", question_id=q.id,
                       question_status=q.status, current_version=q.version)


def _check_status(session, q: Question, allowed: tuple[str, ...], verb: str) -> None:
    if q.status in allowed:
        return
    who = _user_ref(session, q.handled_by_id)
    by = f"已被{who['name']}" if who else "已"
    raise Conflict(f"不能{verb}：该问题{by}处理为「{STATUS_NAMES[q.status]}」", code="already_handled",
                   question_id=q.id, question_status=q.status, handled_by=who)


def _check_claim(session, q: Question, user: User) -> None:
    claimer = _claim_ref(session, q)
    if claimer is not None and claimer["id"] != user.id:
        raise Conflict(f"{claimer['name']}正在处理这个问题，请稍候或选择其他问题", code="claimed",
                       question_id=q.id, claimed_by=claimer)


def _flush_or_conflict(session, message: str, **extra) -> None:
    """Flush; a row another moderator changed since we read it (its version check) is a 409.

    Callers pass ids as arguments, read before the flush: a row cannot be read after a failed one.
    """
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(message, code="version_conflict", **extra)


def _save(session, q: Question, user: User | None) -> None:
    """Flush the change; a concurrent change of the same row since we read it is a conflict."""
    q.updated_at = utcnow()
    if user is not None:
        q.handled_by_id = user.id
    q.claimed_by_id = None
    q.claimed_at = None
    _flush_or_conflict(session, "该问题刚被其他人处理了，请查看最新状态", question_id=q.id)


def _was_public(status: str) -> bool:
    return status in PUBLIC_STATUSES


# Public events whose data is a question's public JSON (text, nickname, reply).
PUBLIC_QUESTION_EVENTS = ("question.approved", "question.on_air", "question.answered", "question.updated",
                          "question.replied")


def _tombstone_public_events(session, q: Question) -> None:
    """A question withdrawn from the public (rejected or merged after approval): its earlier
    public events keep only its id, so replaying the log never shows its text again."""
    tombstone = {"id": q.id, "interview_id": q.interview_id, "withdrawn": True}
    redact_public_events(session, q.interview_id, lambda _type, data: data.get("id") == q.id,
                         lambda _type, _data: tombstone, types=PUBLIC_QUESTION_EVENTS)


def _retext_public_events(session, q: Question) -> None:
    """An edited question (e.g. a netizen's address and phone removed): its earlier public
    events carry the new text, so the removed wording is gone from replay too."""
    redact_public_events(session, q.interview_id, lambda _type, data: data.get("id") == q.id and "text" in data,
                         lambda _type, data: {**data, "text": q.text}, types=PUBLIC_QUESTION_EVENTS)


def _last_decision(session, q: Question) -> ModerationAudit | None:
    """The audit row of the action that set the question's current status (who, when)."""
    row = session.scalar(select(ModerationAudit).where(
        ModerationAudit.question_id == q.id, ModerationAudit.action.in_(DECISION_ACTIONS))
        .order_by(ModerationAudit.id.desc()).limit(1))
    if row is None or (row.after or {}).get("status") != q.status:
        return None
    return row


def _check_overturn(session, q: Question, user: User, verb: str, expected_status=None, confirm=False) -> None:
    """Another moderator's recent decision is never silently overturned (approve ↔ reject, …).

    It takes the status the console last showed (expected_status) and an explicit confirmation;
    otherwise 409 with the current question, who decided what and when, so the console can show
    the current state and ask "审核员 张三 于 10:02 已通过此问题，确定改为驳回？".
    """
    if q.status not in ("approved", "pushed", "rejected"):
        return
    row = _last_decision(session, q)
    if row is None or row.user_id is None or row.user_id == user.id or row.at < utcnow() - DECISION_PROTECTED:
        return
    if expected_status is not None and not isinstance(expected_status, str):
        raise ValidationError("expected_status 必须是状态名", code="invalid_field", field="expected_status")
    if confirm is not None and not isinstance(confirm, bool):
        raise ValidationError("confirm 必须是 true/false", code="invalid_field", field="confirm")
    if expected_status == q.status and confirm is True:
        return
    who = _user_ref(session, row.user_id) or {"id": row.user_id, "name": row.username}
    at = row.at.astimezone(local_zone()).strftime("%H:%M")
    status_name = STATUS_NAMES[q.status]
    raise Conflict(f"审核员 {who['name']} 于 {at} 已将此问题处理为「{status_name}」，确定改为{verb}？"
                   "（请确认后再操作）", code="decided_by_other", question_id=q.id, question_status=q.status,
                   decided_by=who, decided_at=iso(row.at), decided_status=q.status,
                   question=question_json(session, q))


def approve_question(session, q: Question, user: User, version=None, expected_status=None,
                     confirm=False) -> Question:
    """待审核 → 已通过 (a rejected question may be reconsidered): it appears on the viewer page."""
    _check_version(session, q, version)
    _check_status(session, q, ("pending", "rejected"), "通过")
    _check_claim(session, q, user)
    _check_overturn(session, q, user, "通过", expected_status, confirm)
    before = _snapshot(q)
    q.status = "approved"
    q.reject_reason = ""
    _save(session, q, user)
    _audit(session, user, q, "approve", before, _snapshot(q))
    record_event(session, q.interview_id, "question.approved", public_question_json(session, q))
    return q


def reject_question(session, q: Question, user: User, reason, version=None, expected_status=None,
                    confirm=False) -> Question:
    """Reject with a reason (a preset or free text); a question already shown is withdrawn."""
    if reason is None:
        reason = ""
    if not isinstance(reason, str):
        raise ValidationError("reason 必须是文字", code="invalid_field", field="reason")
    reason = clean_text(reason)
    if len(reason) > REASON_MAX:
        raise ValidationError(f"驳回理由最多 {REASON_MAX} 个字", code="too_long", field="reason")
    _check_version(session, q, version)
    _check_status(session, q, ("pending", "approved", "pushed"), "驳回")
    _check_claim(session, q, user)
    _check_overturn(session, q, user, "驳回", expected_status, confirm)
    before = _snapshot(q)
    was_public = _was_public(q.status)
    q.status = "rejected"
    q.reject_reason = reason or "未说明理由"
    q.queue_position = None
    _save(session, q, user)
    _audit(session, user, q, "reject", before, _snapshot(q))
    record_event(session, q.interview_id, "question.rejected", _event_json(session, q))
    if was_public:
        record_event(session, q.interview_id, "question.withdrawn", {"id": q.id, "interview_id": q.interview_id})
        _tombstone_public_events(session, q)
    return q


def edit_question(session, q: Question, user: User, text, version=None) -> Question:
    """Fix the wording; the netizen's original text is kept and the sensitive-word check reruns."""
    if not isinstance(text, str):
        raise ValidationError("text 必须是文字", code="invalid_field", field="text")
    new_text = _clean_field({"text": text}, "text", TEXT_MAX, "问题内容", required=True, minimum=TEXT_MIN)
    _check_version(session, q, version)
    _check_status(session, q, ("pending", "approved", "pushed", "on_air"), "修改")
    _check_claim(session, q, user)
    if new_text == q.text:
        return q
    before = _snapshot(q)
    if q.original_text is None:
        q.original_text = q.text
    q.text = new_text
    q.match_key = match_key(new_text)
    others = [f for f in (q.flags or []) if f.get("type") not in ("sensitive_word", "personal_info")]
    q.flags = (wordlist.find_sensitive_words(new_text, wordlist.keyed_words(session))
               + find_personal_info(new_text) + others)
    _save(session, q, user)
    _audit(session, user, q, "edit", before, _snapshot(q))
    record_event(session, q.interview_id, "question.edited", _event_json(session, q))
    if _was_public(q.status):
        record_event(session, q.interview_id, "question.updated", public_question_json(session, q))
    _retext_public_events(session, q)
    return q


def merge_question(session, q: Question, user: User, target_id, version=None, expected_status=None,
                   confirm=False) -> Question:
    """Fold q (and whatever was merged into it) into target: every original is kept, askers add up."""
    if isinstance(target_id, bool) or not isinstance(target_id, int):
        raise ValidationError("into 必须是问题编号", code="invalid_field", field="into")
    if target_id == q.id:
        raise ValidationError("不能把问题合并到它自己", code="merge_into_self")
    target = get_question(session, target_id)
    if target.interview_id != q.interview_id:
        raise ValidationError("只能合并同一场访谈的问题", code="merge_other_interview")
    _check_version(session, q, version)
    _check_status(session, q, ("pending", "approved", "pushed"), "合并")
    _check_status(session, target, ("pending", "approved", "pushed", "on_air", "answered"), "合并到该问题")
    _check_claim(session, q, user)
    _check_overturn(session, q, user, "合并", expected_status, confirm)
    before, target_before = _snapshot(q), _snapshot(target)
    was_public = _was_public(q.status)
    children = _merged_children(session, q)
    for child in children:
        child.merged_into_id = target.id
    q.status = "merged"
    q.merged_into_id = target.id
    q.queue_position = None
    target.askers = (target.askers or 1) + (q.askers or 1)
    _save(session, q, user)
    target.updated_at = utcnow()
    _flush_or_conflict(session, "目标问题刚被其他人处理了，请重试", question_id=target_id)
    _audit(session, user, q, "merge", before, {**_snapshot(q), "into": target.id})
    _audit(session, user, target, "merged_in", target_before, {**_snapshot(target), "from": q.id})
    record_event(session, q.interview_id, "question.merged",
                 {**_event_json(session, q), "into": _event_json(session, target)})
    if was_public:
        record_event(session, q.interview_id, "question.withdrawn", {"id": q.id, "interview_id": q.interview_id})
        _tombstone_public_events(session, q)
    if _was_public(target.status):
        record_event(session, q.interview_id, "question.updated", public_question_json(session, target))
    return target


def mark_question(session, q: Question, user: User, body: dict) -> Question:
    """Labels and the star (moderators' own marks; never public)."""
    before = _snapshot(q)
    if "starred" in body:
        if not isinstance(body["starred"], bool):
            raise ValidationError("starred 必须是 true/false", code="invalid_field", field="starred")
        q.starred = body["starred"]
    if "labels" in body:
        labels = body["labels"]
        if not isinstance(labels, list) or not all(isinstance(item, str) for item in labels):
            raise ValidationError("labels 必须是文字列表", code="invalid_field", field="labels")
        cleaned: list[str] = []
        for label in labels:
            label = clean_text(label)
            if len(label) > LABEL_MAX:
                raise ValidationError(f"标签最多 {LABEL_MAX} 个字", code="too_long", field="labels")
            if label and label not in cleaned:
                cleaned.append(label)
        if len(cleaned) > LABELS_MAX:
            raise ValidationError(f"最多 {LABELS_MAX} 个标签", code="too_many_labels", field="labels")
        q.labels = cleaned
    if "starred" not in body and "labels" not in body:
        raise ValidationError("请给出 labels 或 starred", code="missing_field")
    q.updated_at = utcnow()
    _flush_or_conflict(session, "该问题刚被其他人处理了，请重试", question_id=q.id)
    _audit(session, user, q, "mark", before, _snapshot(q))
    record_event(session, q.interview_id, "question.marked", _event_json(session, q))
    return q


def _next_queue_position(session, interview_id: int) -> int:
    top = session.scalar(select(func.max(Question.queue_position)).where(
        Question.interview_id == interview_id, Question.status == "pushed"))
    return (top or 0) + 1


# Flags that hold a question for a moderator's own look: not pushed while pending, not bulk-approved.
HELD_FLAGS = ("sensitive_word", "personal_info")


def _held(q: Question) -> bool:
    return any(f.get("type") in HELD_FLAGS for f in q.flags or [])


def push_question(session, q: Question, user: User, version=None) -> Question:
    """Hand an approved question to the host: it joins the end of the host queue."""
    _check_version(session, q, version)
    _check_status(session, q, ("approved", "pending"), "推送")
    _check_claim(session, q, user)
    if q.status == "pending" and _held(q):
        raise Conflict("含敏感词或个人信息的问题需先审核通过才能推送", code="needs_approval", question_id=q.id)
    before = _snapshot(q)
    was_pending = q.status == "pending"
    _lock_interview(session, q.interview_id)
    q.status = "pushed"
    q.queue_position = _next_queue_position(session, q.interview_id)
    _save(session, q, user)
    _audit(session, user, q, "push", before, _snapshot(q))
    if was_pending:  # pushing a pending question approves it: the viewers see it too
        record_event(session, q.interview_id, "question.approved", public_question_json(session, q))
    record_event(session, q.interview_id, "question.pushed", _event_json(session, q))
    return q


def unpush_question(session, q: Question, user: User, version=None) -> Question:
    """Take a question back out of the host queue (it stays approved)."""
    _check_version(session, q, version)
    _check_status(session, q, ("pushed",), "撤回推送")
    before = _snapshot(q)
    q.status = "approved"
    q.queue_position = None
    _save(session, q, user)
    _audit(session, user, q, "unpush", before, _snapshot(q))
    record_event(session, q.interview_id, "question.unpushed", _event_json(session, q))
    return q


def reorder_queue(session, interview_id: int, order, user: User) -> list[int]:
    """Set the host queue's order: `order` lists pushed question ids, first first (missing ones follow)."""
    if not isinstance(order, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in order):
        raise ValidationError("order 必须是问题编号列表", code="invalid_field", field="order")
    _lock_interview(session, interview_id)
    pushed = list(session.scalars(select(Question).where(
        Question.interview_id == interview_id, Question.status == "pushed")
        .order_by(Question.queue_position, Question.id)))
    by_id = {q.id: q for q in pushed}
    unknown = [i for i in order if i not in by_id]
    if unknown:
        raise Conflict(f"问题 {unknown} 不在主持人队列中（可能刚被处理），请刷新", code="not_in_queue", ids=unknown)
    ordered = [by_id[i] for i in dict.fromkeys(order)] + [q for q in pushed if q.id not in order]
    before = [q.id for q in pushed]
    for position, q in enumerate(ordered, start=1):
        if q.queue_position != position:
            q.queue_position = position
            q.updated_at = utcnow()
    _flush_or_conflict(session, "队列刚被其他人调整了，请重试")
    after = [q.id for q in ordered]
    if after != before:
        _audit(session, user, None, "reorder", {"order": before}, {"order": after}, interview_id=interview_id)
        record_event(session, interview_id, "question.reordered",
                     {"interview_id": interview_id, "order": after,
                      "versions": {str(q.id): q.version for q in ordered}})
    return after


def put_on_air(session, q: Question, user: User, version=None) -> Question:
    """The host puts the question to the guest. A question still on air is taken as answered."""
    _check_version(session, q, version)
    _check_status(session, q, ("pushed", "approved"), "开始回答")
    for current in session.scalars(select(Question).where(
            Question.interview_id == q.interview_id, Question.status == "on_air", Question.id != q.id)):
        mark_answered(session, current, user)
    before = _snapshot(q)
    q.status = "on_air"
    q.on_air_at = utcnow()
    q.queue_position = None
    _save(session, q, user)
    _audit(session, user, q, "on_air", before, _snapshot(q))
    record_event(session, q.interview_id, "question.on_air", public_question_json(session, q))
    return q


def mark_answered(session, q: Question, user: User, version=None) -> Question:
    """The guest answered; optionally the question goes into the live feed as 网友提问."""
    _check_version(session, q, version)
    _check_status(session, q, ("on_air", "pushed", "approved"), "标记已回答")
    before = _snapshot(q)
    q.status = "answered"
    q.answered_at = utcnow()
    q.queue_position = None
    if q.on_air_at is None:
        q.on_air_at = q.answered_at
    _save(session, q, user)
    _audit(session, user, q, "answered", before, _snapshot(q))
    record_event(session, q.interview_id, "question.answered", public_question_json(session, q))
    if get_settings(session, q.interview_id).post_answered_to_feed:
        _post_to_feed(session, q, user)
    return q


def on_interview_event(session, event) -> None:
    """Ending the live ends the answer on air: that question is 已回答 from then on.

    Left 正在回答, the viewer page (回顾 / 直播已结束) and the archive would say the guest is still
    answering. A listener of interview.state_changed, inside the transaction that records it: a
    nested event would take a later seq but be queued first, so none is recorded (like the cue
    clock); the viewer, console and host pages turn their on-air question answered on that event.
    Not posted to the feed: nobody chose to, and the live is over.
    """
    if event.type != "interview.state_changed" or (event.data or {}).get("state") not in ("ended", "published"):
        return
    for q in session.scalars(select(Question).where(
            Question.interview_id == event.interview_id, Question.status == "on_air")):
        before = _snapshot(q)
        q.status = "answered"
        q.answered_at = event.at
        q.queue_position = None
        _save(session, q, None)
        _audit(session, None, q, "answered", before, _snapshot(q))


def _post_to_feed(session, q: Question, user: User) -> None:
    from studio.feed import services as feed_services  # the feed may refuse (e.g. interview not live)

    interview = session.get(Interview, q.interview_id)
    try:
        with session.begin_nested():
            feed_services.post_entry(session, interview, user, {"speaker": "netizen", "text": f"网友提问：{q.text}"})
    except DomainError:
        pass


def claim_question(session, q: Question, user: User) -> Question:
    """Say "I am handling this" for CLAIM_SECONDS, so another moderator does not start on it too."""
    _check_status(session, q, ("pending", "approved", "pushed"), "认领")
    _check_claim(session, q, user)
    q.claimed_by_id = user.id
    q.claimed_at = utcnow()
    _flush_or_conflict(session, "该问题刚被其他人处理了", question_id=q.id)
    record_event(session, q.interview_id, "question.claimed",
                 {"id": q.id, "interview_id": q.interview_id, "claimed_by": _user_ref(session, user.id),
                  "claimed_until": _claim_until(q), "version": q.version})
    return q


def release_question(session, q: Question, user: User) -> Question:
    """Give up a claim (one's own; admin may release anyone's)."""
    if q.claimed_by_id is None:
        return q
    if q.claimed_by_id != user.id and user.role != "admin":
        raise Forbidden("只能放弃自己认领的问题", code="not_your_claim")
    _clear_claim(session, q)
    return q


def _clear_claim(session, q: Question) -> None:
    q.claimed_by_id = None
    q.claimed_at = None
    session.flush()
    record_event(session, q.interview_id, "question.claimed",
                 {"id": q.id, "interview_id": q.interview_id, "claimed_by": None, "claimed_until": None,
                  "version": q.version})


def release_claims_of(session, user_id: int, question_ids: list[int]) -> int:
    """Release those of `question_ids` still claimed by `user_id` (its console went away)."""
    released = 0
    for q in session.scalars(select(Question).where(Question.id.in_(question_ids),
                                                    Question.claimed_by_id == user_id)):
        _clear_claim(session, q)
        released += 1
    return released


BULK_ACTIONS = ("approve", "reject")


def bulk_screen(session, interview_id: int, ids, action: str, user: User, reason: str = "",
                include_flagged: bool = False) -> dict:
    """Approve or reject many at once; each that cannot be done is reported, the rest go through.

    Questions holding sensitive words are skipped by a bulk approve unless include_flagged: a
    flagged question is only released by a moderator who looked at it.
    """
    if action not in BULK_ACTIONS:
        raise ValidationError("action 必须是 approve 或 reject", code="invalid_action")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValidationError("ids 必须是非空的问题编号列表", code="invalid_field", field="ids")
    if len(ids) > 500:
        raise ValidationError("一次最多处理 500 个问题", code="too_many")
    done, skipped = [], []
    for question_id in dict.fromkeys(ids):
        q = session.get(Question, question_id) if 0 < question_id <= MAX_ID else None
        if q is None or q.interview_id != interview_id:
            skipped.append({"id": question_id, "code": "question_not_found", "message": "问题不存在"})
            continue
        if action == "approve" and not include_flagged and _held(q):
            personal = not any(f.get("type") == "sensitive_word" for f in q.flags or [])
            skipped.append({"id": q.id, "code": "personal_info" if personal else "sensitive_word",
                            "message": "含个人信息，请单独审核" if personal else "含敏感词，请单独审核"})
            continue
        try:
            with session.begin_nested():
                if action == "approve":
                    approve_question(session, q, user)
                else:
                    reject_question(session, q, user, reason)
            done.append(q.id)
        except DomainError as exc:
            skipped.append({"id": q.id, "code": exc.code, "message": exc.message})
    return {"done": done, "skipped": skipped}


# ---- settings, replies, archive ---------------------------------------------------------------

def get_settings(session, interview_id: int) -> QuestionSettings:
    settings = session.get(QuestionSettings, interview_id)
    return settings or QuestionSettings(interview_id=interview_id, post_answered_to_feed=False,
                                        reply_days=DEFAULT_REPLY_DAYS)


def settings_json(settings: QuestionSettings) -> dict:
    return {"interview_id": settings.interview_id, "post_answered_to_feed": bool(settings.post_answered_to_feed),
            "reply_days": settings.reply_days or DEFAULT_REPLY_DAYS, "reject_reasons": list(REJECT_REASONS)}


def update_settings(session, interview_id: int, body: dict, user: User) -> QuestionSettings:
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", code="invalid_json")
    settings = session.get(QuestionSettings, interview_id)
    if settings is None:
        settings = QuestionSettings(interview_id=interview_id, post_answered_to_feed=False,
                                    reply_days=DEFAULT_REPLY_DAYS)
        session.add(settings)
    before = settings_json(settings)
    if "post_answered_to_feed" in body:
        if not isinstance(body["post_answered_to_feed"], bool):
            raise ValidationError("post_answered_to_feed 必须是 true/false", code="invalid_field")
        settings.post_answered_to_feed = body["post_answered_to_feed"]
    if "reply_days" in body:
        days = body["reply_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise ValidationError("reply_days 必须是 1–365 的整数", code="invalid_field", field="reply_days")
        settings.reply_days = days
    session.flush()
    _audit(session, user, None, "settings", before, settings_json(settings), interview_id=interview_id)
    return settings


def _lead_unit_id(interview: Interview) -> int | None:
    for iu in interview.units:
        if iu.is_lead:
            return iu.unit_id
    return interview.units[0].unit_id if interview.units else None


def reply_due(session, q: Question, interview: Interview) -> datetime | None:
    if q.reply_due_at is not None:
        return q.reply_due_at
    if interview.ended_at is None:
        return None
    return interview.ended_at + timedelta(days=get_settings(session, interview.id).reply_days or DEFAULT_REPLY_DAYS)


def list_replies(session, interview_id: int | None = None, unit_id: int | None = None,
                 overdue_only: bool = False, include_done: bool = False) -> list[dict]:
    """Approved questions not answered on air, after the live, grouped by responsible unit."""
    query = select(Question, Interview).join(Interview, Interview.id == Question.interview_id).where(
        Question.status.in_(("approved", "pushed")), Interview.state.in_(("ended", "published")))
    if interview_id is not None:
        query = query.where(Question.interview_id == interview_id)
    now = utcnow()
    groups: dict[int | None, dict] = {}
    for q, interview in session.execute(query.order_by(Interview.id, Question.created_at, Question.id)):
        if q.reply_text and not include_done:
            continue
        unit = q.reply_unit_id or _lead_unit_id(interview)
        if unit_id is not None and unit != unit_id:
            continue
        due = reply_due(session, q, interview)
        overdue = bool(due and not q.reply_text and due < now)
        if overdue_only and not overdue:
            continue
        group = groups.get(unit)
        if group is None:
            unit_row = session.get(Unit, unit) if unit else None
            group = groups[unit] = {"unit_id": unit, "unit": unit_row.name if unit_row else "未指定单位",
                                    "questions": [], "overdue": 0}
        group["overdue"] += overdue
        group["questions"].append({**question_json(session, q), "interview_title": interview.title,
                                   "reply_unit_id": unit, "reply_due_at": iso(due), "overdue": overdue})
    return sorted(groups.values(), key=lambda g: (-g["overdue"], g["unit"]))


def assign_reply(session, q: Question, user: User, body: dict) -> Question:
    """Route an unanswered question to a responsible unit and/or change its deadline."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", code="invalid_json")
    _check_status(session, q, ("approved", "pushed"), "安排答复")
    before = {"reply_unit_id": q.reply_unit_id, "reply_due_at": iso(q.reply_due_at)}
    if "unit_id" in body:
        unit_id = body["unit_id"]
        if unit_id is not None and (isinstance(unit_id, bool) or not isinstance(unit_id, int)
                                    or not 0 < unit_id <= MAX_ID or session.get(Unit, unit_id) is None):
            raise ValidationError("没有这个责任单位", code="unit_not_found", field="unit_id")
        q.reply_unit_id = unit_id
    if "due_at" in body:
        q.reply_due_at = parse_iso(body["due_at"], "due_at")
    q.updated_at = utcnow()
    session.flush()
    _audit(session, user, q, "assign_reply", before,
           {"reply_unit_id": q.reply_unit_id, "reply_due_at": iso(q.reply_due_at)})
    record_event(session, q.interview_id, "question.reply_assigned", _event_json(session, q))
    return q


def save_reply(session, q: Question, user: User, body: dict) -> Question:
    """Publish the unit's written reply (答复); it appears on the viewer and archive pages."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象 {text}", code="invalid_json")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("请填写答复内容", code="empty_text", field="text")
    text = text.replace("\r\n", "\n").strip()
    if len(text) > 5000:
        raise ValidationError("答复最多 5000 个字", code="too_long", field="text")
    _check_status(session, q, ("approved", "pushed", "answered"), "答复")
    if "unit_id" in body:
        assign_reply(session, q, user, {"unit_id": body["unit_id"]})
    before = {"reply": q.reply_text or None}
    q.reply_text = text
    q.replied_at = utcnow()
    q.replied_by_id = user.id
    if q.reply_unit_id is None:
        q.reply_unit_id = _lead_unit_id(session.get(Interview, q.interview_id))
    q.updated_at = utcnow()
    session.flush()
    _audit(session, user, q, "reply", before, {"reply": text})
    record_event(session, q.interview_id, "question.replied", public_question_json(session, q))
    return q


def list_answered_for_archive(session, interview_id: int) -> list[dict]:
    """Public JSON of the questions answered on air or in writing, in the order they were answered."""
    rows = session.scalars(select(Question).where(
        Question.interview_id == interview_id,
        (Question.status == "answered") | ((Question.status.in_(("approved", "pushed"))) & (Question.reply_text != "")))
        .order_by(Question.answered_at.is_(None), Question.answered_at, Question.replied_at, Question.id))
    return [public_question_json(session, q) for q in rows]


# ---- audit ------------------------------------------------------------------------------------

def audit_json(row: ModerationAudit) -> dict:
    return {"id": row.id, "at": iso(row.at), "user": row.username, "interview_id": row.interview_id,
            "question_id": row.question_id, "action": row.action, "before": row.before, "after": row.after}


def list_audit(session, interview_id: int | None = None, question_id: int | None = None,
               limit: int = 500, before_id: int | None = None) -> list[dict]:
    query = select(ModerationAudit).order_by(ModerationAudit.id.desc()).limit(limit)
    if interview_id is not None:
        query = query.where(ModerationAudit.interview_id == interview_id)
    if question_id is not None:
        query = query.where(ModerationAudit.question_id == question_id)
    if before_id is not None:
        query = query.where(ModerationAudit.id < before_id)
    return [audit_json(row) for row in session.scalars(query)]


def record_wordlist_change(session, user: User, added: list[str], removed: list[str]) -> None:
    _audit(session, user, None, "wordlist", {"removed": removed}, {"added": added})
