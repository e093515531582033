"""Photo uploads: content-checked, re-encoded without metadata, upright, thumbnailed, guarded."""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from .conftest import make_image


def _stored(app, image_json, thumb=False):
    from studio.platform.db import Session
    from studio.feed.models import Image as ImageRow

    with app.app_context():
        row = Session().get(ImageRow, image_json["id"])
        return Path(app.config["DATA_DIR"]) / (row.thumb_path if thumb else row.path)


def test_jpeg_is_turned_upright_and_loses_its_exif(app, upload, editor):
    resp = upload(make_image(size=(800, 600), exif_orientation=6, gps=True))
    assert resp.status_code == 201
    image = resp.get_json()
    assert (image["width"], image["height"]) == (600, 800) and image["mime"] == "image/jpeg"
    path = _stored(app, image)
    assert path.is_file() and str(path).startswith(str(Path(app.config["DATA_DIR"]) / "uploads"))
    with Image.open(path) as stored:
        assert stored.format == "JPEG" and stored.size == (600, 800)
        assert not stored.getexif() and "exif" not in stored.info and "icc_profile" not in stored.info
        # orientation 6 = rotate 90° clockwise: the blue marker moves from top-left to top-right
        assert stored.getpixel((590, 10))[2] > 200 and stored.getpixel((10, 10))[2] < 100
    raw = path.read_bytes()
    assert b"Exif" not in raw and b"TestCam" not in raw
    served = editor.get(image["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == raw


def test_thumbnail_is_a_small_jpeg(app, upload):
    image = upload(make_image(size=(3000, 2000))).get_json()
    with Image.open(_stored(app, image, thumb=True)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 480 and thumb.size == (480, 320)
    assert max(image["width"], image["height"]) <= 2560


def test_png_keeps_transparency_and_loses_text_chunks(app, upload):
    from PIL.PngImagePlugin import PngInfo

    img = Image.new("RGBA", (300, 200), (0, 128, 0, 128))
    info = PngInfo()
    info.add_text("Author", "secret-location-31.2N")
    out = io.BytesIO()
    img.save(out, "PNG", pnginfo=info)
    image = upload(out.getvalue(), "shot.png").get_json()
    assert image["mime"] == "image/png"
    path = _stored(app, image)
    assert b"secret-location" not in path.read_bytes()
    with Image.open(path) as stored:
        assert stored.mode == "RGBA" and stored.getpixel((5, 5))[3] == 128


def test_webp_is_accepted(upload):
    resp = upload(make_image(fmt="WEBP"), "a.webp")
    assert resp.status_code == 201 and resp.get_json()["mime"] == "image/webp"


@pytest.mark.parametrize("data, name", [
    (b"GIF89a" + b"\x00" * 100, "fake.jpg"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.jpg"),
    (b"%PDF-1.4 not an image", "doc.png"),
    (b"<?php echo 1; ?>", "shell.webp"),
])
def test_anything_but_jpeg_png_webp_is_refused_by_content(upload, data, name):
    resp = upload(data, name)
    assert resp.status_code == 415 and resp.get_json()["error"]["code"] == "unsupported_image"


def test_gif_is_refused_even_when_valid(upload):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    assert upload(out.getvalue(), "a.gif").status_code == 415


def test_truncated_image_is_a_clear_400(upload):
    data = make_image(size=(1200, 900))
    resp = upload(data[: len(data) // 3])
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_image"


def _png_header_only(width, height) -> bytes:
    """A tiny PNG claiming an enormous size: a decompression bomb's calling card."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding(upload):
    for width, height in ((50_000, 50_000), (9_000, 6_000)):  # Pillow's own limit; over our 40 MP
        resp = upload(_png_header_only(width, height), "bomb.png")
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "image_too_many_pixels"
    resp = upload(_png_header_only(9_000, 6_000), "big.png")  # 54 MP: over our own limit
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "image_too_many_pixels"


def test_missing_file_field(editor, interview):
    resp = editor.post(f"/api/interviews/{interview['id']}/images", data={"other": "x"},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "missing_file"
    resp = editor.post(f"/api/interviews/{interview['id']}/images", json={"file": "abc"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "missing_file"


@pytest.fixture
def app_config(app_config):
    app_config["MAX_UPLOAD_MB"] = 1
    return app_config


def test_over_the_size_limit_is_413(upload):
    big = make_image(size=(100, 100)) + b"\x00" * (1024 * 1024 + 10)
    resp = upload(big)
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"


def test_unposted_photo_is_private_until_posted_and_again_after_withdrawal(upload, post, editor, client):
    image = upload(make_image()).get_json()
    assert client.get(image["url"]).status_code == 404
    assert client.get(image["thumb_url"]).status_code == 404
    entry = post("现场照片", image_id=image["id"]).get_json()
    public = client.get(image["thumb_url"])
    assert public.status_code == 200 and public.headers["Cache-Control"] == "public, max-age=300"
    editor.delete(f"/api/feed/{entry['id']}")
    assert client.get(image["url"]).status_code == 404
    assert editor.get(image["url"]).status_code == 200


def test_guest_portrait_is_public(upload, admin, client, interview):
    image = upload(make_image(size=(400, 400)), client=admin).get_json()
    guests = [{**g, "photo_image_id": image["id"]} if i == 0 else g for i, g in enumerate(interview["guests"])]
    assert admin.patch(f"/api/interviews/{interview['id']}", json={"guests": guests}).status_code == 200
    assert client.get(image["thumb_url"]).status_code == 200
    html = client.get(f"/i/{interview['id']}").get_data(as_text=True)
    assert f'src="/media/{image["id"]}/thumb"' in html


def test_unknown_image_is_404(client, editor):
    assert client.get("/media/424242").status_code == 404
    assert editor.get("/media/424242/thumb").get_json()["error"]["code"] == "image_not_found"
