"""The edit decision and the time arithmetic of cutting.

The recordings of an interview are joined back to back into one timeline ("joined seconds").
The edit keeps some ranges of it; everything else is removed. remap() turns a joined time into
a time of the published video: times after a removed range shift back by its length, times
inside one have no place in the video. Everything that must line up with the cut (captions,
chapters, the poster) goes through these functions, and the encode uses the same ranges.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from studio.platform.db import utcnow
from studio.platform.errors import NotFound, ValidationError
from studio.feed.models import FeedEntry
from studio.recordings import Recording

from .models import EditDecision

MIN_RANGE_S = 0.1          # shorter kept ranges are almost certainly slips of the hand
MAX_RANGES = 500
MAX_CHAPTERS = 200
END_TOLERANCE_S = 0.05     # ffprobe's duration and the player's may differ by a frame or two


@dataclass(frozen=True)
class Piece:
    """One recording's place in the joined timeline."""

    recording_id: int
    path: str
    offset_s: float
    duration_s: float

    @property
    def end_s(self) -> float:
        return self.offset_s + self.duration_s


@dataclass(frozen=True)
class Segment:
    """A part of one recording that goes into the published video, in that recording's seconds."""

    piece_index: int
    local_in_s: float
    local_out_s: float


def joined_timeline(recordings: list[Recording]) -> list[Piece]:
    """The recordings in the given order, each with its offset in the joined timeline."""
    pieces, offset = [], 0.0
    for rec in recordings:
        duration = float(rec.duration_s or 0.0)
        pieces.append(Piece(rec.id, rec.path, offset, duration))
        offset += duration
    return pieces


def total_duration(pieces: list[Piece]) -> float:
    return pieces[-1].end_s if pieces else 0.0


def removed_ranges(keep: list[list[float]], total_s: float) -> list[tuple[float, float]]:
    """The complement of keep inside [0, total_s]."""
    removed, cursor = [], 0.0
    for start, end in keep:
        if start > cursor:
            removed.append((cursor, start))
        cursor = end
    if cursor < total_s:
        removed.append((cursor, total_s))
    return removed


def kept_duration(keep) -> float:
    return sum(end - start for start, end in keep)


def remap(t: float, keep) -> float | None:
    """Joined seconds → seconds of the published video; None inside a removed range."""
    before = 0.0
    for start, end in keep:
        if t < start:
            return None
        if t < end:
            return before + (t - start)
        before += end - start
    return None


def remap_span(start: float, end: float, keep) -> tuple[float, float] | None:
    """A span that starts in a kept range, clipped at that range's end (the next cut)."""
    before = 0.0
    for k_start, k_end in keep:
        if start < k_start:
            return None
        if start < k_end:
            return before + (start - k_start), before + (min(end, k_end) - k_start)
        before += k_end - k_start
    return None


def next_kept_time(t: float, keep) -> float | None:
    """The first kept joined time at or after t (a poster chosen inside a cut moves forward)."""
    for start, end in keep:
        if t < end:
            return max(t, start)
    return None


def snap_to_frames(keep, fps: float) -> list[list[float]]:
    """Ranges moved to the nearest frame boundary, so cutting and remapping agree to the frame."""
    snapped = []
    for start, end in keep:
        a, b = round(start * fps) / fps, round(end * fps) / fps
        if b > a:
            snapped.append([a, b])
    return snapped


def segments_for(keep, pieces: list[Piece]) -> list[Segment]:
    """Split the kept ranges at recording boundaries into per-recording segments."""
    segments = []
    for start, end in keep:
        for index, piece in enumerate(pieces):
            a, b = max(start, piece.offset_s), min(end, piece.end_s)
            if b - a > 1e-6:
                segments.append(Segment(index, a - piece.offset_s, b - piece.offset_s))
    return segments


def joined_time_at(at: datetime, record_timecode_s: float | None, pieces: list[Piece],
                   started_at: dict[int, datetime]) -> float | None:
    """Where a live moment falls in the joined timeline, or None when nothing was recording.

    The recording's own timecode (logged from OBS with the marker) is preferred: it ignores any
    drift between the studio PC's clock and the server's. Wall-clock time minus the recording's
    start time is the fallback.
    """
    # A moment inside a recording belongs to it; only then does a second of slack (clock
    # granularity, the muxer starting late) catch moments just outside every recording.
    for slack in (0.0, 1.0):
        for piece in pieces:
            local = (at - started_at[piece.recording_id]).total_seconds()
            if -slack <= local <= piece.duration_s + slack:
                if record_timecode_s is not None and 0 <= record_timecode_s <= piece.duration_s + 1.0:
                    local = record_timecode_s
                return piece.offset_s + min(max(local, 0.0), piece.duration_s)
    return None


# ---- validation -----------------------------------------------------------------------------

def _number(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValidationError(f"{field} 必须是秒数（数字）", code="invalid_edit", field=field)
    return float(value)


def validate_keep(keep, total_s: float) -> list[list[float]]:
    """Sorted, non-overlapping ranges inside the joined duration; else a clear 400."""
    if not isinstance(keep, list) or not keep:
        raise ValidationError("keep 必须是非空的 [[入点, 出点], …] 列表", code="invalid_edit", field="keep")
    if len(keep) > MAX_RANGES:
        raise ValidationError(f"保留片段不能超过 {MAX_RANGES} 段", code="invalid_edit", field="keep")
    ranges, previous_end = [], None
    for index, item in enumerate(keep):
        label = f"keep[{index}]"
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise ValidationError(f"{label} 必须是 [入点, 出点]", code="invalid_edit", field="keep")
        start, end = _number(item[0], label), _number(item[1], label)
        if start < 0:
            raise ValidationError(f"{label} 入点不能为负", code="invalid_edit", field="keep")
        if end - start < MIN_RANGE_S:
            raise ValidationError(f"{label} 出点必须晚于入点至少 {MIN_RANGE_S} 秒", code="invalid_edit",
                                  field="keep")
        if end > total_s + END_TOLERANCE_S:
            raise ValidationError(f"{label} 出点 {end:.3f} 超出录像总长 {total_s:.3f} 秒", code="invalid_edit",
                                  field="keep")
        if previous_end is not None and start < previous_end:
            raise ValidationError(f"{label} 与前一段重叠或未按时间排序", code="invalid_edit", field="keep")
        ranges.append([start, min(end, total_s)])
        previous_end = end
    return ranges


def _validate_chapters(chapters, total_s: float) -> list[dict] | None:
    if chapters is None:
        return None
    if not isinstance(chapters, list) or len(chapters) > MAX_CHAPTERS:
        raise ValidationError("chapters 必须是 [{at_s, title}] 列表", code="invalid_edit", field="chapters")
    result = []
    for index, item in enumerate(chapters):
        if not isinstance(item, dict):
            raise ValidationError(f"chapters[{index}] 必须是 {{at_s, title}}", code="invalid_edit", field="chapters")
        at = _number(item.get("at_s"), f"chapters[{index}].at_s")
        title = item.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            raise ValidationError(f"chapters[{index}].title 不能为空且不超过 200 字", code="invalid_edit",
                                  field="chapters")
        if not 0 <= at <= total_s + END_TOLERANCE_S:
            raise ValidationError(f"chapters[{index}] 的时间超出录像范围", code="invalid_edit", field="chapters")
        result.append({"at_s": at, "title": title.strip()})
    return sorted(result, key=lambda c: c["at_s"])


def _validate_corrections(session, interview_id: int, corrections) -> dict:
    """{entry_id: {speaker_name?, text?, hidden?}}; a list of {entry_id, …} is accepted too."""
    if corrections is None:
        return {}
    if isinstance(corrections, list):
        items = []
        for item in corrections:
            if not isinstance(item, dict) or "entry_id" not in item:
                raise ValidationError("corrections 的每一项需要 entry_id", code="invalid_edit", field="corrections")
            items.append((item["entry_id"], item))
    elif isinstance(corrections, dict):
        items = list(corrections.items())
    else:
        raise ValidationError("corrections 必须是对象或列表", code="invalid_edit", field="corrections")
    entry_ids = set(session.scalars(select(FeedEntry.id).where(FeedEntry.interview_id == interview_id)))
    result = {}
    for raw_id, item in items:
        try:
            entry_id = int(raw_id)
        except (TypeError, ValueError):
            raise ValidationError(f"无效的条目编号 {raw_id!r}", code="invalid_edit", field="corrections")
        if entry_id not in entry_ids:
            raise ValidationError(f"图文条目 {entry_id} 不属于本访谈", code="invalid_edit", field="corrections")
        if not isinstance(item, dict):
            raise ValidationError("每条更正必须是对象", code="invalid_edit", field="corrections")
        fix = {}
        for key, label, limit in (("speaker_name", "发言人", 120), ("text", "文字", 20000)):
            if item.get(key) is not None:
                if not isinstance(item[key], str) or len(item[key]) > limit:
                    raise ValidationError(f"图文条目 {entry_id} 更正的{label}不能超过 {limit} 字", code="invalid_edit",
                                          field="corrections")
                fix[key] = item[key].strip()
        if item.get("hidden"):
            fix["hidden"] = True
        if fix:
            result[str(entry_id)] = fix
    return result


def interview_recordings(session, interview_id: int, recording_ids) -> list[Recording]:
    """The named recordings of this interview, in the given order (the order they are joined in)."""
    if not isinstance(recording_ids, list) or not recording_ids:
        raise ValidationError("recording_ids 必须是录像编号列表（只发布图文实录、不带视频时为 []）", code="invalid_edit",
                              field="recording_ids")
    if any(isinstance(r, bool) or not isinstance(r, int) for r in recording_ids) \
            or len(set(recording_ids)) != len(recording_ids):
        raise ValidationError("recording_ids 必须是互不相同的整数", code="invalid_edit", field="recording_ids")
    found = {r.id: r for r in session.scalars(select(Recording).where(
        Recording.interview_id == interview_id, Recording.id.in_(recording_ids)))}
    missing = [r for r in recording_ids if r not in found]
    if missing:
        raise ValidationError(f"录像 {missing} 不属于本访谈", code="invalid_edit", field="recording_ids")
    unprobed = [r for r in recording_ids if not found[r].duration_s]
    if unprobed:
        raise ValidationError(f"录像 {unprobed} 没有可用的时长（文件无法读取？）", code="invalid_edit",
                              field="recording_ids")
    return [found[r] for r in recording_ids]


def has_recordings(session, interview_id: int) -> bool:
    return session.scalar(select(Recording.id).where(Recording.interview_id == interview_id).limit(1)) is not None


def is_text_only(edit: dict) -> bool:
    """A decision without recordings publishes the text broadcast (图文直播实录) alone."""
    return not edit.get("recording_ids")


def _validate_text_only(session, interview_id: int, body: dict) -> dict:
    """An edit with no recordings: no ranges, poster or chapters (there is no video to place them in)."""
    for field in ("keep", "poster_s", "chapters"):
        if body.get(field) not in (None, []):
            raise ValidationError(f"没有选择录像（图文实录）时不能设置 {field}", code="invalid_edit", field=field)
    return {"recording_ids": [], "keep": [], "poster_s": None, "chapters": None,
            "corrections": _validate_corrections(session, interview_id, body.get("corrections"))}


def validate_edit(session, interview_id: int, body) -> dict:
    """Check a PUT edit body against the interview's recordings; returns the normalised decision."""
    if not isinstance(body, dict):
        raise ValidationError("请求体必须是 JSON 对象", code="invalid_json")
    recording_ids = body.get("recording_ids")
    if recording_ids is None and not has_recordings(session, interview_id):
        recording_ids = []  # nothing was recorded: the only thing to publish is the text
    if recording_ids == []:
        return _validate_text_only(session, interview_id, body)
    recordings = interview_recordings(session, interview_id, recording_ids)
    total = total_duration(joined_timeline(recordings))
    keep = validate_keep(body.get("keep"), total)
    poster = body.get("poster_s")
    if poster is not None:
        poster = _number(poster, "poster_s")
        if not 0 <= poster <= total + END_TOLERANCE_S:
            raise ValidationError("poster_s 超出录像范围", code="invalid_edit", field="poster_s")
    return {
        "recording_ids": [r.id for r in recordings], "keep": keep, "poster_s": poster,
        "chapters": _validate_chapters(body.get("chapters"), total),
        "corrections": _validate_corrections(session, interview_id, body.get("corrections")),
    }


def save_edit(session, interview_id: int, body, user_id: int | None) -> EditDecision:
    """Validate and store the edit decision of an interview (one per interview)."""
    decision_data = validate_edit(session, interview_id, body)
    decision = session.scalar(select(EditDecision).where(EditDecision.interview_id == interview_id))
    if decision is None:
        decision = EditDecision(interview_id=interview_id, revision=0)
        session.add(decision)
    for key, value in decision_data.items():
        setattr(decision, key, value)
    decision.revision = (decision.revision or 0) + 1
    decision.updated_by = user_id
    decision.updated_at = utcnow()
    session.flush()
    return decision


def get_edit(session, interview_id: int) -> EditDecision:
    decision = session.scalar(select(EditDecision).where(EditDecision.interview_id == interview_id))
    if decision is None:
        raise NotFound("还没有保存剪辑方案", code="no_edit_decision")
    return decision


def edit_json(decision: EditDecision) -> dict:
    from studio.platform.timefmt import iso

    return {"interview_id": decision.interview_id, "recording_ids": decision.recording_ids,
            "keep": decision.keep, "poster_s": decision.poster_s, "chapters": decision.chapters,
            "corrections": decision.corrections, "revision": decision.revision,
            "updated_at": iso(decision.updated_at)}
