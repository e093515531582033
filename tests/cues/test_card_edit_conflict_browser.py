"""Real Chromium: two people edit the same cue card. What the host is typing survives the other
person's save arriving live, and the host's save from the stale copy is refused with the other
text shown, so neither edit is lost unseen; saving again replaces it knowingly."""
from __future__ import annotations

import pytest

from .test_host_browser import _make_interview, open_host_console

pytestmark = [pytest.mark.integration, pytest.mark.browser]

SCRIPT = "一、开场\n主持人：各位网友大家好。\n嘉宾：大家好。\n主持人：今天我们聊消防安全。\n"


def test_concurrent_card_edits_in_chromium(live_server, browser):
    iid = _make_interview(live_server)
    host_http, admin_http = live_server.session("host"), live_server.session("admin")
    resp = host_http.put(f"{live_server.url}/api/interviews/{iid}/script", data=SCRIPT.encode("utf-8"),
                         headers={"Content-Type": "text/plain; charset=utf-8"}, timeout=10)
    assert resp.status_code == 200, resp.text
    card = resp.json()["cards"][1]
    card_url = f"{live_server.url}/api/interviews/{iid}/cues/{card['id']}"

    context, page, errors = open_host_console(browser, live_server, iid)
    page.click("#btn-script")
    row = page.locator(f'#card-editor .edit-card[data-card-id="{card["id"]}"]')
    row.locator("[data-field=text]").fill("嘉宾：大家好，我是王建国。")

    # Meanwhile the admin saves the same card; the live event re-renders the dialog (new rows).
    selector = f'#card-editor .edit-card[data-card-id="{card["id"]}"]'
    page.evaluate("(sel) => { document.querySelector(sel).dataset.before = '1'; }", selector)
    theirs = admin_http.patch(card_url, json={"text": "嘉宾：网友们好。", "expected_revision": 1}, timeout=10)
    assert theirs.status_code == 200, theirs.text
    page.wait_for_function("(sel) => !document.querySelector(sel).dataset.before", arg=selector, timeout=10_000)
    assert row.locator("[data-field=text]").input_value() == "嘉宾：大家好，我是王建国。"
    assert "dirty" in (row.get_attribute("class") or "")

    row.locator("[data-do=save]").click()
    page.wait_for_function("() => document.getElementById('script-status').textContent.indexOf('已被他人修改') >= 0")
    assert "嘉宾：网友们好。" in page.locator("#script-status").inner_text()
    assert host_http.get(card_url.rsplit("/", 1)[0], timeout=10).json()["cards"][1]["text"] == "嘉宾：网友们好。"
    assert row.locator("[data-field=text]").input_value() == "嘉宾：大家好，我是王建国。"

    row.locator("[data-do=save]").click()  # having seen theirs, the host saves again
    page.wait_for_function("() => document.getElementById('script-status').textContent.indexOf('已保存') >= 0")
    saved = host_http.get(card_url.rsplit("/", 1)[0], timeout=10).json()["cards"][1]
    assert saved["text"] == "嘉宾：大家好，我是王建国。" and saved["revision"] == 3
    assert "dirty" not in (page.locator(selector).get_attribute("class") or "")
    assert not errors, errors
    context.close()
