"""Smart cut (issue 11), step 1: can the recordings be cut without re-encoding, and how.

OBS records web-grade H.264 with a keyframe every 2 s; re-encoding all of it is wasted work. A
kept range can be stream-copied from the first keyframe at or after its in-point to the last
keyframe at or before its out-point; only the frames before that first keyframe (the head) and
after that last one (the tail) need encoding, with the copied part's parameters, so the pieces
join into one stream. This module decides whether that is possible (else the reason, in
Chinese, for the job's log and the editor page) and plans the pieces. The pipeline still runs
the full encode; wiring the plan into it comes in the next steps.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from fractions import Fraction

from studio.recordings import PROTOCOL_WHITELIST, media_url

from .edit import segments_for

MODES = ("auto", "always", "never")     # the PUBLISH_SMART_CUT setting
SMART_CODECS = ("h264",)
WEB_PIX_FMT = "yuv420p"
# The facts that must be the same in every recording joined, and equal in the re-encoded heads.
MATCHING = ("codec_name", "profile", "level", "width", "height", "pix_fmt", "time_base", "avg_frame_rate")


@dataclass(frozen=True)
class Part:
    """One piece of the cut video, in a recording's own seconds: copied as it is, or encoded."""

    piece_index: int
    kind: str            # "copy" or "encode"
    start_s: float
    end_s: float


@dataclass
class Plan:
    """Either parts to cut (smart) or the reason the full encode is used instead."""

    parts: list[Part]
    reason: str = ""     # empty when smart cut is used

    @property
    def smart(self) -> bool:
        return not self.reason

    def seconds(self, kind: str) -> float:
        return sum(p.end_s - p.start_s for p in self.parts if p.kind == kind)


def keyframe_times(path: str, demuxer: str, timeout: float = 600) -> list[float]:
    """Presentation times of the video keyframes, from the packets (no decoding: seconds for an hour)."""
    result = subprocess.run(["ffprobe", "-v", "error", "-f", demuxer, "-protocol_whitelist", PROTOCOL_WHITELIST,
                             "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0",
                             media_url(path)], capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL)
    times = []
    for line in result.stdout.splitlines():
        pts, _, flags = line.partition(",")
        if "K" in flags and pts not in ("", "N/A"):
            times.append(float(pts))
    return sorted(times)


def ineligible_reason(streams: list[dict], names: list[str], max_height: int, mode: str) -> str:
    """Why the recordings cannot be smart-cut ("" when they can). streams: ffprobe's video streams."""
    if mode == "never":
        return "设置 PUBLISH_SMART_CUT=never：使用完整重新编码"
    for stream, name in zip(streams, names):
        if stream.get("codec_name") not in SMART_CODECS:
            return f"录像 {name} 的视频编码是 {stream.get('codec_name') or '未知'}，智能剪辑只支持 H.264"
        if stream.get("pix_fmt") != WEB_PIX_FMT:
            return f"录像 {name} 的像素格式是 {stream.get('pix_fmt')}，网页播放需要 {WEB_PIX_FMT}"
        if int(stream.get("height") or 0) > max_height:
            return f"录像 {name} 高 {stream.get('height')} 像素，超过 PUBLISH_MAX_HEIGHT={max_height}，需要缩小"
    first = streams[0]
    for stream, name in zip(streams[1:], names[1:]):
        differs = [key for key in MATCHING if stream.get(key) != first.get(key)]
        if differs:
            return f"录像 {name} 与第一个录像的格式不同（{'、'.join(differs)}），拼接需要重新编码"
    return ""


def plan_cut(keep, pieces, keyframes: list[list[float]], fps: Fraction, reason: str = "") -> Plan:
    """Parts of a smart cut of the frame-snapped keep ranges; keyframes per recording (its seconds).

    A kept range with no whole keyframe interval inside it is encoded whole; so is everything
    when reason says smart cut cannot be used.
    """
    half = float(1 / fps) / 2
    parts = []
    for segment in segments_for(keep, pieces):
        start, end = segment.local_in_s, segment.local_out_s
        if reason:
            parts.append(Part(segment.piece_index, "encode", start, end))
            continue
        # The recording's end is a boundary too: a copy may run to the end of the file.
        bounds = keyframes[segment.piece_index] + [pieces[segment.piece_index].duration_s]
        inside = [k for k in bounds if start - half <= k <= end + half]
        first, last = (inside[0], inside[-1]) if inside else (None, None)
        if first is None or last - first < half:
            parts.append(Part(segment.piece_index, "encode", start, end))
            continue
        if first - start > half:
            parts.append(Part(segment.piece_index, "encode", start, first))
        parts.append(Part(segment.piece_index, "copy", max(first, start), min(last, end)))
        if end - last > half:
            parts.append(Part(segment.piece_index, "encode", last, end))
    return Plan(parts, reason)
