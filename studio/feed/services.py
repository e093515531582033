"""The live text feed (图文直播): post, correct, withdraw and pin entries; each change is an event.

Every change writes a FeedRevision (the full state after it, so the history is complete) and a
`feed.*` event in the same transaction. Entries are ordered by the seq of the event that posted
them. Withdrawn entries stay in the database (staff see them struck through) but their public
form carries no text.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select, update

from studio.platform.db import utcnow
from studio.platform.errors import Conflict, NotFound, ValidationError
from studio.platform.events import record_event, redact_public_events
from studio.platform.http import MAX_ID
from studio.platform.models import Guest, Interview, User
from studio.feed.models import FEED_SPEAKERS, FeedEntry, FeedRevision, Image
from studio.platform.timefmt import iso
from studio.interviews import STATE_LABELS

SPEAKER_LABELS = {"host": "主持人", "guest": "嘉宾", "netizen": "网友提问", "narrator": "旁白"}
# Entries may be written from the preview (a warm-up line, the guests' introduction) until the
# interview is published; a published archive is frozen (unpublish first to correct it).
WRITABLE_STATES = ("preview", "live", "ended")
STATE_NAMES = STATE_LABELS  # the interview states' names, the interviews area's
MAX_TEXT_CHARS = 5000
# What the editor calls each field: messages shown to people name fields in Chinese, never by
# their API names (the API name is still in the error's `field`).
FIELD_NAMES = {"text": "内容", "speaker": "发言人", "speaker_name": "发言人姓名", "guest_id": "嘉宾",
               "image_id": "图片", "pinned": "置顶", "venue_id": "会场"}

# C0/C1 controls except tab and newline, plus the bidi overrides and zero-width marks that can
# make a line read differently from what it says.
_UNWANTED_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _name(field: str) -> str:
    return FIELD_NAMES.get(field, field)


def clean_text(value, field: str = "text") -> str:
    """Plain feed text as typed: newlines kept, control and direction-override characters removed.

    Only NFC (which never changes what a character is): full-width ？，！：；（） stay full-width;
    folding (NFKC) belongs to matching keys, not to stored text.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{_name(field)}必须是文字", code="invalid_field", field=field)
    if len(value) > MAX_TEXT_CHARS * 4:  # refuse before normalising a huge body
        raise ValidationError(f"{_name(field)}超过 {MAX_TEXT_CHARS} 字", code="too_long", field=field)
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = _UNWANTED_CHARS.sub("", value).strip()
    value = re.sub(r"\n{3,}", "\n\n", value)
    if len(value) > MAX_TEXT_CHARS:
        raise ValidationError(f"{_name(field)}超过 {MAX_TEXT_CHARS} 字（现 {len(value)} 字）", code="too_long",
                              field=field)
    return value


# ---- serialisation --------------------------------------------------------------------------

def image_json(image: Image | None) -> dict | None:
    if image is None:
        return None
    return {"id": image.id, "url": f"/media/{image.id}", "thumb_url": f"/media/{image.id}/thumb",
            "width": image.width, "height": image.height}


def entry_json(entry: FeedEntry, image: Image | None = None, staff: bool = False, edited: bool = False) -> dict:
    """The wire form of an entry; a withdrawn one shows the public only that it is gone.

    `edited` says whether the text/speaker/image was ever corrected (pinning does not count).
    """
    base = {"id": entry.id, "interview_id": entry.interview_id, "seq": entry.seq,
            "at": iso(entry.created_at), "updated_at": iso(entry.updated_at),
            "revision": entry.revision, "deleted": entry.deleted}
    if entry.deleted and not staff:
        return {**base, "pinned": False}
    return {**base, "speaker": entry.speaker, "speaker_label": SPEAKER_LABELS.get(entry.speaker, ""),
            "speaker_name": entry.speaker_name, "guest_id": entry.guest_id, "text": entry.text,
            "image": image_json(image), "pinned": entry.pinned, "edited": edited, "venue_id": entry.venue_id}


def revision_json(rev: FeedRevision, by: str | None) -> dict:
    return {"revision": rev.revision, "action": rev.action, "speaker": rev.speaker,
            "speaker_name": rev.speaker_name, "text": rev.text, "image_id": rev.image_id,
            "by": by, "at": iso(rev.at)}


# ---- queries --------------------------------------------------------------------------------

def get_entry(session, entry_id: int) -> FeedEntry:
    entry = session.get(FeedEntry, entry_id)
    if entry is None:
        raise NotFound("没有这条图文直播", code="entry_not_found")
    return entry


def list_entries(session, interview_id: int, staff: bool) -> list[dict]:
    """An interview's entries in posting order; the public never sees withdrawn ones."""
    query = (select(FeedEntry, Image).outerjoin(Image, FeedEntry.image_id == Image.id)
             .where(FeedEntry.interview_id == interview_id).order_by(FeedEntry.seq, FeedEntry.id))
    if not staff:
        query = query.where(FeedEntry.deleted.is_(False))
    edited = set(session.scalars(
        select(FeedRevision.entry_id).join(FeedEntry, FeedRevision.entry_id == FeedEntry.id)
        .where(FeedEntry.interview_id == interview_id, FeedRevision.action == "edited").distinct()))
    return [entry_json(entry, image, staff, entry.id in edited) for entry, image in session.execute(query)]


def entry_history(session, entry: FeedEntry) -> list[dict]:
    """Every revision of an entry, oldest first, with who made it."""
    rows = session.execute(select(FeedRevision, User.display_name)
                           .outerjoin(User, FeedRevision.by_user_id == User.id)
                           .where(FeedRevision.entry_id == entry.id).order_by(FeedRevision.revision))
    return [revision_json(rev, name) for rev, name in rows]


def snapshot_part(session, interview: Interview, audience: str) -> dict:
    """Snapshot part "feed" (signals.snapshot_parts; connected by init_app)."""
    return {"feed": {"entries": list_entries(session, interview.id, staff=(audience == "staff"))}}


# ---- changes --------------------------------------------------------------------------------

def _check_writable(interview: Interview) -> None:
    if interview.state not in WRITABLE_STATES:
        raise Conflict(f"访谈{STATE_NAMES.get(interview.state, interview.state)}，不能编辑图文直播"
                       "（预告、直播中或已结束时可以）", code="feed_closed", state=interview.state)


def _int_or_none(value, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValidationError(f"{_name(field)}编号无效", code="invalid_field", field=field)
    return value


def resolve_speaker(session, interview: Interview, speaker, guest_id=None,
                    speaker_name=None) -> tuple[str, str, int | None]:
    """(speaker, speaker_name, guest_id) with the name taken from the interview."""
    if speaker not in FEED_SPEAKERS:
        raise ValidationError("请选择发言人：主持人、嘉宾、网友提问或旁白", code="invalid_speaker",
                              field="speaker")
    if speaker == "guest":
        guest_id = _int_or_none(guest_id, "guest_id")
        guest = session.get(Guest, guest_id) if guest_id is not None else None
        if guest is None or guest.interview_id != interview.id:
            raise ValidationError("请选择本场访谈的嘉宾", code="invalid_guest", field="guest_id")
        return speaker, guest.name, guest.id
    if speaker == "host":
        hosts = list(interview.hosts or [])
        # Two hosts share some programmes: the editor may name which one speaks.
        if isinstance(speaker_name, str) and speaker_name.strip() in hosts:
            return speaker, speaker_name.strip(), None
        return speaker, hosts[0] if hosts else SPEAKER_LABELS["host"], None
    return speaker, SPEAKER_LABELS[speaker], None


def _resolve_venue(session, interview: Interview, venue_id) -> int | None:
    """A venue of this interview (主会场 + N) or none; the venues area says whether it exists."""
    venue_id = _int_or_none(venue_id, "venue_id")
    if venue_id is None:
        return None
    from studio.venues import get_venue

    return get_venue(session, interview.id, venue_id).id


def _resolve_image(session, interview: Interview, image_id) -> Image | None:
    image_id = _int_or_none(image_id, "image_id")
    if image_id is None:
        return None
    image = session.get(Image, image_id)
    if image is None or image.interview_id != interview.id:
        raise ValidationError("图片不存在或不属于本场访谈，请重新上传", code="invalid_image_id", field="image_id")
    return image


def _add_revision(session, entry: FeedEntry, action: str, user: User | None) -> None:
    session.add(FeedRevision(entry_id=entry.id, revision=entry.revision, action=action,
                             speaker=entry.speaker, speaker_name=entry.speaker_name, text=entry.text,
                             image_id=entry.image_id, by_user_id=user.id if user else None, at=utcnow()))


def _record(session, entry: FeedEntry, image: Image | None, type_: str) -> None:
    edited = type_ == "feed.edited" or (type_ != "feed.posted" and was_edited(session, entry))
    data = entry_json(entry, image, edited=edited)
    # The entry's seq is the seq of the event that posted it: only known there.
    ev = record_event(session, entry.interview_id, type_, data,
                      seq_field="seq" if type_ == "feed.posted" else None)
    if type_ == "feed.posted":
        entry.seq = ev.seq


def post_entry(session, interview: Interview, user: User | None, body: dict) -> tuple[FeedEntry, Image | None]:
    """Post a new entry {speaker, text, guest_id?, image_id?, speaker_name?}."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", code="invalid_json")
    _check_writable(interview)
    speaker, name, guest_id = resolve_speaker(session, interview, body.get("speaker"),
                                              body.get("guest_id"), body.get("speaker_name"))
    text = clean_text(body.get("text"))
    image = _resolve_image(session, interview, body.get("image_id"))
    venue_id = _resolve_venue(session, interview, body.get("venue_id"))
    if not text and image is None:
        raise ValidationError("请输入文字或添加图片", code="empty_entry", field="text")
    pinned = body.get("pinned", False)
    if not isinstance(pinned, bool):
        raise ValidationError("置顶只能是“是”或“否”（true / false）", code="invalid_field", field="pinned")
    now = utcnow()
    entry = FeedEntry(interview_id=interview.id, speaker=speaker, speaker_name=name, guest_id=guest_id,
                      text=text, image_id=image.id if image else None, pinned=pinned, venue_id=venue_id,
                      deleted=False, revision=1, seq=0, created_by=user.id if user else None,
                      created_at=now, updated_at=now)
    session.add(entry)
    session.flush()
    _add_revision(session, entry, "posted", user)
    _record(session, entry, image, "feed.posted")
    return entry, image


CONTENT_FIELDS = ("speaker", "guest_id", "speaker_name", "text", "image_id", "venue_id")


def edit_entry(session, entry: FeedEntry, user: User | None, body: dict) -> tuple[FeedEntry, Image | None]:
    """Correct an entry (text, speaker, image) and/or pin it; each kind of change is one event."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", code="invalid_json")
    unknown = set(body) - set(CONTENT_FIELDS) - {"pinned"}
    if unknown:
        raise ValidationError(f"只能修改内容、发言人、图片和置顶（不认识：{', '.join(sorted(unknown))}）",
                              code="invalid_field")
    _lock_entry(session, entry)
    interview = session.get(Interview, entry.interview_id)
    _check_writable(interview)
    if entry.deleted:
        raise Conflict("这条已撤回，不能再修改", code="entry_withdrawn")
    image = session.get(Image, entry.image_id) if entry.image_id else None

    if any(field in body for field in CONTENT_FIELDS):
        speaker = body.get("speaker", entry.speaker)
        guest_id = body.get("guest_id", entry.guest_id if speaker == "guest" else None)
        speaker_name = body.get("speaker_name", entry.speaker_name)
        speaker, name, guest_id = resolve_speaker(session, interview, speaker, guest_id, speaker_name)
        text = clean_text(body["text"]) if "text" in body else entry.text
        if "image_id" in body:
            image = _resolve_image(session, interview, body["image_id"])
        venue_id = _resolve_venue(session, interview, body["venue_id"]) if "venue_id" in body else entry.venue_id
        if not text and image is None:
            raise ValidationError("文字和图片不能都为空；要删除整条请用撤回", code="empty_entry", field="text")
        new = (speaker, name, guest_id, text, image.id if image else None, venue_id)
        if new != (entry.speaker, entry.speaker_name, entry.guest_id, entry.text, entry.image_id, entry.venue_id):
            entry.speaker, entry.speaker_name, entry.guest_id, entry.text, entry.image_id, entry.venue_id = new
            _bump(session, entry, "edited", user)
            _record(session, entry, image, "feed.edited")

    if "pinned" in body:
        if not isinstance(body["pinned"], bool):
            raise ValidationError("置顶只能是“是”或“否”（true / false）", code="invalid_field", field="pinned")
        if body["pinned"] != entry.pinned:
            entry.pinned = body["pinned"]
            _bump(session, entry, "pinned" if entry.pinned else "unpinned", user)
            _record(session, entry, image, "feed.pinned")
    return entry, image


def _lock_entry(session, entry: FeedEntry) -> None:
    """Hold the entry's row until commit and re-read it, so two editors' changes never interleave.

    A no-op UPDATE is the portable SELECT … FOR UPDATE: on SQLite it takes the write lock (its
    SELECTs run outside the transaction), on PostgreSQL the row lock. Without it both editors
    could read revision 2 and both write revision 3.
    """
    session.execute(update(FeedEntry).where(FeedEntry.id == entry.id).values(revision=FeedEntry.revision))
    session.refresh(entry)


def _bump(session, entry: FeedEntry, action: str, user: User | None) -> None:
    entry.revision += 1
    entry.updated_at = utcnow()
    _add_revision(session, entry, action, user)
    session.flush()


def was_edited(session, entry: FeedEntry) -> bool:
    """Whether the entry's text, speaker or image was ever corrected (pinning does not count)."""
    return session.scalar(select(FeedRevision.id).where(FeedRevision.entry_id == entry.id,
                                                        FeedRevision.action == "edited").limit(1)) is not None


def withdraw_entry(session, entry: FeedEntry, user: User | None) -> FeedEntry:
    """Withdraw (撤回) an entry: viewers drop it; staff keep seeing it struck through.

    Withdrawing twice is not an error (a retried request after a lost answer) and adds nothing.
    """
    _lock_entry(session, entry)
    interview = session.get(Interview, entry.interview_id)
    _check_writable(interview)
    if entry.deleted:
        return entry
    entry.deleted = True
    entry.pinned = False
    _bump(session, entry, "deleted", user)
    _record(session, entry, None, "feed.deleted")
    # Replay must not bring the withdrawn text back: its earlier public events keep only the
    # tombstone (id, seq, deleted), in this same transaction (issue 16.2).
    tombstone = entry_json(entry)
    redact_public_events(session, entry.interview_id,
                         lambda _type, data: data.get("id") == entry.id,
                         lambda _type, _data: tombstone,
                         types=("feed.posted", "feed.edited", "feed.pinned"))
    return entry
