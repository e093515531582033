"""What the feed's routes read and answer, declared once (studio.platform.http.declare).

The models type the fields (their errors name the field in Chinese, as the feed's own messages do:
FIELD_NAMES); the services keep what a value means (a speaker, a guest of this interview, an image
uploaded for it, the text's length) with their own codes. Ids are typed here, bounded by the
service (`_int_or_none`), which answers the same invalid_field.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from studio.platform.http import Body, error_code

from .services import FIELD_NAMES


def _field(name: str, code: str = "invalid_field") -> dict:
    return error_code(code, FIELD_NAMES[name])


class EntryChange(Body):
    """An entry's content; on a PATCH every field may be left out (the rest stays as it was)."""
    speaker: str = Field(None, json_schema_extra=_field("speaker", "invalid_speaker"),
                         description="host、guest、netizen 或 narrator")
    guest_id: int | None = Field(None, json_schema_extra=_field("guest_id"), description="speaker 为 guest 时：本场嘉宾")
    speaker_name: str | None = Field(None, json_schema_extra=_field("speaker_name"),
                                     description="speaker 为 host 时：两位主持人中的哪一位")
    text: str | None = Field(None, json_schema_extra=_field("text"), description="文字（至多 5000 字）")
    image_id: int | None = Field(None, json_schema_extra=_field("image_id"), description="先上传的图片")
    venue_id: int | None = Field(None, json_schema_extra=_field("venue_id"), description="分会场")
    pinned: bool = Field(None, json_schema_extra=_field("pinned"), description="置顶")


class NewEntry(EntryChange):
    speaker: str = Field(json_schema_extra=_field("speaker", "invalid_speaker"),
                         description="host、guest、netizen 或 narrator")


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class Image(Answer):
    id: int
    url: str
    thumb_url: str
    width: int | None
    height: int | None


class Entry(Answer):
    """An entry; a withdrawn one (deleted) shows the public only its id, times and that it is gone."""
    id: int
    interview_id: int
    seq: int | None
    at: str | None
    revision: int
    deleted: bool
    pinned: bool
    speaker: str | None = None
    speaker_label: str | None = None
    speaker_name: str | None = None
    text: str | None = None
    image: Image | None = None


class Entries(Answer):
    entries: list[Entry]


class History(Answer):
    entry_id: int
    revisions: list[dict[str, Any]]


class UploadedImage(Image):
    mime: str


class ImageUpload(BaseModel):
    """multipart/form-data with the picture in `file` (JPEG, PNG or WebP, up to MAX_UPLOAD_MB)."""
    file: bytes = Field(json_schema_extra={"format": "binary"})
