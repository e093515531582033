"""Real Chromium on a phone (390×844), issue 8.4: a live interview without video says the text
broadcast is on (never 直播未开始 under the 直播中 banner), and a sticky 我要提问 at the top jumps
to the question form at the bottom of a long feed, with the cursor in it; gone once questions close."""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
NO_VIDEO_LIVE = "图文直播进行中，视频直播尚未开始"


def test_phone_viewer_live_without_video_and_the_ask_button(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    admin = live_server.session("admin")
    resp = admin.post(live_server.url + "/api/interviews", json={
        "title": "老旧小区改造 惠民生", "scheduled_at": "2024-07-15T09:30:00+08:00", "hosts": ["张敏"],
        "units": [{"name": "县住房和城乡建设局", "is_lead": True}],
        "guests": [{"name": "王建国", "title": "县住房和城乡建设局局长"}], "state": "preview"}, timeout=10)
    assert resp.status_code == 201, resp.text
    iid = resp.json()["id"]
    assert admin.post(f"{live_server.url}/api/interviews/{iid}/state", json={"state": "live"}, timeout=10).ok
    editor = live_server.session("feed_editor")
    for i in range(14):  # a long feed: the form ends up far below the first screen
        posted = editor.post(f"{live_server.url}/api/interviews/{iid}/feed", json={
            "speaker": "guest" if i % 2 else "host", "guest_id": resp.json()["guests"][0]["id"],
            "text": f"第{i + 1}条：今年全县改造老旧小区（共 32 个），涉及居民 5000 余户，加装电梯 40 部！"}, timeout=10)
        assert posted.status_code == 201, posted.text

    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    errors = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"/i/{iid}")
        status = page.locator("#live-video-status")
        assert status.inner_text() == NO_VIDEO_LIVE  # the server's first paint already says so
        page.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        assert page.inner_text("#state-banner").startswith("直播中")
        assert status.inner_text() == NO_VIDEO_LIVE  # and the script (after the snapshot) keeps it
        assert "直播未开始" not in page.inner_text("#viewer-root")
        # the message fits inside the video box on a phone
        assert page.evaluate("() => { const s = document.getElementById('live-video-status').getBoundingClientRect(),"
                             " b = document.getElementById('live-video').getBoundingClientRect();"
                             " return s.left >= b.left && s.right <= b.right; }")

        bar = page.locator("#ask-bar")
        bar.wait_for(state="visible", timeout=15_000)
        assert page.evaluate("() => document.getElementById('vq-form').getBoundingClientRect().top > 2 * innerHeight")
        page.screenshot(path=str(ARTIFACTS / "viewer-phone-live-no-video-390x844.png"))
        page.evaluate("() => window.scrollTo(0, 1500)")
        page.wait_for_function("() => window.scrollY >= 1400")
        # sticky: still at the top of the screen after scrolling into the feed
        assert abs(page.evaluate("() => document.getElementById('ask-bar').getBoundingClientRect().top")) <= 1
        # the feed's own sticky toolbar (最新在前, 实时更新中) sticks below the bar, not hidden under it
        # (a rehearsal on a phone found it covered)
        bar_bottom, toolbar_top = page.evaluate("() => [document.getElementById('ask-bar').getBoundingClientRect().bottom,"
                                                " document.querySelector('.feed-toolbar').getBoundingClientRect().top]")
        assert toolbar_top >= bar_bottom - 1, (bar_bottom, toolbar_top)
        # the questions close with the live end (below): then the toolbar sticks to the very top
        page.screenshot(path=str(ARTIFACTS / "viewer-phone-ask-bar-scrolled-390x844.png"))
        page.click("#ask-jump")
        page.wait_for_function("() => document.activeElement && document.activeElement.id === 'vq-text'", timeout=15_000)
        assert page.evaluate("() => { const r = document.getElementById('vq-text').getBoundingClientRect();"
                             " return r.top >= 0 && r.bottom <= innerHeight; }")
        page.keyboard.type("加装电梯的补贴怎么申请？")
        assert page.input_value("#vq-text") == "加装电梯的补贴怎么申请？"
        page.screenshot(path=str(ARTIFACTS / "viewer-phone-ask-form-390x844.png"))

        # questions close with the live: the bar goes away
        assert admin.post(f"{live_server.url}/api/interviews/{iid}/state", json={"state": "ended"}, timeout=10).ok
        bar.wait_for(state="hidden", timeout=15_000)
        page.evaluate("() => window.scrollTo(0, 1500)")
        page.wait_for_function("() => Math.abs(document.querySelector('.feed-toolbar').getBoundingClientRect().top) <= 1",
                               timeout=5_000)
        assert status.inner_text() == "直播已结束"
        assert not errors, errors
    finally:
        context.close()
