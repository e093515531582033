"""录制解读 in Chromium: a policy explainer's director page records without streaming (no 推流
row, the record row stays), and its host page is a prompter of the script (the cue card's text, no
question queue); an ordinary interview's pages are unchanged."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import login_context
from tests.support.server import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.browser]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCRIPT = "主持人：各位网友，大家好。\n今天解读《县城老旧小区改造实施方案》。"


def test_director_records_only_and_host_reads_the_script(live_server, browser):
    admin, host = live_server.session("admin"), live_server.session("host")
    ids = {}
    for kind in ("policy_video", "interview"):
        resp = admin.post(live_server.url + "/api/interviews", json={"title": f"解读 {kind}", "kind": kind}, timeout=10)
        ids[kind] = resp.json()["id"]
        assert host.put(f"{live_server.url}/api/interviews/{ids[kind]}/script", data=SCRIPT.encode(),
                        headers={"Content-Type": "text/plain; charset=utf-8"}, timeout=10).status_code == 200
    director = login_context(browser, live_server.url, "director", PASSWORD)
    tablet = login_context(browser, live_server.url, "host", PASSWORD)
    try:
        page = director.new_page()
        page.goto(f"/studio/{ids['policy_video']}/director")
        assert page.locator(".dir-outputs h2").inner_text().startswith("录制解读")
        assert not page.locator("#stream-box").is_visible() and page.locator("#record-box").is_visible()
        assert page.locator("#dir-venues").count() == 0  # venues are an open day's
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "policy-director.png"))
        page.goto(f"/studio/{ids['interview']}/director")
        assert page.locator("#stream-box").is_visible()

        page = tablet.new_page()
        page.goto(f"/studio/{ids['policy_video']}/host")
        page.wait_for_function("() => document.getElementById('current-text').textContent.indexOf('各位网友') >= 0",
                               timeout=10_000)
        assert page.locator("#prompter-badge").is_visible() and not page.locator("#queue").is_visible()
        page.screenshot(path=str(SHOTS / "policy-host.png"))
        page.goto(f"/studio/{ids['interview']}/host")
        page.wait_for_function("() => document.getElementById('current-text').textContent.indexOf('各位网友') >= 0",
                               timeout=10_000)
        assert page.locator("#queue").is_visible()
    finally:
        director.close()
        tablet.close()
