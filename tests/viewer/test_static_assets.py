"""Static files for slow links (issue 15, studio/platform/assets.py): every page names its files with
?v=<content hash>; such a URL is kept a year (immutable), any other is revalidated; text goes
out compressed; the viewer page is compressed and stays short-cached; hls.js is not on it."""
from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMMUTABLE = "public, max-age=31536000, immutable"
ASSET = re.compile(r'(?:src|href|data-hls-lib)="(/(?:static|vendor)/[^"]+)"')


@pytest.fixture
def live_interview(login):
    admin = login("admin")
    made = admin.post("/api/interviews", json={"title": "老旧小区改造", "state": "live"})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def _assets(html: str) -> list[str]:
    return ASSET.findall(html)


def _static_source(app, path: str) -> Path:
    """The file of the repository behind a /static/ URL: an area's own folder (`/static/<area>/…`,
    its blueprint's static_folder) or the top-level static/."""
    for blueprint in app.blueprints.values():
        prefix = f"{blueprint.static_url_path}/" if blueprint.has_static_folder else None
        if prefix and path.startswith(prefix):
            return Path(blueprint.static_folder) / path[len(prefix):]
    return ROOT / path.lstrip("/")


def test_viewer_page_names_hashed_files_kept_a_year_and_compressed(app, client, live_interview):
    page = client.get(f"/i/{live_interview}", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    assert page.headers["Cache-Control"] == "public, max-age=1"
    html = gzip.decompress(page.data).decode()
    urls = _assets(html)
    assert any("socket.io.min.js" in u for u in urls) and any("viewer.js" in u for u in urls)
    # the player library is only named (data-hls-lib), never loaded by the page itself
    assert not re.search(r'<script[^>]+hls\.min\.js', html)
    for url in urls:
        path, version = url.split("?v=")
        source = _static_source(app, path) if path.startswith("/static/") else {
            "/vendor/socket.io.min.js": ROOT / "node_modules/socket.io-client/dist/socket.io.min.js",
            "/vendor/hls.min.js": ROOT / "node_modules/hls.js/dist/hls.min.js"}[path]
        assert version == hashlib.sha256(source.read_bytes()).hexdigest()[:12], url
        got = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert got.status_code == 200 and got.headers["Cache-Control"] == IMMUTABLE, url
        assert got.headers["Content-Encoding"] in ("br", "gzip") and "Accept-Encoding" in got.headers["Vary"]
        assert len(got.data) < source.stat().st_size, url
    # a stale or missing version is never kept for a year; without Accept-Encoding: as stored
    stale = client.get(urls[0].split("?v=")[0] + "?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache" and "Content-Encoding" not in stale.headers
    assert client.get("/static/js/live.js").headers["Cache-Control"] == "no-cache"


def test_staff_pages_name_hashed_files_too(client, login, live_interview):
    staff = login("admin")
    for url in ("/admin/", f"/studio/{live_interview}/feed"):
        page = staff.get(url, headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip", url
        html = gzip.decompress(page.data).decode()
        urls = _assets(html)
        assert urls and all("?v=" in u for u in urls), urls
        for asset in urls:
            got = staff.get(asset, headers={"Accept-Encoding": "gzip"})
            assert got.headers["Cache-Control"] == IMMUTABLE and got.headers["Content-Encoding"] == "gzip", asset


@pytest.fixture
def nchan_config(app_config):
    app_config.update({"PUBLIC_FANOUT": "nchan", "NCHAN_PUBLISH_URL": "http://127.0.0.1:9/internal/nchan/pub"})
    return app_config


def test_with_nchan_the_viewer_page_needs_no_socket_io_client(nchan_config, client, login):
    made = login("admin").post("/api/interviews", json={"title": "nchan 访谈", "state": "live"})
    html = client.get(f"/i/{made.get_json()['id']}").get_data(as_text=True)
    assert "live_nchan.js?v=" in html and "socket.io.min.js" not in html


def test_archive_page_fetches_no_video_before_play_and_names_hashed_assets(app):
    from flask import render_template

    from publishing.archive import _clock
    from publishing.captions import speaker_label

    meta = {"interview": {"title": "回顾", "units": [], "guests": []}, "chapters": [], "answered_questions": [],
            "video": {"duration_s": 60, "width": 1280, "height": 720},
            "transcript": [{"speaker": "host", "speaker_name": "", "text": "各位网友好", "video_s": 1.0}]}
    with app.app_context():
        html = render_template("publishing/archive_page.html", meta=meta, interview=meta["interview"], clock=_clock,
                               speaker_label=speaker_label)
    assert re.search(r'<video id="archive-video"[^>]* preload="none"', html)   # on demand: nothing before play
    assert "assets/archive.css?v=" + hashlib.sha256((ROOT / "static/css/archive.css").read_bytes()).hexdigest()[:12] in html
    assert "assets/archive.js?v=" + hashlib.sha256((ROOT / "publishing/assets/archive.js").read_bytes()).hexdigest()[:12] in html
    assert html.index('class="transcript"') > 0 and "各位网友好" in html
