"""Captions, chapters and the transcript (文字实录), made from what was logged live.

Feed entries and markers carry the moment they happened; the edit decides where that moment
lands in the published video (publishing.edit.remap). Captions are sized for a phone: at most
CAPTION_LINE_WIDTH characters a line and two lines a cue; a long entry becomes several cues
spread over its time on screen.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from .edit import remap, remap_span

CAPTION_LINE_WIDTH = 16        # Chinese characters per line on a phone held upright
CAPTION_LINES = 2
CUE_MIN_S = 2.0                # shortest time an entry stays on screen when nothing follows soon
CUE_SECONDS_PER_CHAR = 0.3     # about the pace of speech in Chinese
CUE_MAX_S = 30.0               # an entry never stays up longer than this without a follow-up
CUE_DROP_BELOW_S = 0.2         # a cue clipped to less than this by a cut is not worth showing
SPEAKER_LABELS = {"host": "主持人", "guest": "嘉宾", "netizen": "网友", "narrator": ""}
BREAK_AFTER = set("。！？；，、：!?;,:…")


@dataclass
class Cue:
    start: float
    end: float
    text: str


def char_width(ch: str) -> float:
    """A CJK (wide) character counts 1, a Latin letter or digit half."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5


def text_width(text: str) -> float:
    return sum(char_width(c) for c in text)


def _split_by_width(text: str, width: float) -> list[str]:
    """Pieces no wider than `width`, breaking after punctuation where possible."""
    pieces, rest = [], text.strip()
    while rest:
        if text_width(rest) <= width:
            pieces.append(rest)
            break
        used, cut, last_break = 0.0, 0, None
        for index, ch in enumerate(rest):
            used += char_width(ch)
            if used > width:
                break
            cut = index + 1
            if ch in BREAK_AFTER or ch == " ":
                last_break = index + 1
        # Break at punctuation unless that leaves a stub line.
        if last_break is not None and last_break >= cut // 2:
            cut = last_break
        pieces.append(rest[:max(cut, 1)].strip())
        rest = rest[max(cut, 1):].strip()
    return [p for p in pieces if p]


def caption_chunks(text: str) -> list[str]:
    """An entry's text as cue texts of at most CAPTION_LINES lines of CAPTION_LINE_WIDTH."""
    text = re.sub(r"\s+", " ", text or "").strip()
    if not text:
        return []
    cue_texts = _split_by_width(text, CAPTION_LINE_WIDTH * CAPTION_LINES)
    return ["\n".join(_split_by_width(chunk, CAPTION_LINE_WIDTH)[:CAPTION_LINES]) for chunk in cue_texts]


def build_caption_cues(items: list[dict], keep, video_duration: float) -> list[Cue]:
    """Cues of the published video from timed items {t (joined seconds), text}.

    Each item lasts until the next item or its reading time, whichever is first; a long item is
    split into several cues across that time in proportion to their length. A cue that starts
    in a removed range is dropped; one that runs into a cut is clipped at the cut.
    """
    items = sorted((i for i in items if i.get("t") is not None and i.get("text")), key=lambda i: i["t"])
    cues: list[Cue] = []
    for index, item in enumerate(items):
        chunks = caption_chunks(item["text"])
        if not chunks:
            continue
        start = item["t"]
        reading = min(max(CUE_MIN_S, text_width(item["text"]) * CUE_SECONDS_PER_CHAR), CUE_MAX_S)
        # A line timed with its end (caption timings) lasts until then, else its reading time.
        end = item["end"] if item.get("end") else start + reading
        if index + 1 < len(items):
            end = min(end, items[index + 1]["t"])
        if end <= start:
            continue
        total_width = sum(text_width(c) for c in chunks) or 1.0
        cursor = start
        for chunk in chunks:
            chunk_end = cursor + (end - start) * text_width(chunk) / total_width
            span = remap_span(cursor, chunk_end, keep)
            if span is not None and span[1] - span[0] >= CUE_DROP_BELOW_S:
                cues.append(Cue(span[0], min(span[1], video_duration), chunk))
            cursor = chunk_end
    for current, following in zip(cues, cues[1:]):
        current.end = min(current.end, following.start)
    return [c for c in cues if c.end - c.start >= CUE_DROP_BELOW_S]


def build_chapter_cues(chapters: list[dict], keep, video_duration: float) -> list[Cue]:
    """Chapter cues from [{t (joined seconds), title}]: each runs to the next chapter or the end.

    A chapter whose start was cut out is dropped (its content is gone or merged into the one before).
    """
    starts: dict[float, str] = {}
    for chapter in sorted(chapters, key=lambda c: c["t"]):
        out = remap(chapter["t"], keep)
        if out is not None and out < video_duration:
            starts[round(out, 3)] = chapter["title"]  # two chapters at one moment: the later wins
    times = sorted(starts)
    return [Cue(t, times[i + 1] if i + 1 < len(times) else video_duration, starts[t])
            for i, t in enumerate(times) if (times[i + 1] if i + 1 < len(times) else video_duration) > t]


def timestamp(seconds: float, sep: str = ".") -> str:
    millis = int(round(max(seconds, 0.0) * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{millis:03d}"


def _vtt_text(text: str) -> str:
    return html.escape(text, quote=False).replace("--&gt;", "→")


def to_webvtt(cues: list[Cue]) -> str:
    blocks = ["WEBVTT", ""]
    for number, cue in enumerate(cues, 1):
        blocks += [str(number), f"{timestamp(cue.start)} --> {timestamp(cue.end)}", _vtt_text(cue.text), ""]
    return "\n".join(blocks)


def to_srt(cues: list[Cue]) -> str:
    blocks = []
    for number, cue in enumerate(cues, 1):
        blocks += [str(number), f"{timestamp(cue.start, ',')} --> {timestamp(cue.end, ',')}", cue.text, ""]
    return "\n".join(blocks)


# ---- transcript -----------------------------------------------------------------------------

def speaker_label(speaker: str, name: str) -> str:
    """What the transcript prints before a line: the name, else the role (主持人, 嘉宾, 网友)."""
    return (name or "").strip() or SPEAKER_LABELS.get(speaker, "")


def transcript_txt(title: str, lines: list[dict]) -> str:
    out = [title, "=" * min(40, max(4, int(text_width(title)) * 2)), ""]
    for line in lines:
        label = speaker_label(line["speaker"], line["speaker_name"])
        text = line["text"] + (f"\n[图片] {line['image']}" if line.get("image") else "")
        out += [f"{label}：{text}" if label else text, ""]
    return "\n".join(out)
