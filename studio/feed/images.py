"""Photos for the feed and guest portraits: checked by content, re-encoded clean, with a thumbnail.

An upload is accepted only when Pillow recognises it as JPEG, PNG or WebP (the file name and
the declared type are ignored). It is decoded under a pixel limit (a small file can expand to
gigabytes: a decompression bomb), turned upright by its EXIF orientation, and written anew
without EXIF, GPS, ICC or text chunks, at most MAX_EDGE pixels on its long side, with a
THUMB_EDGE thumbnail. Files live under DATA_DIR/uploads/<interview>/.
"""
from __future__ import annotations

import hashlib
import io
import os
import warnings
from pathlib import Path

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from sqlalchemy import exists, select

from studio.platform.db import utcnow
from studio.platform.errors import DomainError, NotFound, ValidationError
from studio.interviews import PUBLIC_STATES
from studio.platform.models import Guest, Interview
from studio.feed.models import FeedEntry, Image

ALLOWED_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_PIXELS = 40_000_000   # a 40-megapixel camera frame is the largest honest upload
MAX_EDGE = 2560           # stored size: sharp on a desktop screen, light on a phone
THUMB_EDGE = 480          # the feed shows thumbnails; the lightbox loads the full image


class ImageTooLarge(DomainError):
    status = 413
    code = "too_large"


def _open_checked(data: bytes) -> tuple[PILImage.Image, str]:
    """Decode the bytes as an allowed image, refusing bombs and anything else."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            img = PILImage.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ValidationError(f"图片像素过多（{width}×{height}），请缩小后再上传",
                                      code="image_too_many_pixels")
            img.load()
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        raise ValidationError("图片像素过多，请缩小后再上传", code="image_too_many_pixels")
    except UnidentifiedImageError:
        raise ValidationError("只能上传 JPEG、PNG 或 WebP 图片", code="unsupported_image", status=415)
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError("图片文件已损坏，无法读取", code="invalid_image")
    return img, img.format


def _normalise(img: PILImage.Image, fmt: str) -> PILImage.Image:
    """Upright, in a mode the output format can hold, with no metadata left attached."""
    img = ImageOps.exif_transpose(img)
    keeps_alpha = fmt in ("PNG", "WEBP") and (img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info)
    img = img.convert("RGBA" if keeps_alpha else "RGB")
    if max(img.size) > MAX_EDGE:
        img.thumbnail((MAX_EDGE, MAX_EDGE), PILImage.Resampling.LANCZOS)
    img.info = {}  # EXIF, XMP, ICC profile, PNG text: none of it is written back
    return img


def _encode(img: PILImage.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        img.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    elif fmt == "PNG":
        img.save(out, "PNG", optimize=True)
    else:
        img.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()


def _thumbnail(img: PILImage.Image) -> bytes:
    thumb = img.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), PILImage.Resampling.LANCZOS)
    if thumb.mode == "RGBA":  # JPEG has no alpha: flatten on white like the page behind it
        background = PILImage.new("RGB", thumb.size, (255, 255, 255))
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80, optimize=True, progressive=True)
    return out.getvalue()


def _write_durably(path: Path, data: bytes) -> None:
    """Write then rename, fsynced: an acknowledged upload survives a crash."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def store_image(session, data_dir: str, interview: Interview, user_id: int | None, data: bytes,
                max_bytes: int) -> Image:
    """Check, clean and store an uploaded photo for an interview; returns the Image row."""
    if not data:
        raise ValidationError("没有收到图片文件（表单字段 file）", code="missing_file")
    if len(data) > max_bytes:
        raise ImageTooLarge(f"图片超过 {max_bytes // (1024 * 1024)} MB", max_mb=max_bytes // (1024 * 1024))
    img, fmt = _open_checked(data)
    img = _normalise(img, fmt)
    encoded = _encode(img, fmt)
    thumb = _thumbnail(img)
    mime, ext = ALLOWED_FORMATS[fmt]
    digest = hashlib.sha256(encoded).hexdigest()

    folder = Path(data_dir) / "uploads" / str(interview.id)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%d%H%M%S}-{digest[:16]}"
    path, thumb_path = folder / f"{name}.{ext}", folder / f"{name}-thumb.jpg"
    _write_durably(path, encoded)
    _write_durably(thumb_path, thumb)
    image = Image(interview_id=interview.id, sha256=digest, mime=mime, width=img.width, height=img.height,
                  path=str(path.relative_to(data_dir)), thumb_path=str(thumb_path.relative_to(data_dir)),
                  created_by=user_id)
    session.add(image)
    session.flush()
    return image


def image_is_public(session, image: Image) -> bool:
    """A photo is public once a viewer could see it: in a live entry or as a guest's portrait."""
    public_interview = select(Interview.id).where(Interview.state.in_(PUBLIC_STATES))
    in_entry = exists().where(FeedEntry.image_id == image.id, FeedEntry.deleted.is_(False),
                              FeedEntry.interview_id.in_(public_interview))
    as_portrait = exists().where(Guest.photo_image_id == image.id, Guest.interview_id.in_(public_interview))
    return bool(session.scalar(select(in_entry | as_portrait)))


def image_file(session, data_dir: str, image_id: int, thumb: bool, staff: bool) -> tuple[Path, str]:
    """The file behind /media/<id>[/thumb] and its MIME type, if the caller may see it."""
    image = session.get(Image, image_id)
    if image is None or (not staff and not image_is_public(session, image)):
        raise NotFound("图片不存在", code="image_not_found")
    relative = image.thumb_path if thumb else image.path
    path = (Path(data_dir) / relative).resolve()
    if not path.is_relative_to(Path(data_dir).resolve()) or not path.is_file():
        raise NotFound("图片文件丢失", code="image_file_missing")
    return path, "image/jpeg" if thumb else image.mime
