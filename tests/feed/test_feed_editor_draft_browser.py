"""Real Chromium on the feed editor (issue 8.6): the draft and the chosen speaker survive a reload,
every host and guest can be chosen and the buttons follow the admin's changes, the shortcut digit
is not part of a speaker's name, and a refused post names the field in Chinese."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import login_context
from tests.support.server import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _speakers(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#speakers .speaker-btn",
        "bs => bs.map(b => ({label: b.querySelector('.speaker-label').textContent, key: b.dataset.key,"
        " shortcut: b.getAttribute('aria-keyshortcuts'), active: b.classList.contains('active')}))")


def test_feed_editor_keeps_the_draft_and_follows_the_guests(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    admin = live_server.session("admin")
    resp = admin.post(live_server.url + "/api/interviews", json={
        "title": "乡村振兴 产业兴旺", "scheduled_at": "2024-06-15T09:30:00+08:00", "hosts": ["张敏", "刘洋"],
        "units": [{"name": "县农业农村局", "is_lead": True}],
        "guests": [{"name": "王建国", "title": "县农业农村局局长"}, {"name": "李芳", "title": "县供销社主任"}],
        "state": "preview"}, timeout=10)
    assert resp.status_code == 201, resp.text
    interview = resp.json()
    iid = interview["id"]

    context = login_context(browser, live_server.url, "feed_editor", PASSWORD)
    errors = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"/studio/{iid}/feed")
        page.wait_for_selector("#conn[data-status=live]", timeout=15_000)

        # every host and every guest, labels without the digit; the digit is a separate shortcut
        speakers = _speakers(page)
        assert [s["label"] for s in speakers] == ["主持人 张敏", "主持人 刘洋", "嘉宾 王建国", "嘉宾 李芳", "网友提问", "旁白"]
        assert [s["shortcut"] for s in speakers] == [f"Alt+{i}" for i in range(1, 7)]
        names = page.eval_on_selector_all("#speakers .speaker-btn", "bs => bs.map(b => b.innerText.replace(/\\s+/g, ' ').trim())")
        assert all(not n[0].isdigit() for n in names), names  # never "1主持人"
        assert page.inner_text("#speaker-now") == "发言人：主持人 张敏"

        # the second host speaks: the entry carries that host's name
        page.click("#speakers .speaker-btn[data-key='2']")
        page.fill("#feed-text", "欢迎各位网友！今天（6月15日）我们聊聊：产业振兴？")
        page.press("#feed-text", "Enter")
        page.wait_for_function("() => document.getElementById('feed-text').value === ''", timeout=10_000)
        feed = live_server.session("feed_editor").get(f"{live_server.url}/api/interviews/{iid}/feed", timeout=10).json()
        entries = feed["entries"] if isinstance(feed, dict) else feed
        assert entries[-1]["speaker_name"] == "刘洋"
        assert entries[-1]["text"] == "欢迎各位网友！今天（6月15日）我们聊聊：产业振兴？"  # typed punctuation kept

        # a half-typed line and the chosen guest survive a reload
        page.keyboard.press("Alt+4")
        page.fill("#feed-text", "我们县今年新建了三个冷链仓库，")
        page.reload()
        page.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        assert page.input_value("#feed-text") == "我们县今年新建了三个冷链仓库，"
        assert [s["label"] for s in _speakers(page) if s["active"]] == ["嘉宾 李芳"]
        assert page.inner_text("#speaker-now") == "发言人：嘉宾 李芳"

        # the admin adds a guest and renames one: the buttons rebuild, the choice stays
        guests = [{"id": g["id"], "name": g["name"], "title": g["title"]} for g in interview["guests"]]
        guests[1]["name"] = "李芳芳"
        guests.append({"name": "赵强", "title": "种粮大户"})
        patched = admin.patch(f"{live_server.url}/api/interviews/{iid}", json={"guests": guests}, timeout=10)
        assert patched.status_code == 200, patched.text
        page.wait_for_function("() => document.querySelectorAll('#speakers .speaker-btn').length === 7", timeout=10_000)
        speakers = _speakers(page)
        assert [s["label"] for s in speakers] == ["主持人 张敏", "主持人 刘洋", "嘉宾 王建国", "嘉宾 李芳芳", "嘉宾 赵强",
                                                 "网友提问", "旁白"]
        assert [s["label"] for s in speakers if s["active"]] == ["嘉宾 李芳芳"]
        page.keyboard.press("Alt+5")
        assert [s["label"] for s in _speakers(page) if s["active"]] == ["嘉宾 赵强"]

        # posting clears the stored draft: a reload after it shows an empty box
        page.press("#feed-text", "Enter")
        page.wait_for_function("() => document.getElementById('feed-text').value === ''", timeout=10_000)
        page.reload()
        page.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        assert page.input_value("#feed-text") == ""
        feed = live_server.session("feed_editor").get(f"{live_server.url}/api/interviews/{iid}/feed", timeout=10).json()
        entries = feed["entries"] if isinstance(feed, dict) else feed
        assert entries[-1]["speaker_name"] == "赵强" and entries[-1]["text"] == "我们县今年新建了三个冷链仓库，"

        # a refused post names the field in Chinese (the page lets 5000 through; the server counts)
        page.evaluate("() => document.getElementById('feed-text').removeAttribute('maxlength')")
        page.fill("#feed-text", "长" * 5001)
        page.press("#feed-text", "Enter")
        page.wait_for_function("() => document.getElementById('composer-error').textContent !== ''", timeout=10_000)
        message = page.inner_text("#composer-error")
        assert "内容超过 5000 字" in message and "text" not in message, message
        page.fill("#feed-text", "")
        page.screenshot(path=str(ARTIFACTS / "feed-editor-speakers-1280x800.png"))
        assert not errors, errors
    finally:
        context.close()
