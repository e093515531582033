"""Screening: approve, reject, edit, merge, labels, the host queue, on air, claims, bulk actions.

Plain functions over a SQLAlchemy session: they never touch the request, the Flask session or
emit. Every visible change records its event in the caller's transaction (studio.platform.events),
and every screening action writes an audit row in the same transaction.

Two moderators never both handle one question: each Question row carries a version that every
UPDATE checks and bumps (SQLAlchemy's version_id_col), status changes check the current status,
and a client may send the version it saw; whoever comes second gets 409 with who won.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from studio.platform.db import utcnow
from studio.platform.errors import Conflict, DomainError, Forbidden, ValidationError
from studio.platform.events import record_event, redact_public_events
from studio.platform.models import Interview, User
from studio.platform.timefmt import iso, local_zone

from . import wordlist
from .audit import record_audit
from .intake import TEXT_MAX, TEXT_MIN, clean_field, lock_interview
from .lists import MAX_ID, get_question
from .models import PUBLIC_STATUSES, ModerationAudit, Question
from .personal import find_personal_info
from .question_settings import get_settings
from .serialisation import (STATUS_NAMES, claim_ref, claim_until, event_json, merged_children,
                            public_question_json, question_json, user_ref)
from .text import clean_text, match_key


REASON_MAX = 200
LABEL_MAX = 20
LABELS_MAX = 10
# A screening decision (通过/驳回/合并) another moderator made this recently is only overturned
# with the status the console showed and an explicit confirmation (issue 8.2).
DECISION_PROTECTED = timedelta(minutes=10)
DECISION_ACTIONS = ("approve", "reject", "merge", "push")


def _snapshot(q: Question) -> dict:
    return {"status": q.status, "text": q.text, "labels": list(q.labels or []), "starred": q.starred,
            "queue_position": q.queue_position, "merged_into": q.merged_into_id, "askers": q.askers,
            "reject_reason": q.reject_reason or None}


def _check_version(session, q: Question, version) -> None:
    if version is None:
        return
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError("version 必须是整数", code="invalid_version")
    if version != q.version:
        who = user_ref(session, q.handled_by_id)
        raise Conflict(f"该问题刚被{(who or {}).get('name', '其他人')}修改过（现为「{STATUS_NAMES[q.status]}」），"
                       "请查看最新内容后再操作", code="version_conflict", question_id=q.id,
                       question_status=q.status, current_version=q.version)


def check_status(session, q: Question, allowed: tuple[str, ...], verb: str) -> None:
    if q.status in allowed:
        return
    who = user_ref(session, q.handled_by_id)
    by = f"已被{who['name']}" if who else "已"
    raise Conflict(f"不能{verb}：该问题{by}处理为「{STATUS_NAMES[q.status]}」", code="already_handled",
                   question_id=q.id, question_status=q.status, handled_by=who)


def _check_claim(session, q: Question, user: User) -> None:
    claimer = claim_ref(session, q)
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
    who = user_ref(session, row.user_id) or {"id": row.user_id, "name": row.username}
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
    check_status(session, q, ("pending", "rejected"), "通过")
    _check_claim(session, q, user)
    _check_overturn(session, q, user, "通过", expected_status, confirm)
    before = _snapshot(q)
    q.status = "approved"
    q.reject_reason = ""
    _save(session, q, user)
    record_audit(session, user, q, "approve", before, _snapshot(q))
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
    check_status(session, q, ("pending", "approved", "pushed"), "驳回")
    _check_claim(session, q, user)
    _check_overturn(session, q, user, "驳回", expected_status, confirm)
    before = _snapshot(q)
    was_public = _was_public(q.status)
    q.status = "rejected"
    q.reject_reason = reason or "未说明理由"
    q.queue_position = None
    _save(session, q, user)
    record_audit(session, user, q, "reject", before, _snapshot(q))
    record_event(session, q.interview_id, "question.rejected", event_json(session, q))
    if was_public:
        record_event(session, q.interview_id, "question.withdrawn", {"id": q.id, "interview_id": q.interview_id})
        _tombstone_public_events(session, q)
    return q


def edit_question(session, q: Question, user: User, text, version=None) -> Question:
    """Fix the wording; the netizen's original text is kept and the sensitive-word check reruns."""
    if not isinstance(text, str):
        raise ValidationError("text 必须是文字", code="invalid_field", field="text")
    new_text = clean_field({"text": text}, "text", TEXT_MAX, "问题内容", required=True, minimum=TEXT_MIN)
    _check_version(session, q, version)
    check_status(session, q, ("pending", "approved", "pushed", "on_air"), "修改")
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
    record_audit(session, user, q, "edit", before, _snapshot(q))
    record_event(session, q.interview_id, "question.edited", event_json(session, q))
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
    check_status(session, q, ("pending", "approved", "pushed"), "合并")
    check_status(session, target, ("pending", "approved", "pushed", "on_air", "answered"), "合并到该问题")
    _check_claim(session, q, user)
    _check_overturn(session, q, user, "合并", expected_status, confirm)
    before, target_before = _snapshot(q), _snapshot(target)
    was_public = _was_public(q.status)
    children = merged_children(session, q)
    for child in children:
        child.merged_into_id = target.id
    q.status = "merged"
    q.merged_into_id = target.id
    q.queue_position = None
    target.askers = (target.askers or 1) + (q.askers or 1)
    _save(session, q, user)
    target.updated_at = utcnow()
    _flush_or_conflict(session, "目标问题刚被其他人处理了，请重试", question_id=target_id)
    record_audit(session, user, q, "merge", before, {**_snapshot(q), "into": target.id})
    record_audit(session, user, target, "merged_in", target_before, {**_snapshot(target), "from": q.id})
    record_event(session, q.interview_id, "question.merged",
                 {**event_json(session, q), "into": event_json(session, target)})
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
    record_audit(session, user, q, "mark", before, _snapshot(q))
    record_event(session, q.interview_id, "question.marked", event_json(session, q))
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
    check_status(session, q, ("approved", "pending"), "推送")
    _check_claim(session, q, user)
    if q.status == "pending" and _held(q):
        raise Conflict("含敏感词或个人信息的问题需先审核通过才能推送", code="needs_approval", question_id=q.id)
    before = _snapshot(q)
    was_pending = q.status == "pending"
    lock_interview(session, q.interview_id)
    q.status = "pushed"
    q.queue_position = _next_queue_position(session, q.interview_id)
    _save(session, q, user)
    record_audit(session, user, q, "push", before, _snapshot(q))
    if was_pending:  # pushing a pending question approves it: the viewers see it too
        record_event(session, q.interview_id, "question.approved", public_question_json(session, q))
    record_event(session, q.interview_id, "question.pushed", event_json(session, q))
    return q


def unpush_question(session, q: Question, user: User, version=None) -> Question:
    """Take a question back out of the host queue (it stays approved)."""
    _check_version(session, q, version)
    check_status(session, q, ("pushed",), "撤回推送")
    before = _snapshot(q)
    q.status = "approved"
    q.queue_position = None
    _save(session, q, user)
    record_audit(session, user, q, "unpush", before, _snapshot(q))
    record_event(session, q.interview_id, "question.unpushed", event_json(session, q))
    return q


def reorder_queue(session, interview_id: int, order, user: User) -> list[int]:
    """Set the host queue's order: `order` lists pushed question ids, first first (missing ones follow)."""
    if not isinstance(order, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in order):
        raise ValidationError("order 必须是问题编号列表", code="invalid_field", field="order")
    lock_interview(session, interview_id)
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
        record_audit(session, user, None, "reorder", {"order": before}, {"order": after}, interview_id=interview_id)
        record_event(session, interview_id, "question.reordered",
                     {"interview_id": interview_id, "order": after,
                      "versions": {str(q.id): q.version for q in ordered}})
    return after


def put_on_air(session, q: Question, user: User, version=None) -> Question:
    """The host puts the question to the guest. A question still on air is taken as answered."""
    _check_version(session, q, version)
    check_status(session, q, ("pushed", "approved"), "开始回答")
    for current in session.scalars(select(Question).where(
            Question.interview_id == q.interview_id, Question.status == "on_air", Question.id != q.id)):
        mark_answered(session, current, user)
    before = _snapshot(q)
    q.status = "on_air"
    q.on_air_at = utcnow()
    q.queue_position = None
    _save(session, q, user)
    record_audit(session, user, q, "on_air", before, _snapshot(q))
    record_event(session, q.interview_id, "question.on_air", public_question_json(session, q))
    return q


def mark_answered(session, q: Question, user: User, version=None) -> Question:
    """The guest answered; optionally the question goes into the live feed as 网友提问."""
    _check_version(session, q, version)
    check_status(session, q, ("on_air", "pushed", "approved"), "标记已回答")
    before = _snapshot(q)
    q.status = "answered"
    q.answered_at = utcnow()
    q.queue_position = None
    if q.on_air_at is None:
        q.on_air_at = q.answered_at
    _save(session, q, user)
    record_audit(session, user, q, "answered", before, _snapshot(q))
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
        record_audit(session, None, q, "answered", before, _snapshot(q))


def _post_to_feed(session, q: Question, user: User) -> None:
    from studio.feed import post_entry  # the feed may refuse (e.g. interview not live)

    interview = session.get(Interview, q.interview_id)
    try:
        with session.begin_nested():
            post_entry(session, interview, user, {"speaker": "netizen", "text": f"网友提问：{q.text}"})
    except DomainError:
        pass


def claim_question(session, q: Question, user: User) -> Question:
    """Say "I am handling this" for CLAIM_SECONDS, so another moderator does not start on it too."""
    check_status(session, q, ("pending", "approved", "pushed"), "认领")
    _check_claim(session, q, user)
    q.claimed_by_id = user.id
    q.claimed_at = utcnow()
    _flush_or_conflict(session, "该问题刚被其他人处理了", question_id=q.id)
    record_event(session, q.interview_id, "question.claimed",
                 {"id": q.id, "interview_id": q.interview_id, "claimed_by": user_ref(session, user.id),
                  "claimed_until": claim_until(q), "version": q.version})
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
