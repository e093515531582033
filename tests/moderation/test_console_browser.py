"""Real Chromium: two moderators never silently overturn each other (issue 8.2), a claim is
released when its console reloads, the state badge is Chinese and the audit page reads as
before → after lines that fit 1280 px (issue 8.9)."""
from __future__ import annotations

import os

import pytest
import requests

from tests.support.browser import login_context
from tests.support.server import PASSWORD

from .support import live_interview

pytestmark = [pytest.mark.integration, pytest.mark.browser]
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _item(page, qid):
    return page.locator(f'#questions li.q[data-question-id="{qid}"]')


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_two_consoles_overturn_only_with_a_confirmation_naming_the_other(live_server, browser):
    live_server.flask("user", "create", "zhangsan", "--role", "moderator", "--display-name", "张三",
                      stdin=PASSWORD + "\n")
    iid = live_interview(live_server, "河道治理专题访谈")
    url = live_server.url + f"/api/interviews/{iid}/questions"
    netizen = requests.Session()
    qid = netizen.post(url, json={"nickname": "网友", "text": "请问（二期）河道治理什么时候完工？"}, timeout=10).json()["id"]
    claimed = netizen.post(url, json={"nickname": "网友", "text": "请问路灯什么时候修？"}, timeout=10).json()["id"]
    contexts = []
    try:
        mine_ctx = login_context(browser, live_server.url, "moderator", PASSWORD)
        zhang_ctx = login_context(browser, live_server.url, "zhangsan", PASSWORD)
        contexts += [mine_ctx, zhang_ctx]
        errors = []
        mine, zhang = mine_ctx.new_page(), zhang_ctx.new_page()
        for page in (mine, zhang):
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"/studio/{iid}/moderation")
            page.wait_for_selector('#conn[data-status="live"]', timeout=15_000)
            page.wait_for_function("() => document.querySelectorAll('#questions li.q').length === 2", timeout=15_000)
        # The state badge is Chinese, never the raw state.
        assert mine.text_content("#interview-state") == "直播中"
        assert mine.get_attribute("#interview-state", "data-state") == "live"

        # 张三 approves; then I try to reject what he just approved.
        zhang.locator(f'#questions li.q[data-question-id="{qid}"] [data-action=approve]').click()
        mine.wait_for_function(f"() => FangtanModeration.questions()[{qid}].status === 'approved'", timeout=10_000)
        mine.keyboard.press("2")
        _item(mine, qid).locator(".q-text").click()
        # First: I decline the confirmation. The decision stays; the console shows the current state.
        messages = []

        def dismiss(dialog):
            messages.append(dialog.message)
            dialog.dismiss()
        mine.once("dialog", dismiss)
        mine.keyboard.press("r")
        mine.wait_for_selector("#reject-dialog[open]")
        mine.keyboard.press("1")
        mine.wait_for_function("() => !document.querySelector('#toast').hidden", timeout=10_000)
        assert len(messages) == 1
        assert messages[0].startswith("审核员 张三 于 ") and messages[0].endswith("已通过此问题，确定改为驳回？"), messages
        assert "已保留 张三 的决定" in mine.text_content("#toast")
        assert _item(mine, qid).count() == 1
        # Then I confirm: rejected, on both consoles.
        mine.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
        _item(mine, qid).locator("[data-action=reject]").click()
        mine.wait_for_selector("#reject-dialog[open]")
        mine.keyboard.press("1")
        for page in (mine, zhang):
            page.wait_for_function(f"() => FangtanModeration.questions()[{qid}].status === 'rejected'", timeout=10_000)
        assert len(messages) == 2 and "张三" in messages[1]

        # A claim is released when its console reloads: 张三 opens the edit dialog (claims the
        # question), then reloads; I can act on it at once, not after the 90 s claim timeout.
        zhang.keyboard.press("1")
        _item(zhang, claimed).locator("[data-action=edit]").click()
        zhang.wait_for_selector("#edit-dialog[open]")
        mine.keyboard.press("1")
        mine.wait_for_selector(f'#questions li.q.claimed[data-question-id="{claimed}"]', timeout=10_000)
        assert "张三 正在处理" in _item(mine, claimed).text_content()
        _shot(mine, "moderation-claimed.png")
        zhang.reload()
        mine.wait_for_selector(f'#questions li.q:not(.claimed)[data-question-id="{claimed}"]', timeout=5_000)
        _item(mine, claimed).locator("[data-action=approve]").click()
        mine.wait_for_function(f"() => FangtanModeration.questions()[{claimed}].status === 'approved'", timeout=10_000)
        _shot(mine, "moderation-console.png")
        assert not errors, errors
    finally:
        for ctx in contexts:
            ctx.close()


def test_audit_page_reads_before_after_and_fits_1280(live_server, browser):
    iid = live_interview(live_server, "审核记录页面")
    moderator = live_server.session("moderator")
    url = live_server.url + f"/api/interviews/{iid}/questions"
    qid = requests.post(url, json={"nickname": "网友", "text": "请问（二期）工程：什么时候完工？"}, timeout=10).json()["id"]
    moderator.post(live_server.url + f"/api/questions/{qid}/approve", timeout=10).raise_for_status()
    moderator.patch(live_server.url + f"/api/questions/{qid}", json={"text": "请问二期工程何时完工？", "labels": ["民生"]},
                    timeout=10).raise_for_status()
    moderator.post(live_server.url + f"/api/questions/{qid}/reject", json={"reason": "重复提问"},
                   timeout=10).raise_for_status()
    context = login_context(browser, live_server.url, "admin", PASSWORD)
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto("/admin/audit")
        page.wait_for_selector("#audit-table tbody tr", timeout=10_000)
        body = page.text_content("#audit-table tbody")
        assert "{" not in body and '"status"' not in body  # no raw JSON
        reject = page.locator("#audit-table tbody tr", has_text="驳回").first
        status_line = reject.locator('.audit-change[data-field="status"]').text_content()
        assert status_line == "状态：已通过 → 已驳回"
        assert reject.locator('.audit-change[data-field="reject_reason"]').text_content() == "驳回理由：（空） → 重复提问"
        edit = page.locator("#audit-table tbody tr", has_text="修改").first
        assert edit.locator('.audit-change[data-field="text"]').text_content() == \
            "问题内容：请问（二期）工程：什么时候完工？ → 请问二期工程何时完工？"
        mark = page.locator("#audit-table tbody tr", has_text="标签/星标").first
        assert mark.locator('.audit-change[data-field="labels"]').text_content() == "标签：（无） → 民生"
        # Fits 1280 px: nothing wider than the window.
        widths = page.evaluate("""() => ({doc: document.documentElement.scrollWidth, win: window.innerWidth,
                                          table: document.querySelector('#audit-table').getBoundingClientRect().right})""")
        assert widths["doc"] <= widths["win"] == 1280 and widths["table"] <= 1280, widths
        _shot(page, "admin-audit.png")
        assert not errors, errors
    finally:
        context.close()
