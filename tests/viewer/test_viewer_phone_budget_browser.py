"""The viewer's phone (issue 15), in real Chromium on a 390×844 phone under slow 3G (400 kbit/s,
400 ms): per state of /i/<id>, the bytes before video (first visit ≤ 100 KB, repeat ≤ 15 KB),
the first feed entry painted ≤ 1.5 s, hls.js only for a stream without native HLS, and no
serious or critical axe-core violation; the same for the archive pages and the receipt look-up."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from .pageload import (NO_NATIVE_HLS, PHONE, axe_violations, first_and_repeat, make_interview,
                       publish_text_only, set_stream)

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FIRST_VISIT_BYTES = 100_000
REPEAT_VISIT_BYTES = 15_000
FIRST_ENTRY_MS = 1500


def _check_budget(first, again, with_entries: bool):
    assert first.page_bytes <= FIRST_VISIT_BYTES, first.summary()
    assert again.page_bytes <= REPEAT_VISIT_BYTES, again.summary()
    if with_entries:
        assert first.first_entry_ms is not None and first.first_entry_ms <= FIRST_ENTRY_MS, first.summary()
        assert again.first_entry_ms is not None and again.first_entry_ms <= FIRST_ENTRY_MS, again.summary()


def _axe(browser, url: str, init_script: str | None = None, before=None) -> list:
    # axe-core is injected as an inline script: only this context ignores the page's CSP.
    context = browser.new_context(bypass_csp=True, **PHONE)
    if init_script:
        context.add_init_script(init_script)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("networkidle", timeout=30_000)
        if before:
            before(page)
        return axe_violations(page)
    finally:
        context.close()


@pytest.mark.parametrize("state", ["preview", "live", "ended"])
def test_viewer_page_budget_paint_and_axe(phone_server, browser, state):
    entries = 0 if state == "preview" else 14
    iid = make_interview(phone_server, state, entries)
    url = f"{phone_server.url}/i/{iid}"
    first, again = first_and_repeat(browser, url, ready="#conn[data-status=live]")
    _check_budget(first, again, with_entries=bool(entries))
    # no stream: the player library is never fetched
    assert first.video_bytes == 0 and not any("hls" in u for u, _, _ in first.requests), first.summary()
    assert not any(u.startswith(phone_server.url + "/static/") and "?v=" not in u for u, _, _ in first.requests)
    assert _axe(browser, url) == []


def test_viewer_live_with_video_loads_hls_js_only_then(phone_server, browser):
    iid = make_interview(phone_server, "live", 14)
    url = f"{phone_server.url}/i/{iid}"
    set_stream(phone_server, iid, True)
    try:
        # A browser without native HLS: hls.js comes once the stream is known, after the text.
        first, again = first_and_repeat(browser, url, ready="#live-video[data-state=live]", init_script=NO_NATIVE_HLS,
                                        settle_s=1, loaded="hls.min.js")
        _check_budget(first, again, with_entries=True)
        hls = [(u, size) for u, size, _ in first.requests if "hls.min.js" in u]
        assert len(hls) == 1 and hls[0][1] > 50_000, first.summary()   # fetched, counted as video
        # the repeat visit takes it from the cache (immutable)
        assert all(cached or size < 1000 for u, size, cached in again.requests if "hls.min.js" in u), again.summary()

        # Chromium plays HLS natively: no hls.js at all, and the picture moves.
        context = browser.new_context(**PHONE)
        try:
            page = context.new_page()
            loaded = []
            page.on("request", lambda r: loaded.append(r.url))
            page.goto(url)
            page.wait_for_function("() => document.getElementById('live-video-player').currentTime > 0.5",
                                   timeout=30_000)
            assert page.evaluate("document.getElementById('live-video-player').dataset.player") == "native"
            assert not any("hls.min.js" in u for u in loaded), loaded
        finally:
            context.close()
        assert _axe(browser, url, init_script=NO_NATIVE_HLS) == []
    finally:
        set_stream(phone_server, None, False)


def test_published_viewer_archive_index_and_archive_page(phone_server, browser):
    iid = make_interview(phone_server, "ended", 8)
    publish_text_only(phone_server, iid)
    for url, ready, with_entries in ((f"{phone_server.url}/i/{iid}", "#conn[data-status=live]", True),
                                     (f"{phone_server.url}/archive/{iid}/", ".transcript", False),
                                     (f"{phone_server.url}/archive/", ".archive-list", False)):
        first, again = first_and_repeat(browser, url, ready=ready, settle_s=1.5)
        _check_budget(first, again, with_entries=with_entries)
        assert _axe(browser, url) == [], url
    css = requests.get(f"{phone_server.url}/archive/{iid}/", timeout=5).text
    assert "assets/archive.css?v=" in css
    asset = requests.get(f"{phone_server.url}/archive/assets/archive.css?v=" + css.split("archive.css?v=")[1][:12],
                         headers={"Accept-Encoding": "gzip"}, timeout=5)
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert asset.headers["Content-Encoding"] == "gzip"
    for page in (f"/archive/{iid}/", "/archive/"):  # the archive's pages are files, compressed too
        got = requests.get(phone_server.url + page, headers={"Accept-Encoding": "gzip"}, timeout=5)
        assert got.headers.get("Content-Encoding") == "gzip" and "Accept-Encoding" in got.headers["Vary"]


def test_question_receipt_look_up_is_accessible(phone_server, browser):
    iid = make_interview(phone_server, "live", 3)
    asked = requests.post(f"{phone_server.url}/api/interviews/{iid}/questions",
                          json={"nickname": "老李", "text": "小区加装电梯的补贴标准是多少？"}, timeout=10)
    assert asked.status_code in (200, 201), asked.text
    receipt = asked.json()["receipt"]

    def look_up(page):
        page.click(".vq-lookup summary")
        page.fill("#vq-lookup-code", receipt)
        page.click("#vq-lookup-form button[type=submit]")
        page.wait_for_selector(".vq-lookup-status", timeout=15_000)

    assert _axe(browser, f"{phone_server.url}/i/{iid}", before=look_up) == []
