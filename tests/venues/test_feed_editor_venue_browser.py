"""The feed editor's 会场 picker in Chromium: shown only when the interview has venues; the entry
posted names the venue picked, and the viewer page shows the venue's name beside it."""
from __future__ import annotations

import pytest

from tests.support.browser import login_context
from tests.support.server import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_the_entry_names_the_venue_picked(live_server, browser):
    admin = live_server.session("admin")
    iid = admin.post(live_server.url + "/api/interviews", json={"title": "政府开放日·图文", "kind": "open_day",
                                                                 "state": "live"}, timeout=10).json()["id"]
    plain = admin.post(live_server.url + "/api/interviews", json={"title": "普通访谈", "state": "live"}, timeout=10).json()["id"]
    for name in ("主会场", "城东工地"):
        assert admin.post(f"{live_server.url}/api/interviews/{iid}/venues", json={"name": name}, timeout=10).status_code == 201
    site = admin.get(f"{live_server.url}/api/interviews/{iid}/venues", timeout=10).json()["venues"][1]
    context = login_context(browser, live_server.url, "feed_editor", PASSWORD)
    viewer = browser.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        editor = context.new_page()
        editor.goto(f"/studio/{plain}/feed")
        editor.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        assert not editor.locator("#fe-venue").is_visible()
        editor.goto(f"/studio/{iid}/feed")
        editor.wait_for_selector("#fe-venue:not([hidden])", timeout=15_000)
        editor.select_option("#feed-venue", str(site["id"]))
        editor.fill("#feed-text", "工地负责人介绍施工进度。")
        editor.locator("#feed-text").press("Enter")
        editor.wait_for_function("() => document.getElementById('feed-text').value === ''", timeout=10_000)
        entries = admin.get(f"{live_server.url}/api/interviews/{iid}/feed", timeout=10).json()
        entries = entries["entries"] if isinstance(entries, dict) else entries
        assert [e["venue_id"] for e in entries] == [site["id"]]
        page = viewer.new_page()
        page.goto(f"/i/{iid}")
        page.wait_for_selector(".entry .venue-badge", timeout=10_000)
        assert page.locator(".entry .venue-badge").inner_text() == "城东工地"
    finally:
        context.close()
        viewer.close()
