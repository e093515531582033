"""Registering recordings made elsewhere: a file already on the server, or an upload.

A path must lie inside an allowed folder ($DATA_DIR/recordings or one of RECORDINGS_DIR),
checked after resolving symlinks and "..", so a publisher cannot make the server read (or later
serve) any other file. Uploads are stored under $DATA_DIR/recordings/uploads/.
"""
from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

from studio.platform.errors import ValidationError
from studio.recordings import Recording, register_recording

UPLOAD_SUFFIXES = {".mkv", ".mp4", ".mov", ".flv", ".ts", ".m4v", ".webm"}


def allowed_roots(config) -> list[Path]:
    roots = [Path(config["DATA_DIR"]) / "recordings"]
    roots += [Path(p) for p in (config.get("RECORDINGS_DIR") or "").split(":") if p.strip()]
    return [r.resolve() for r in roots]


def resolve_allowed_path(config, raw) -> Path:
    """The real path of a file inside an allowed folder, else a 400 naming the allowed folders."""
    if not isinstance(raw, str) or not raw.strip() or "\x00" in raw or len(raw) > 1000:
        raise ValidationError("path 必须是服务器上的文件路径", code="invalid_path", field="path")
    roots = allowed_roots(config)
    candidate = Path(raw.strip())
    if not candidate.is_absolute():
        candidate = roots[0] / candidate
    real = candidate.resolve()
    if not any(real.is_relative_to(root) for root in roots):
        raise ValidationError("只能登记录像文件夹中的文件：" + "、".join(str(r) for r in roots),
                              code="path_not_allowed", field="path")
    if not real.is_file():
        raise ValidationError(f"文件不存在：{raw}", code="file_not_found", field="path")
    return real


def register_path(session, config, interview_id: int, raw_path, started_at: datetime) -> Recording:
    """Register a recording that is already on the server."""
    return register_recording(session, interview_id, str(resolve_allowed_path(config, raw_path)), started_at,
                              source="path")


def register_upload(session, config, interview_id: int, upload, started_at: datetime) -> Recording:
    """Store an uploaded recording and register it; an unreadable upload is deleted again."""
    name = os.path.basename(upload.filename or "")
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValidationError("只接受视频文件（" + "、".join(sorted(UPLOAD_SUFFIXES)) + "）",
                              code="unsupported_media", field="file")
    folder = Path(config["DATA_DIR"]) / "recordings" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{interview_id}-{started_at.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}{suffix}"
    upload.save(str(target))
    try:
        return register_recording(session, interview_id, str(target), started_at, source="upload")
    except Exception:
        target.unlink(missing_ok=True)
        raise
