"""Question intake: submission, the rate limits, the same question twice, receipts, when the public may ask.

Plain functions over a SQLAlchemy session: they never touch the request, the Flask session or
emit. A submission records its event in the caller's transaction (studio.platform.events).
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from studio.platform.db import utcnow
from studio.platform.errors import Forbidden, NotFound, TooMany, ValidationError
from studio.platform.events import record_event
from studio.platform.http import MAX_ID
from studio.platform.streams import PUBLIC_STATES, get_interview
from studio.platform.streams import lock_interview as _lock_interview
from studio.platform.models import Interview, User
from studio.platform.timefmt import iso

from . import similarity, wordlist
from .audit import record_audit
from .models import PUBLIC_STATUSES, QUESTION_SOURCES, Question, QuestionAttempt, WordlistVersion
from .personal import find_personal_info
from .serialisation import STATUS_NAMES, public_status, question_json, reply_json
from .text import clean_text, match_key


NICKNAME_MAX = 30
TEXT_MIN = 2
TEXT_MAX = 500
CONTACT_MAX = 100
DEFAULT_NICKNAME = "网友"
# The same text from the same client within this time is the same question, not a new one.
DUPLICATE_WINDOW = timedelta(minutes=10)
# Many netizens may share one address (an office behind NAT), so the address alone gets a
# looser limit; it still bounds a client that throws its device cookie away on every request.
PER_IP_FACTOR = 10
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read over the phone
RECEIPT_LENGTH = 8

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,180}\.[^@\s]{2,}$")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|seconds|m|min|minute|minutes|h|hour|hours|d|day|days)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


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


def clean_field(body: dict, key: str, limit: int, label: str, required: bool = False, minimum: int = 0) -> str:
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
    contact = clean_field(body, "contact", CONTACT_MAX, "联系方式")
    # Checked in its folded form (a phone typed with full-width digits is still a phone), kept as typed.
    folded = unicodedata.normalize("NFKC", contact)
    if contact and not (_PHONE.match(folded) or _EMAIL.match(folded)):
        raise ValidationError("联系方式请填写手机号、电话或电子邮箱", code="invalid_contact", field="contact")
    return contact


# Serialise writers of one interview (a row write lock on SQLite and PostgreSQL alike), so the
# duplicate and rate-limit checks made after it see every earlier submission. Held to the
# commit: take it as late as possible. (The platform's; imported here by screening too.)
lock_interview = _lock_interview

_questions = Question.__table__
# The intake's reads are Core statements on the session's connection: an ORM query would build
# and fill a Question (30 columns) or go through the ORM's compile step, per netizen question.
_RECEIPT_TAKEN = select(_questions.c.id).where(_questions.c.receipt == bindparam("code"))
_SAME_QUESTION = (select(_questions.c.id).where(
    _questions.c.interview_id == bindparam("interview_id"), _questions.c.client_key == bindparam("client_key"),
    _questions.c.text_hash == bindparam("text_hash"), _questions.c.created_at > bindparam("since"))
    .order_by(_questions.c.id).limit(1))

_INSERT_QUESTION = _questions.insert()
# The columns a new question leaves empty (the ORM INSERT sent them as NULL too).
_UNSET_COLUMNS = dict.fromkeys((
    "queue_position", "merged_into_id", "handled_by_id", "claimed_by_id", "claimed_at", "on_air_at",
    "answered_at", "reply_unit_id", "reply_due_at", "replied_at", "replied_by_id"))


_interviews = Interview.__table__
_wordlist_version = WordlistVersion.__table__
# What intake reads of the interview, and in the same statement the word list's version row
# (whether the compiled list is current): a Core row instead of the ORM's load of the object.
_INTAKE_INTERVIEW = select(
    _interviews.c.id, _interviews.c.kind, _interviews.c.state, _interviews.c.questions_open_at,
    _interviews.c.questions_close_at, _interviews.c.last_seq,
    select(_wordlist_version.c.version).where(_wordlist_version.c.id == 1)
    .scalar_subquery().label("wordlist_version"),
    select(_wordlist_version.c.changed_at).where(_wordlist_version.c.id == 1)
    .scalar_subquery().label("wordlist_changed_at"),
).where(_interviews.c.id == bindparam("interview_id"))


def intake_interview(session, interview_id: int, staff: bool = True):
    """get_interview for submit_question: the same checks and errors, but only the columns
    intake reads (id, kind, state, questions_open_at / _close_at, last_seq), as a row, when the
    session does not already hold the interview (then its object, which may have changes)."""
    if (isinstance(interview_id, bool) or not isinstance(interview_id, int) or not 0 < interview_id <= MAX_ID
            or identity_key(Interview, interview_id) in session.identity_map):
        return get_interview(session, interview_id, staff=staff)
    row = session.connection().execute(_INTAKE_INTERVIEW, {"interview_id": interview_id}).first()
    if row is None or (not staff and row.state not in PUBLIC_STATES):
        raise NotFound("访谈不存在", code="interview_not_found")
    return row


def _receipt_code() -> str:
    """RECEIPT_LENGTH characters drawn uniformly from RECEIPT_ALPHABET, from one number read
    from the OS (secrets.choice per character was a getrandom call each, 8 per question)."""
    base = len(RECEIPT_ALPHABET)
    n = secrets.randbelow(base ** RECEIPT_LENGTH)
    chars = []
    for _ in range(RECEIPT_LENGTH):
        n, digit = divmod(n, base)
        chars.append(RECEIPT_ALPHABET[digit])
    return "".join(chars)


def _new_receipt(session) -> str:
    connection = session.connection()
    while True:
        code = _receipt_code()
        if connection.execute(_RECEIPT_TAKEN, {"code": code}).first() is None:
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
    text = clean_field(body, "text", TEXT_MAX, "问题内容", required=True, minimum=TEXT_MIN)
    nickname = clean_field(body, "nickname", NICKNAME_MAX, "昵称") or DEFAULT_NICKNAME
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
    receipt = _receipt_code()
    existing, receipt_taken = _first_look(session, interview.id, client_key, text_hash, now, receipt)
    if existing is None:
        if limited:
            _check_rate_limit(session, counted_key, ip, rate_limit, now)
        # The intake row read the word list's version with the interview (an ORM interview,
        # already in the session, did not: then matcher reads it).
        version_row = ((interview.wordlist_version, interview.wordlist_changed_at)
                       if hasattr(interview, "wordlist_version") else None)
        flags = (wordlist.find_sensitive_words(text, wordlist.matcher(session, version_row))
                 + find_personal_info(text))
        for suggestion in similarity.interview_candidates(session, interview.id, key, limit=3,
                                                          last_seq=interview.last_seq):
            flags.append({"type": "possible_duplicate", **suggestion})
        if receipt_taken:
            receipt = _new_receipt(session)
    elif not limited:
        return existing, False

    # The interview's lock, up to the commit: checked again under it (two submissions at once
    # from one client), then only inserts and the event's sequence number.
    lock_interview(session, interview.id)
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
    question = _insert_question(session, dict(
        interview_id=interview.id, nickname=nickname, text=text, original_text=None, match_key=key,
        text_hash=text_hash, status="pending", source=source, flags=flags, labels=[], starred=False,
        askers=1, receipt=receipt, contact=contact, client_key=client_key,
        reject_reason="", reply_text="", created_at=now, updated_at=now))
    if user is not None:
        record_audit(session, user, question, "submit", {}, {"text": text, "source": source})
    # A new question has no merged children: no query for them.
    ev = record_event(session, interview.id, "question.submitted",
                      question_json(session, question, contact=False, merged=[]))
    similarity.note_committed_question(session, interview.id, ev.seq, question.id, key, question.status)
    return question, True


def _insert_question(session, values: dict) -> Question:
    """INSERT the new question (Core, on the session's connection) and return it as a loaded,
    unmodified object of the session: what the ORM flush did, without its unit of work (which
    cost as much as the rest of the insert path together, per netizen question)."""
    session.flush()  # whatever the caller still has pending goes first, as the flush did
    row = {**_UNSET_COLUMNS, **values, "version": 1}  # every column: nothing left to lazy-load
    row["id"] = session.connection().execute(_INSERT_QUESTION, row).inserted_primary_key[0]
    question = Question(**row)
    make_transient_to_detached(question)  # as if just loaded: no history, so no UPDATE at flush
    session.add(question)
    return question


# The first look, before the lock, in one statement: the same client's same question, and
# whether the receipt drawn for a new one is taken (1 in 10¹¹: then _new_receipt draws again).
_FIRST_LOOK = select(
    _SAME_QUESTION.scalar_subquery().label("same_id"),
    _RECEIPT_TAKEN.limit(1).scalar_subquery().label("receipt_owner"))


def _first_look(session, interview_id: int, client_key: str, text_hash: str, now: datetime, code: str):
    """(the client's question with this text within DUPLICATE_WINDOW or None, receipt taken)."""
    session.flush()  # the ORM query this replaces saw what the session had pending
    row = session.connection().execute(_FIRST_LOOK, {
        "interview_id": interview_id, "client_key": client_key, "text_hash": text_hash,
        "since": now - DUPLICATE_WINDOW, "code": code}).first()
    return (session.get(Question, row.same_id) if row.same_id else None), row.receipt_owner is not None


def _same_question(session, interview_id: int, client_key: str, text_hash: str, now: datetime):
    """The client's question with this text within DUPLICATE_WINDOW, or None (nearly always)."""
    session.flush()  # the ORM query this replaces saw what the session had pending
    found = session.connection().execute(_SAME_QUESTION, {
        "interview_id": interview_id, "client_key": client_key, "text_hash": text_hash,
        "since": now - DUPLICATE_WINDOW}).first()
    return session.get(Question, found[0]) if found else None


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
            "answered_at": iso(shown.answered_at), "reply": reply_json(session, shown),
            "created_at": iso(q.created_at)}
