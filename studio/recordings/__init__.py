"""Recordings of an interview and the markers logged while recording.

OBS registers its file when the recording has really stopped (studio.obs); a publisher may
register a file made elsewhere. Markers (cue changes, questions on air, scene changes, feed
entries) carry wall-clock time and, when known, the recording's timecode, so publishing can
place chapters and captions in the cut video.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from studio.platform.db import Base, UTCDateTime, utcnow
from studio.platform.errors import ValidationError
from studio.platform.timefmt import iso


class Recording(Base):
    __tablename__ = "recordings"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(20), default="obs")  # obs, path, upload
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_s: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    video_codec: Mapped[str] = mapped_column(String(40), default="")
    audio_codec: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


MARKER_KINDS = ("cue", "question_on_air", "question_answered", "feed", "scene", "record_start",
                "record_stop", "record_pause", "record_resume", "stream_start", "stream_stop")


class Marker(Base):
    __tablename__ = "markers"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Seconds into the recording running at that moment (from OBS's record timecode), if any.
    record_timecode_s: Mapped[float | None] = mapped_column(Float)
    event_seq: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


# Container formats accepted for recordings (ffprobe's format_name, each a demuxer's name list).
# ffmpeg picks the demuxer by the file's content, not its name, and some demuxers open further
# files named inside the file (hls, dash, concat, imf, image2, …): an "upload.mp4" that is a
# playlist would make the server read, publish and serve any file it can open. So only these
# are ever opened, every ffmpeg/ffprobe call on a recording names its demuxer (-f) and reads
# through the file protocol only.
ALLOWED_CONTAINERS = ("matroska,webm", "mov,mp4,m4a,3gp,3g2,mj2", "mpegts", "flv")
FORMAT_WHITELIST = ",".join(ALLOWED_CONTAINERS)
PROTOCOL_WHITELIST = "file"


def demuxer_for(format_name: str) -> str:
    """The demuxer to name with -f for a probed format_name ("matroska,webm" -> "matroska")."""
    if format_name not in ALLOWED_CONTAINERS:
        raise ValidationError(f"不支持的录像格式：{format_name}", code="unsupported_container")
    return format_name.split(",")[0]


def media_url(path: str) -> str:
    """A path as ffmpeg's file protocol URL: no other protocol can be spelled by the name."""
    return "file:" + str(Path(path).resolve())


def input_args(path: str, demuxer: str) -> list[str]:
    """The input options of an ffmpeg/ffprobe call on a recording (or on a file we made)."""
    return ["-f", demuxer, "-protocol_whitelist", PROTOCOL_WHITELIST, "-i", media_url(path)]


def probe_json(path: str, *args: str, timeout: float = 60) -> dict:
    """ffprobe -print_format json on a file, opened only by an allowed demuxer via the file protocol.

    Raises ValidationError: file_not_found, unsupported_container (a playlist, list or any
    other format outside ALLOWED_CONTAINERS), unreadable_media (ffprobe's reason).
    """
    if not os.path.isfile(path):
        raise ValidationError(f"文件不存在：{path}", code="file_not_found")
    try:
        out = subprocess.run(["ffprobe", "-v", "error", "-protocol_whitelist", PROTOCOL_WHITELIST,
                              "-format_whitelist", FORMAT_WHITELIST, "-print_format", "json", "-show_format",
                              *args, media_url(path)], capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise ValidationError("服务器未安装 ffprobe", code="ffprobe_missing", status=503)
    if out.returncode != 0:
        refused = re.search(r"\[(\w+) @ [^]]*\] Format not on whitelist", out.stderr)
        if refused:
            raise ValidationError(f"不接受 {refused.group(1)} 格式的文件：录像只能是 MKV、MP4/MOV、TS 或 FLV 视频",
                                  code="unsupported_container")
        raise ValidationError(f"无法读取媒体文件：{out.stderr.strip()[-300:]}", code="unreadable_media")
    info = json.loads(out.stdout or "{}")
    info["demuxer"] = demuxer_for(info.get("format", {}).get("format_name", ""))
    return info


def probe_media(path: str) -> dict:
    """ffprobe a media file: duration, size, first video stream's size and codecs.

    Raises ValidationError with ffprobe's reason when the file is missing, unreadable or not
    in an allowed container format.
    """
    info = probe_json(path, "-show_streams")
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    duration = info.get("format", {}).get("duration")
    if video is None:
        raise ValidationError("文件中没有视频流", code="no_video_stream")
    return {
        "duration_s": float(duration) if duration not in (None, "N/A") else None,
        "width": video.get("width"), "height": video.get("height"),
        "video_codec": video.get("codec_name", ""), "audio_codec": (audio or {}).get("codec_name", ""),
        "size_bytes": os.path.getsize(path),
    }


def register_recording(session, interview_id: int, path: str, started_at: datetime,
                       source: str = "obs") -> Recording:
    """Probe a finished recording file and attach it to an interview."""
    path = str(Path(path).resolve())
    facts = probe_media(path)
    existing = session.scalar(select(Recording).where(Recording.interview_id == interview_id,
                                                      Recording.path == path))
    recording = existing or Recording(interview_id=interview_id, path=path)
    recording.source = source
    recording.started_at = started_at
    for key, value in facts.items():
        setattr(recording, key, value)
    session.add(recording)
    session.flush()
    return recording


def list_recordings(session, interview_id: int) -> list[Recording]:
    """An interview's recordings in the order they were made (the order they are joined in)."""
    return list(session.scalars(select(Recording).where(Recording.interview_id == interview_id)
                                .order_by(Recording.started_at, Recording.id)))


def recording_json(recording: Recording) -> dict:
    return {"id": recording.id, "path": recording.path, "source": recording.source,
            "started_at": iso(recording.started_at), "duration_s": recording.duration_s,
            "width": recording.width, "height": recording.height, "size_bytes": recording.size_bytes,
            "video_codec": recording.video_codec, "audio_codec": recording.audio_codec}


_INSERT_MARKER = Marker.__table__.insert()


def add_marker(session, interview_id: int, kind: str, label: str = "", at: datetime | None = None,
               record_timecode_s: float | None = None, event_seq: int | None = None,
               data: dict | None = None) -> Marker:
    """Log something that happened during the programme, for chapters and captions later."""
    if kind not in MARKER_KINDS:
        raise ValueError(f"unknown marker kind {kind!r}")
    row = {"interview_id": interview_id, "kind": kind, "label": label[:500], "at": at or utcnow(),
           "record_timecode_s": record_timecode_s, "event_seq": event_seq, "data": data or {}}
    # A Core INSERT on the session's connection, after what the caller has pending (as the ORM
    # flush did), without the unit of work (as record_event's event row): a marker comes with
    # every cue change, feed entry and OBS scene change, on the OBS owner's one green thread too.
    # The Marker returned is the row as stored, outside the session (markers are written once;
    # lists read them again).
    session.flush()
    row["id"] = session.connection().execute(_INSERT_MARKER, row).inserted_primary_key[0]
    return Marker(**row)


def list_markers(session, interview_id: int) -> list[Marker]:
    return list(session.scalars(select(Marker).where(Marker.interview_id == interview_id)
                                .order_by(Marker.at, Marker.id)))


def marker_json(marker: Marker) -> dict:
    return {"id": marker.id, "kind": marker.kind, "label": marker.label, "at": iso(marker.at),
            "record_timecode_s": marker.record_timecode_s, "event_seq": marker.event_seq,
            "data": marker.data}
