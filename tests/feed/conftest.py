"""Feed test helpers: images made in memory, a posting shortcut."""
from __future__ import annotations

import io

import pytest
from PIL import Image


def make_image(fmt: str = "JPEG", size=(800, 600), color=(200, 40, 40), exif_orientation: int | None = None,
               gps: bool = False, mode: str = "RGB") -> bytes:
    """An image file in memory, optionally with EXIF orientation and a GPS block to be stripped."""
    img = Image.new(mode, size, color)
    # A marker in the top-left corner tells which way up the stored image is.
    img.paste((0, 0, 255) if mode == "RGB" else (0, 0, 255, 255), (0, 0, size[0] // 4, size[1] // 8))
    out = io.BytesIO()
    kwargs = {}
    if exif_orientation or gps:
        exif = Image.Exif()
        if exif_orientation:
            exif[0x0112] = exif_orientation
        exif[0x010F] = "TestCam Maker"
        if gps:
            exif[0x8825] = {1: "N", 2: (31.0, 1.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
        kwargs["exif"] = exif.tobytes()
    img.save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.fixture
def editor(login):
    return login("feed_editor")


@pytest.fixture
def post(editor, interview):
    """post(text, speaker="host", **extra) -> the response of POST /api/interviews/<id>/feed."""
    def _post(text="主持人：各位网友好", speaker="host", client=None, **extra):
        body = {"speaker": speaker, "text": text, **extra}
        return (client or editor).post(f"/api/interviews/{interview['id']}/feed", json=body)
    return _post


@pytest.fixture
def upload(editor, interview):
    """upload(data, filename="a.jpg") -> the response of the image upload."""
    def _upload(data: bytes, filename: str = "photo.jpg", client=None, interview_id=None):
        return (client or editor).post(f"/api/interviews/{interview_id or interview['id']}/images",
                                       data={"file": (io.BytesIO(data), filename)},
                                       content_type="multipart/form-data")
    return _upload
