"""Caption timings: validation, storage, the script lines to time, and the items publishing
remaps through the cut. Plain functions (no Flask request)."""
from __future__ import annotations

import math
import re

from studio.platform.db import utcnow
from studio.platform.errors import ValidationError
from .models import CaptionTiming

MAX_LINES = 2000
MAX_TEXT = 500
MAX_SECONDS = 24 * 3600.0


def _seconds(value, field: str, index: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 <= value <= MAX_SECONDS:
        raise ValidationError(f"第 {index + 1} 行的{'开始' if field == 'start_s' else '结束'}时间无效",
                              code="invalid_field", field=field, line=index)
    return round(float(value), 3)


def validate_lines(body) -> list[dict]:
    if not isinstance(body, dict) or not isinstance(body.get("lines"), list):
        raise ValidationError("请求体必须是 {lines: [{text, start_s, end_s?}]}", code="invalid_json")
    raw = body["lines"]
    if len(raw) > MAX_LINES:
        raise ValidationError(f"最多 {MAX_LINES} 行字幕", code="too_many_items")
    lines = []
    for index, line in enumerate(raw):
        if not isinstance(line, dict):
            raise ValidationError(f"第 {index + 1} 行格式不对", code="invalid_field", line=index)
        text = line.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(f"第 {index + 1} 行没有文字", code="missing_field", field="text", line=index)
        if len(text) > MAX_TEXT:
            raise ValidationError(f"第 {index + 1} 行太长（最多 {MAX_TEXT} 字）", code="too_long", line=index)
        start = _seconds(line.get("start_s"), "start_s", index)
        end = line.get("end_s")
        end = None if end is None else _seconds(end, "end_s", index)
        if end is not None and end <= start:
            raise ValidationError(f"第 {index + 1} 行的结束时间必须晚于开始时间", code="invalid_field",
                                  field="end_s", line=index)
        lines.append({"text": text.strip(), "start_s": start, "end_s": end})
    starts = [line["start_s"] for line in lines]
    if starts != sorted(starts):
        raise ValidationError("字幕行的开始时间必须按顺序递增", code="unordered_lines")
    return lines


def get_timings(session, interview_id: int) -> CaptionTiming | None:
    return session.get(CaptionTiming, interview_id)


def timings_json(row: CaptionTiming | None, interview_id: int) -> dict:
    return {"interview_id": interview_id, "lines": list(row.lines) if row else [],
            "revision": row.revision if row else 0}


def save_timings(session, interview_id: int, body, user_id: int | None) -> CaptionTiming:
    lines = validate_lines(body)
    row = get_timings(session, interview_id)
    if row is None:
        row = CaptionTiming(interview_id=interview_id, revision=0)
        session.add(row)
    row.lines = lines
    row.revision = (row.revision or 0) + 1
    row.updated_by = user_id
    row.updated_at = utcnow()
    session.flush()
    return row


def script_lines(session, interview_id: int) -> list[str]:
    """The cue script (提纲/讲稿) cut into sentences: what the publisher times."""
    from ..cues.models import CueScript

    script = session.get(CueScript, interview_id)
    if script is None or not script.text:
        return []
    out = []
    for paragraph in script.text.splitlines():
        for sentence in re.findall(r"[^。！？!?；;]+[。！？!?；;]*", paragraph):
            if sentence.strip():
                out.append(sentence.strip())
    return out


def timed_script_lines(session, interview_id: int) -> list[dict]:
    """The timed script lines {start_s, end_s?, text} in joined seconds, [] when never timed
    (signals.timed_script: publishing makes the captions and transcript from them)."""
    row = get_timings(session, interview_id)
    return list(row.lines) if row is not None and row.lines else []
