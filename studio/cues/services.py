"""Cue cards and the host console: script upload, navigation with timers, card edits, backstage messages.

Services take an ORM session and plain values, never the request; every visible change records an
event in the caller's transaction (the caller commits). Timers are start times in the database;
clients compute elapsed time from them and the `server_now` they are sent, so every screen shows
the same figures and a reload loses nothing.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from studio.platform.db import utcnow
from studio.platform.errors import Conflict, NotFound, ValidationError
from studio.platform.events import record_event
from studio.platform.models import Event, Interview, User
from studio.platform.timefmt import iso
from . import parsing
from .models import CueCard, CueScript, CueState, HostMessage

CUE_ACTIONS = ("next", "prev", "goto", "start", "reset")
HOST_MESSAGE_MAX = 200
MAX_PLANNED_SECONDS = 4 * 3600


def server_now() -> str:
    """The server's clock, sent with every state so clients can correct their own."""
    return iso(utcnow())


# ---- serialisation --------------------------------------------------------------------------

def card_json(card: CueCard, index: int) -> dict:
    return {"id": card.id, "index": index, "kind": card.kind, "speaker": card.speaker,
            "section": card.section, "title": card.title, "text": card.text, "planned_s": card.planned_s,
            "planned_source": card.planned_source, "actual_s": round(card.actual_s or 0.0, 1),
            "revision": card.revision}


def user_ref(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "display_name": user.display_name, "role": user.role}


def message_json(message: HostMessage) -> dict:
    return {"id": message.id, "text": message.text, "sent_at": iso(message.sent_at),
            "from": {"id": message.sent_by, "display_name": message.sender_name, "role": message.sender_role},
            "dismissed_at": iso(message.dismissed_at), "dismissed_by": message.dismissed_by}


def script_json(script: CueScript | None) -> dict | None:
    if script is None:
        return None
    return {"source_name": script.source_name, "source_kind": script.source_kind, "chars": script.char_count,
            "revision": script.revision, "uploaded_at": iso(script.uploaded_at), "uploaded_by": script.uploaded_by}


def position_json(state: CueState, cards: list[CueCard], now: datetime | None = None) -> dict:
    """Where the show is: current index, its card, the next card and the timer start times."""
    count = len(cards)
    current = min(state.current_index, count - 1) if count else 0
    return {
        "current": current, "count": count, "version": state.version,
        "card": card_json(cards[current], current) if count else None,
        "next_card": card_json(cards[current + 1], current + 1) if current + 1 < count else None,
        "started_at": iso(state.card_started_at),  # the contract's name for the card's start
        "card_started_at": iso(state.card_started_at),
        "show_started_at": iso(state.show_started_at),
        "show_ended_at": iso(state.show_ended_at),
        "planned_offset_s": sum(c.planned_s for c in cards[:current]),
        "planned_total_s": sum(c.planned_s for c in cards),
        "server_now": iso(now or utcnow()),
    }


def cues_json(session, interview_id: int, now: datetime | None = None) -> dict:
    """The whole console state: every card, the position and timers, the script, active messages."""
    state = session.get(CueState, interview_id) or CueState(interview_id=interview_id, current_index=0, version=0)
    cards = list_cards(session, interview_id)
    data = position_json(state, cards, now)
    data["cards"] = [card_json(card, i) for i, card in enumerate(cards)]
    data["script"] = script_json(session.get(CueScript, interview_id))
    data["host_messages"] = [message_json(m) for m in active_host_messages(session, interview_id)]
    return data


# ---- reading --------------------------------------------------------------------------------

def list_cards(session, interview_id: int) -> list[CueCard]:
    return list(session.scalars(select(CueCard).where(CueCard.interview_id == interview_id)
                                .order_by(CueCard.position, CueCard.id)))


def get_script(session, interview_id: int) -> CueScript:
    script = session.get(CueScript, interview_id)
    if script is None:
        raise NotFound("尚未上传访谈稿", code="no_script")
    return script


def _lock_state(session, interview_id: int) -> CueState:
    """The interview's cue state, write-locked for this transaction (created on first use).

    The no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite before we read,
    so two clients changing the position at once are serialised and the second sees the first.
    """
    for _attempt in range(2):
        locked = session.execute(update(CueState).where(CueState.interview_id == interview_id)
                                 .values(version=CueState.version)).rowcount
        if locked:
            return session.execute(select(CueState).where(CueState.interview_id == interview_id)
                                   .execution_options(populate_existing=True)).scalar_one()
        try:
            with session.begin_nested():
                session.add(CueState(interview_id=interview_id, current_index=0, version=0, updated_at=utcnow()))
        except IntegrityError:
            continue  # created by a concurrent request meanwhile: lock that one
    raise Conflict("提示卡状态正忙，请重试", code="cue_busy")


def _running(state: CueState) -> bool:
    return state.show_started_at is not None and state.show_ended_at is None


def _leave_current_card(state: CueState, cards: list[CueCard], now: datetime) -> dict | None:
    """Add the time spent on the current card to its actual duration."""
    if not cards or not _running(state) or state.card_started_at is None:
        return None
    index = min(state.current_index, len(cards) - 1)
    card = cards[index]
    card.actual_s = (card.actual_s or 0.0) + max(0.0, (now - state.card_started_at).total_seconds())
    return {"id": card.id, "index": index, "actual_s": round(card.actual_s, 1)}


def _record_cards_changed(session, interview_id: int, state: CueState, reason: str, user: User | None,
                          now: datetime) -> dict:
    data = cues_json(session, interview_id, now)
    data.pop("host_messages", None)
    data.pop("server_now", None)
    data.update({"reason": reason, "by": user_ref(user)})
    record_event(session, interview_id, "cue.cards_changed", data)
    return data


# ---- script ---------------------------------------------------------------------------------

def replace_script(session, interview: Interview, text: str, source_name: str, source_kind: str,
                   user: User | None) -> dict:
    """Store a script and replace the interview's cards with its split.

    The current position: before the show has started it goes back to the first card. During the
    show it stays on the same card if the new script still has it (same speaker and text), else on
    the first card of the same section, else on the same index (clamped); time already spent on a
    card is kept for identical cards.
    """
    text = parsing.clean_script_text(text)
    guest_names = tuple(g.name for g in interview.guests if g.name)
    parsed = parsing.split_script(text, guest_names)
    now = utcnow()
    state = _lock_state(session, interview.id)
    old_cards = list_cards(session, interview.id)
    old_current = old_cards[min(state.current_index, len(old_cards) - 1)] if old_cards else None
    kept_actuals = {(c.kind, c.speaker, c.text): c.actual_s for c in old_cards if c.actual_s}

    for card in old_cards:
        session.delete(card)
    session.flush()
    new_cards = []
    for position, item in enumerate(parsed):
        card = CueCard(interview_id=interview.id, position=position, kind=item.kind, speaker=item.speaker,
                       section=item.section, title=item.title, text=item.text, planned_s=item.planned_s,
                       planned_source=item.planned_source,
                       actual_s=kept_actuals.get((item.kind, item.speaker, item.text), 0.0),
                       created_at=now, updated_at=now)
        session.add(card)
        new_cards.append(card)
    session.flush()

    if state.show_started_at is None or old_current is None:
        state.current_index = 0
    else:
        same = next((i for i, c in enumerate(new_cards) if (c.kind, c.speaker, c.text) ==
                     (old_current.kind, old_current.speaker, old_current.text)), None)
        if same is None:
            same = next((i for i, c in enumerate(new_cards) if old_current.section and
                         c.section == old_current.section), None)
            if _running(state):
                state.card_started_at = now  # a different card is now current: its time starts now
        state.current_index = same if same is not None else min(state.current_index, len(new_cards) - 1)

    script = session.get(CueScript, interview.id)
    if script is None:
        script = CueScript(interview_id=interview.id, revision=0)
        session.add(script)
    script.text = text
    script.char_count = parsing.spoken_length(text)
    script.source_name = (source_name or "粘贴文本")[:255]
    script.source_kind = source_kind
    script.revision = (script.revision or 0) + 1
    script.uploaded_by = user.id if user else None
    script.uploaded_at = now
    state.version += 1
    state.updated_by = user.id if user else None
    state.updated_at = now
    session.flush()
    return _record_cards_changed(session, interview.id, state, "script", user, now)


# ---- navigation and timers ------------------------------------------------------------------

def _int_field(value, name: str, allow_none: bool = True) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} 必须是整数", code="invalid_field", field=name)
    return value


def move_cue(session, interview_id: int, action, index=None, expected=None,
             user: User | None = None) -> dict:
    """Go to the next / previous / a given card, or start / reset the show's timers.

    `expected` is the index the client believes is current: when another screen moved meanwhile
    the move is refused (409 cue_conflict, with the real position) instead of skipping two cards.
    Moving never starts the show clock: cards are moved in rehearsal (preview) too. The clock
    starts when the interview goes live (on_interview_event) or on an explicit `start`; `reset`
    zeroes it and goes back to the first card (during a live it restarts at once).
    """
    if action not in CUE_ACTIONS:
        raise ValidationError(f"action 必须是 {' / '.join(CUE_ACTIONS)}", code="invalid_action")
    index = _int_field(index, "index")
    expected = _int_field(expected, "expected")
    state = _lock_state(session, interview_id)
    cards = list_cards(session, interview_id)
    count = len(cards)
    now = utcnow()
    if count == 0:
        raise Conflict("尚未上传访谈稿，没有提示卡", code="no_cards")
    current = min(state.current_index, count - 1)
    if expected is not None and expected != current:
        raise Conflict(f"提示卡已被切换到第 {current + 1} 张", code="cue_conflict",
                       current=current, version=state.version)

    left = None
    if action == "reset":
        for card in cards:
            card.actual_s = 0.0
        state.current_index = 0
        state.show_started_at = state.card_started_at = state.show_ended_at = None
        interview = session.get(Interview, interview_id)
        if interview is not None and interview.state == "live":
            # On air the clock cannot stand still: it counts again from zero.
            state.show_started_at = state.card_started_at = now
    elif action == "start":
        if _running(state):
            return position_json(state, cards, now)  # already running: nothing changes
        state.show_started_at = now
        state.show_ended_at = None
        state.card_started_at = now
    else:
        if action == "next":
            target = current + 1
            if target >= count:
                raise Conflict("已是最后一张提示卡", code="cue_at_end", current=current)
        elif action == "prev":
            target = current - 1
            if target < 0:
                raise Conflict("已是第一张提示卡", code="cue_at_start", current=current)
        else:
            if index is None:
                raise ValidationError("goto 需要 index", code="missing_field", field="index")
            if not 0 <= index < count:
                raise ValidationError(f"index 超出范围（0–{count - 1}）", code="invalid_index", field="index")
            target = index
            if target == current:
                return position_json(state, cards, now)  # already there: nothing changes
        left = _leave_current_card(state, cards, now)
        state.current_index = target
        state.card_started_at = now if _running(state) else None
    state.version += 1
    state.updated_by = user.id if user else None
    state.updated_at = now
    session.flush()
    data = position_json(state, cards, now)
    data.pop("server_now")
    data.update({"action": action, "left": left, "by": user_ref(user)})
    record_event(session, interview_id, "cue.changed", data)
    return {**data, "server_now": iso(now)}


def current_position(session, interview_id: int) -> dict:
    """The position and timers without the cards (for clock sync and light clients)."""
    state = session.get(CueState, interview_id) or CueState(interview_id=interview_id, current_index=0, version=0)
    return position_json(state, list_cards(session, interview_id))


def on_interview_event(session, event: Event) -> None:
    """Going live (re)starts the show clock; ending the live stops it.

    Going live from planned / preview starts the clock at that instant, whatever a rehearsal did
    to it: a clock the host started (or left running) in preview is zeroed, with the cards' actual
    times, and the current card stays where the host put it. Resuming a live ended by mistake
    (ended → live) keeps the clock and only lets it run again.

    Runs inside the transaction that records interview.state_changed (a nested event would take a
    later seq but be queued first, so none is recorded); clients reload their cue state on that
    event.
    """
    if event.type != "interview.state_changed":
        return
    data = event.data or {}
    new_state = data.get("state")
    if new_state not in ("live", "ended"):
        return
    if new_state == "ended" and session.get(CueState, event.interview_id) is None:
        return
    # Created when missing: a script uploaded after going live still finds the clock running.
    state = _lock_state(session, event.interview_id)  # a move may be committing at the same moment
    if new_state == "live":
        if data.get("from") == "ended" and state.show_started_at is not None:
            if state.show_ended_at is not None:  # a live ended by mistake resumes
                state.show_ended_at = None
                state.card_started_at = event.at
        else:
            for card in list_cards(session, event.interview_id):
                card.actual_s = 0.0
            state.show_started_at = state.card_started_at = event.at
            state.show_ended_at = None
    elif _running(state):
        _leave_current_card(state, list_cards(session, event.interview_id), event.at)
        state.show_ended_at = event.at
    state.version += 1
    state.updated_at = event.at


# ---- editing cards --------------------------------------------------------------------------

def _clean_field(value, name: str, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{name} 必须是字符串", code="invalid_field", field=name)
    value = "".join(ch for ch in value.replace("\r\n", "\n")
                    if unicodedata.category(ch) != "Cc" or ch == "\n").strip()
    if required and not value:
        raise ValidationError(f"{name} 不能为空", code="missing_field", field=name)
    if len(value) > limit:
        raise ValidationError(f"{name} 超过 {limit} 个字符", code="too_long", field=name)
    return value


def _apply_card_fields(card: CueCard, body: dict) -> None:
    if "text" in body:
        card.text = _clean_field(body["text"], "text", parsing.MAX_CARD_TEXT, required=True)
        if card.planned_source == "estimate" and "planned_s" not in body:
            card.planned_s = parsing.estimate_seconds(card.text)
    for name, limit in (("title", 200), ("speaker", 120), ("section", 200)):
        if name in body:
            setattr(card, name, _clean_field(body[name], name, limit))
    if "kind" in body:
        if body["kind"] not in parsing.CARD_KINDS:
            raise ValidationError(f"kind 必须是 {' / '.join(parsing.CARD_KINDS)}", code="invalid_field", field="kind")
        card.kind = body["kind"]
    if "planned_s" in body:
        planned = _int_field(body["planned_s"], "planned_s", allow_none=False)
        if not 0 <= planned <= MAX_PLANNED_SECONDS:
            raise ValidationError("planned_s 必须在 0–14400 秒之间", code="invalid_field", field="planned_s")
        card.planned_s, card.planned_source = planned, "manual"


def _card_by_id(cards: list[CueCard], card_id: int) -> int:
    for i, card in enumerate(cards):
        if card.id == card_id:
            return i
    raise NotFound("没有这张提示卡", code="card_not_found")


def _require_body(body) -> dict:
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", code="invalid_json")
    return body


def update_card(session, interview_id: int, card_id: int, body: dict, user: User | None) -> dict:
    """Change a card's text, title, speaker, kind or planned duration.

    With `expected_revision` (the revision the editor started from) an edit of a card someone
    else changed meanwhile is refused with 409 `card_changed` and the card as it is now, so
    neither edit is lost without the editor seeing it.
    """
    body = _require_body(body)
    state = _lock_state(session, interview_id)
    cards = list_cards(session, interview_id)
    index = _card_by_id(cards, card_id)
    card = cards[index]
    if body.get("expected_revision") is not None:
        expected = _int_field(body["expected_revision"], "expected_revision", allow_none=False)
        if expected != card.revision:
            raise Conflict("这张提示卡已被他人修改，请先查看最新内容再保存", code="card_changed",
                           card=card_json(card, index))
    _apply_card_fields(card, body)
    card.revision = (card.revision or 1) + 1
    card.updated_at = utcnow()
    state.version += 1
    session.flush()
    return _record_cards_changed(session, interview_id, state, "edit", user, utcnow())


def insert_card(session, interview_id: int, body: dict, user: User | None) -> tuple[dict, dict]:
    """Insert a card at `index` (default: at the end); the current card stays current."""
    body = _require_body(body)
    state = _lock_state(session, interview_id)
    cards = list_cards(session, interview_id)
    if len(cards) >= parsing.MAX_CARDS:
        raise Conflict(f"提示卡已达上限 {parsing.MAX_CARDS} 张", code="too_many_cards")
    index = _int_field(body.get("index"), "index")
    index = len(cards) if index is None else index
    if not 0 <= index <= len(cards):
        raise ValidationError(f"index 超出范围（0–{len(cards)}）", code="invalid_index", field="index")
    neighbour = cards[index - 1] if index > 0 else (cards[0] if cards else None)
    now = utcnow()
    card = CueCard(interview_id=interview_id, position=index, kind="host", speaker="主持人",
                   section=neighbour.section if neighbour else "", title="", text="",
                   planned_s=0, planned_source="estimate", actual_s=0.0, created_at=now, updated_at=now)
    if "title" not in body and neighbour is not None:
        card.title = neighbour.section
    _apply_card_fields(card, {"text": body.get("text"), **{k: v for k, v in body.items() if k != "index"}})
    if cards and index <= state.current_index:
        state.current_index += 1
    cards.insert(index, card)
    for position, item in enumerate(cards):
        item.position = position
    session.add(card)
    state.version += 1
    session.flush()
    data = _record_cards_changed(session, interview_id, state, "insert", user, now)
    return card_json(card, index), data


def delete_card(session, interview_id: int, card_id: int, user: User | None) -> dict:
    """Delete a card; the current card stays current (if it is the one deleted, the next one is)."""
    state = _lock_state(session, interview_id)
    cards = list_cards(session, interview_id)
    index = _card_by_id(cards, card_id)
    now = utcnow()
    current = min(state.current_index, max(len(cards) - 1, 0))
    if index < current:
        state.current_index = current - 1
    elif index == current:
        state.current_index = min(current, max(len(cards) - 2, 0))
        if _running(state):
            state.card_started_at = now
    session.delete(cards.pop(index))
    for position, item in enumerate(cards):
        item.position = position
    state.version += 1
    session.flush()
    return _record_cards_changed(session, interview_id, state, "delete", user, now)


def reorder_cards(session, interview_id: int, card_ids, user: User | None) -> dict:
    """Put the cards in the given order (a permutation of all their ids); the current card stays current."""
    if not isinstance(card_ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in card_ids):
        raise ValidationError("card_ids 必须是提示卡 id 的列表", code="invalid_field", field="card_ids")
    state = _lock_state(session, interview_id)
    cards = list_cards(session, interview_id)
    if sorted(card_ids) != sorted(c.id for c in cards):
        raise Conflict("card_ids 必须恰好包含全部提示卡（列表已被他人修改？请刷新）", code="cards_mismatch")
    by_id = {c.id: c for c in cards}
    current_id = cards[min(state.current_index, len(cards) - 1)].id if cards else None
    for position, card_id in enumerate(card_ids):
        by_id[card_id].position = position
    if current_id is not None:
        state.current_index = card_ids.index(current_id)
    state.version += 1
    session.flush()
    return _record_cards_changed(session, interview_id, state, "reorder", user, utcnow())


# ---- backstage messages ---------------------------------------------------------------------

def active_host_messages(session, interview_id: int) -> list[HostMessage]:
    return list(session.scalars(select(HostMessage).where(
        HostMessage.interview_id == interview_id, HostMessage.dismissed_at.is_(None)).order_by(HostMessage.id)))


def list_host_messages(session, interview_id: int, include_dismissed: bool, limit: int = 100) -> list[HostMessage]:
    query = select(HostMessage).where(HostMessage.interview_id == interview_id)
    if not include_dismissed:
        query = query.where(HostMessage.dismissed_at.is_(None))
    return list(reversed(list(session.scalars(query.order_by(HostMessage.id.desc()).limit(limit)))))


def send_host_message(session, interview_id: int, text, user: User | None) -> HostMessage:
    """A backstage message to the host: shown large on the host console until dismissed."""
    if not isinstance(text, str):
        raise ValidationError("text 必须是字符串", code="invalid_field", field="text")
    text = re.sub(r"\s+", " ", "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch.isspace())).strip()
    if not text:
        raise ValidationError("消息不能为空", code="empty_message", field="text")
    if len(text) > HOST_MESSAGE_MAX:
        raise ValidationError(f"消息不能超过 {HOST_MESSAGE_MAX} 字（现 {len(text)} 字）", code="too_long", field="text")
    message = HostMessage(interview_id=interview_id, text=text, sent_by=user.id if user else None,
                          sender_name=user.display_name if user else "", sender_role=user.role if user else "",
                          sent_at=utcnow())
    session.add(message)
    session.flush()
    record_event(session, interview_id, "host.message", message_json(message))
    return message


def dismiss_host_messages(session, interview_id: int, message_id, user: User | None) -> list[int]:
    """Dismiss one message (by id) or, without an id, every message still showing."""
    message_id = _int_field(message_id, "id")
    query = select(HostMessage).where(HostMessage.interview_id == interview_id)
    if message_id is not None:
        message = session.scalar(query.where(HostMessage.id == message_id))
        if message is None:
            raise NotFound("没有这条消息", code="message_not_found")
        messages = [message] if message.dismissed_at is None else []
    else:
        messages = list(session.scalars(query.where(HostMessage.dismissed_at.is_(None))))
    if not messages:
        return []  # already dismissed (e.g. on another screen): nothing changes, no event
    now = utcnow()
    for message in messages:
        message.dismissed_at = now
        message.dismissed_by = user.id if user else None
    session.flush()
    ids = [m.id for m in messages]
    record_event(session, interview_id, "host.message_dismissed", {"ids": ids, "by": user_ref(user)})
    return ids


# ---- snapshot -------------------------------------------------------------------------------

def cues_snapshot(session, interview: Interview, audience: str):
    """The "cues" snapshot part: everything the host console shows; nothing for the public."""
    if audience != "staff":
        return None
    return cues_json(session, interview.id)
