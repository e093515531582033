"""What publishing's routes read and answer, for studio.platform.http.declare (and so the OpenAPI
document). The fields are typed only: what a value means against the recordings (ranges inside the
joined duration, entries of this interview…) stays in edit.py, with the same code, invalid_edit."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

from studio.platform.http import Body, Id, error_code

from .event_types import PublishJob

_EDIT = error_code("invalid_edit")


class EditBody(Body):
    """PUT /api/interviews/<id>/edit: the edit decision. recording_ids [] (or left out when nothing
    was recorded) publishes the text broadcast alone, without keep/poster_s/chapters."""
    recording_ids: list[Id] | None = Field(None, json_schema_extra=_EDIT,
                                           description="录像编号，按拼接顺序；[]：只发布图文实录")
    keep: list[list[float]] | None = Field(None, json_schema_extra=_EDIT,
                                           description="保留片段 [[入点秒, 出点秒], …]，在拼接后的时间轴上")
    poster_s: float | None = Field(None, json_schema_extra=_EDIT, description="封面画面的时间（秒）")
    chapters: list[dict[str, Any]] | None = Field(None, json_schema_extra=_EDIT,
                                                  description="[{at_s, title}]；null：用默认章节")
    corrections: dict[str, Any] | list[dict[str, Any]] | None = Field(
        None, json_schema_extra=_EDIT, description="{图文条目编号: {speaker_name?, text?, hidden?}}，或 [{entry_id, …}]")


class RecordingPath(Body):
    """POST /api/interviews/<id>/recordings as JSON: a file already on the server."""
    path: str | None = Field(None, json_schema_extra=error_code("invalid_path"),
                             description="服务器上的录像路径（须在允许的录像文件夹内）")
    started_at: str | None = Field(None, json_schema_extra=error_code("invalid_time"),
                                   description="录像开始的时间，ISO 8601（必填）")


class RecordingUpload(BaseModel):
    """POST /api/interviews/<id>/recordings as multipart/form-data: an uploaded file."""
    file: bytes = Field(json_schema_extra={"format": "binary"}, description="录像文件（mkv/mp4/webm/mov/m4v）")
    started_at: str = Field(description="录像开始的时间，ISO 8601")
    csrf_token: str | None = Field(None, description="也可用 X-CSRF-Token 请求头")


# ---- answers ----------------------------------------------------------------------------------

class RecordingOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    path: str
    source: str
    started_at: str | None
    duration_s: float | None
    width: int | None
    height: int | None
    size_bytes: int | None
    video_codec: str | None
    audio_codec: str | None


class RecordingList(RootModel[list[RecordingOut]]):
    pass


# A job is answered as its publish.job event carries it (jobs.job_json): one schema for both.
JobOut = PublishJob


class JobList(BaseModel):
    jobs: list[JobOut]


class PublishAccepted(BaseModel):
    job_id: int
    job: JobOut


class Unpublished(BaseModel):
    ok: bool
    state: str


class EditOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    interview_id: int
    recording_ids: list[int]
    keep: list[list[float]]
    poster_s: float | None
    chapters: list[dict[str, Any]] | None
    corrections: dict[str, Any]
    revision: int
    updated_at: str | None


class EditorMaterial(BaseModel):
    """Everything the editor page needs: recordings on the joined timeline, markers, feed, chapters."""
    model_config = ConfigDict(extra="allow")
    interview: dict[str, Any]
    recordings: list[dict[str, Any]]
    all_recordings: list[RecordingOut]
    total_s: float
    markers: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    default_chapters: list[dict[str, Any]]
    saved: bool
    edit: dict[str, Any]
    text_only: bool
    jobs: list[JobOut]
