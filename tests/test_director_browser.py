"""Real Chromium on the director's console without OBS (issue 8.9): 发布预告 first on a planned
interview (开始直播 second), "—" instead of zeros and no empty preview image, and 结束直播
double-clicked asks once and never shows "不能从 ended 变为 ended"; the admin's edit page too."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import login_context
from tests.support.server import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def _interview(server, state: str, title: str) -> int:
    admin = server.session("admin")
    resp = admin.post(server.url + "/api/interviews", json={
        "title": title, "scheduled_at": "2024-08-15T09:30:00+08:00", "hosts": ["张敏"],
        "units": [{"name": "县文化和旅游局", "is_lead": True}], "guests": [{"name": "王建国", "title": "局长"}],
        "state": "planned"}, timeout=10)
    assert resp.status_code == 201, resp.text
    iid = resp.json()["id"]
    for step in {"planned": [], "preview": ["preview"], "live": ["preview", "live"]}[state]:
        assert admin.post(f"{server.url}/api/interviews/{iid}/state", json={"state": step}, timeout=10).ok
    return iid


def _visible_header_buttons(page) -> list[tuple[str, bool]]:
    return page.eval_on_selector_all(
        ".dir-head button", "bs => bs.filter(b => !b.hidden).map(b => [b.textContent.trim(), b.classList.contains('primary')])")


def test_director_console_without_obs(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    planned = _interview(live_server, "planned", "文旅融合 乡村游")
    live = _interview(live_server, "live", "文旅融合 夜经济")
    live2 = _interview(live_server, "live", "文旅融合 非遗")

    admin = login_context(browser, live_server.url, "admin", PASSWORD)
    errors = []
    try:
        page = admin.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"/studio/{planned}/director")
        page.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        assert _visible_header_buttons(page) == [["发布预告", True], ["开始直播", False]]

        # without OBS: no zeros that look like measurements, no empty picture
        for cell in ("stream-tc", "record-tc", "stat-bitrate", "stat-dropped", "stat-skipped", "stat-congestion", "stat-fps"):
            assert page.inner_text(f"#{cell}") == "—", cell
        assert page.evaluate("() => getComputedStyle(document.getElementById('preview')).display") == "none"
        assert page.inner_text("#preview-caption") == "未配置 OBS，无节目画面"
        page.screenshot(path=str(ARTIFACTS / "director-planned-no-obs-1280x800.png"), full_page=True)

        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
        page.click("#publish-preview")
        page.wait_for_function("() => document.getElementById('interview-state').textContent === '预告'", timeout=10_000)
        assert "发布预告" in dialogs[-1]
        assert _visible_header_buttons(page) == [["开始直播", True]]

        # 结束直播 double-clicked: one question, one request, no error
        page.goto(f"/studio/{live}/director")
        page.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        asked = len(dialogs)
        page.dblclick("#end-live")
        page.wait_for_function("() => document.getElementById('interview-state').textContent === '已结束'", timeout=10_000)
        page.wait_for_timeout(500)
        assert len(dialogs) == asked + 1, dialogs
        assert page.inner_text("#obs-error") == ""
        assert live_server.session("admin").get(f"{live_server.url}/api/interviews/{live}", timeout=10).json()["state"] == "ended"

        # the same request sent twice (its first answer lost): whether the server answers 200 "already
        # ended" or 409 invalid_transition naming ended, the page takes it as done, not an error
        page.goto(f"/studio/{live2}/director")
        page.wait_for_selector("#conn[data-status=live]", timeout=15_000)

        def twice(route):
            route.fetch()                       # ends the live
            route.fulfill(response=route.fetch())  # the repeat, answered by the real server as it is now
        page.route("**/api/interviews/*/state", twice)
        page.click("#end-live")
        page.wait_for_function("() => document.getElementById('interview-state').textContent === '已结束'", timeout=10_000)
        page.wait_for_timeout(500)
        assert "不能从" not in page.inner_text("#director") and page.inner_text("#obs-error") == ""
        page.unroute("**/api/interviews/*/state")
        page.screenshot(path=str(ARTIFACTS / "director-ended-no-obs-1280x800.png"), full_page=True)

        # the admin's edit page: 发布预告 first and primary for a planned interview
        other = _interview(live_server, "planned", "文旅融合 研学游")
        page.goto(f"/admin/interviews/{other}")
        buttons = page.eval_on_selector_all("#state-buttons button",
                                            "bs => bs.map(b => [b.textContent.trim(), b.classList.contains('primary')])")
        assert buttons[0] == ["发布预告", True] and ["开始直播", False] in buttons, buttons
        page.wait_for_timeout(1500)  # after the socket's snapshot re-renders them: still so
        buttons = page.eval_on_selector_all("#state-buttons button",
                                            "bs => bs.map(b => [b.textContent.trim(), b.classList.contains('primary')])")
        assert buttons[0] == ["发布预告", True] and ["开始直播", False] in buttons, buttons
        assert not errors, errors
    finally:
        admin.close()

    # a director may not publish the preview (the admin's step): shown first, but disabled and said so
    director = login_context(browser, live_server.url, "director", PASSWORD)
    try:
        page = director.new_page()
        page.goto(f"/studio/{other}/director")
        page.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        assert _visible_header_buttons(page)[0] == ["发布预告", True]
        assert page.is_disabled("#publish-preview") and page.is_visible("#preview-note")
        assert page.is_enabled("#go-live")
    finally:
        director.close()
