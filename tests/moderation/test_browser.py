"""Real Chromium, end to end: a netizen asks on the viewer page, two moderators screen at once,
the host gets the pushed questions and works the cue cards by keyboard, the viewer follows live."""
from __future__ import annotations

import re

import pytest

from tests.support.browser import login_context
from tests.support.server import PASSWORD

from .support import live_interview

pytestmark = [pytest.mark.integration, pytest.mark.browser]

SCRIPT = """一、开场
主持人：各位网友，大家好！欢迎收看在线访谈。
嘉宾：主持人好，各位网友好。
二、消防站建设
主持人：请您介绍一下今年消防站建设的情况。
嘉宾：今年我们新建了三个乡镇消防站。
三、结束
主持人：感谢您做客在线访谈。
"""
SENSITIVE = ["请问网络赌博怎么举报", "我想举报一个 赌 . 博 窝点", "網絡賭博如何治理"]
NEAR_DUPLICATES = ["县城消防站什么时候建成投入使用", "请问县城的消防站什么时候能建成投入使用"]


def _ask(page, text, nickname="热心网友"):
    page.fill("#vq-nickname", nickname)
    page.fill("#vq-text", text)
    page.click("#vq-submit")
    page.wait_for_selector("#vq-receipt:not([hidden])", timeout=10_000)
    receipt = page.text_content("#vq-receipt-code")
    assert re.fullmatch(r"[0-9A-Z]{8}", receipt), receipt
    page.click("#vq-again")
    return receipt


def _item(page, qid):
    return page.locator(f'#questions li.q[data-question-id="{qid}"]')


def _question_ids_by_text(page):
    return page.evaluate("""() => {
        const out = {};
        Object.values(FangtanModeration.questions()).forEach(q => { out[q.text] = q.id; });
        return out; }""")


def test_netizen_moderators_host_viewer_end_to_end(live_server, browser):
    live_server.create_user("moderator2", "moderator")
    iid = live_interview(live_server, "全民消防安全宣传教育")
    admin = live_server.session("admin")
    admin.put(live_server.url + "/api/wordlist", data="赌博\n".encode(), timeout=10,
              headers={"Content-Type": "text/plain; charset=utf-8"}).raise_for_status()
    admin.put(live_server.url + f"/api/interviews/{iid}/script", data=SCRIPT.encode(), timeout=10,
              headers={"Content-Type": "text/plain; charset=utf-8"}).raise_for_status()

    contexts = []
    try:
        viewer_ctx = browser.new_context(base_url=live_server.url, locale="zh-CN")
        contexts.append(viewer_ctx)
        mod_a_ctx = login_context(browser, live_server.url, "moderator", PASSWORD)
        mod_b_ctx = login_context(browser, live_server.url, "moderator2", PASSWORD)
        host_ctx = login_context(browser, live_server.url, "host", PASSWORD)
        contexts += [mod_a_ctx, mod_b_ctx, host_ctx]
        errors = []
        mod_a, mod_b, host, viewer = (ctx.new_page() for ctx in (mod_a_ctx, mod_b_ctx, host_ctx, viewer_ctx))
        for page in (mod_a, mod_b, host, viewer):
            page.on("pageerror", lambda exc: errors.append(str(exc)))
        for page in (mod_a, mod_b):
            page.goto(f"/studio/{iid}/moderation")
            page.wait_for_selector('#conn[data-status="live"]', timeout=15_000)
        host.goto(f"/studio/{iid}/host")
        host.wait_for_selector("#current-card", timeout=15_000)
        viewer.goto(f"/i/{iid}")
        viewer.wait_for_selector("#vq-form:not([hidden])", timeout=15_000)

        # A netizen asks: sensitive words plain, spaced out and traditional, and two near-duplicates.
        for text in SENSITIVE + NEAR_DUPLICATES:
            _ask(viewer, text)
        # Both consoles got all five live, without a reload.
        for page in (mod_a, mod_b):
            page.wait_for_function("() => document.querySelectorAll('#questions li.q').length === 5", timeout=15_000)
            assert page.text_content('[data-count="pending"]') == "5"
        ids = _question_ids_by_text(mod_a)
        plain, spaced, traditional = (ids[t] for t in ["请问网络赌博怎么举报", "我想举报一个 赌 . 博 窝点", "網絡賭博如何治理"])
        first, second = ids[NEAR_DUPLICATES[0]], ids[NEAR_DUPLICATES[1]]
        assert _item(mod_a, plain).locator("mark.sensitive").text_content() == "赌博"
        assert _item(mod_a, spaced).locator("mark.sensitive").text_content() == "赌 . 博"
        assert _item(mod_a, traditional).locator("mark.sensitive").text_content() == "賭博"
        assert _item(mod_b, second).locator(".q-flags.duplicate").count() == 1

        # Both moderators approve the same question at the same moment: exactly one wins, the
        # other is told who handled it.
        click = f"""() => {{ const b = document.querySelector('#questions li.q[data-question-id="{first}"] [data-action=approve]');
                              if (b) b.click(); return !!b; }}"""
        assert mod_a.evaluate(click) and mod_b.evaluate(click), "both consoles still offered the question"
        for page in (mod_a, mod_b):
            page.wait_for_function(f"() => FangtanModeration.questions()[{first}].status === 'approved'", timeout=10_000)
        toasts = [p.locator("#toast") for p in (mod_a, mod_b)]
        mod_a.wait_for_timeout(500)
        messages = [t.text_content() for t in toasts if t.is_visible()]
        losers = [m for m in messages if "已被" in m or "刚被" in m]
        assert len(losers) == 1, messages
        audit = admin.get(live_server.url + f"/api/audit?question_id={first}", timeout=10).json()["entries"]
        assert [e["action"] for e in audit] == ["approve"]

        # Moderator B merges the near-duplicate from its suggestion; A sees it leave at once.
        _item(mod_b, second).locator('[data-action="merge-into"]').click()
        mod_a.wait_for_selector(f'#questions li.q[data-question-id="{second}"]', state="detached", timeout=10_000)
        # Moderator A rejects the plain one by keyboard: select, R, preset reason 1.
        _item(mod_a, plain).locator(".q-text").click()
        mod_a.keyboard.press("r")
        mod_a.wait_for_selector("#reject-dialog[open]")
        mod_a.keyboard.press("1")
        mod_b.wait_for_selector(f'#questions li.q[data-question-id="{plain}"]', state="detached", timeout=10_000)
        # Moderator B bulk-rejects the other two while A keeps the other list.
        for qid in (spaced, traditional):
            _item(mod_b, qid).locator(".q-check").check()
        mod_b.click("#bulk-reject")
        mod_b.wait_for_selector("#reject-dialog[open]")
        mod_b.keyboard.press("2")
        mod_a.wait_for_function("() => document.querySelectorAll('#questions li.q').length === 0", timeout=10_000)
        assert mod_a.text_content('[data-count="rejected"]') == "3"

        # Hotline intake from B, then A approves and pushes both with the keyboard.
        mod_b.select_option("#intake-source", "hotline")
        mod_b.fill("#intake-nickname", "张先生")
        mod_b.fill("#intake-text", "请问公交站台什么时候翻新")
        mod_b.click("#intake-form button[type=submit]")
        mod_a.wait_for_function("() => document.querySelectorAll('#questions li.q').length === 1", timeout=10_000)
        hotline = _question_ids_by_text(mod_a)["请问公交站台什么时候翻新"]
        mod_a.keyboard.press("a")   # the only pending one is selected
        mod_a.wait_for_function(f"() => FangtanModeration.questions()[{hotline}].status === 'approved'", timeout=10_000)
        mod_a.keyboard.press("2")   # 已通过 tab
        mod_a.wait_for_function("() => document.querySelectorAll('#questions li.q').length === 2", timeout=10_000)
        assert "2 人提问" in _item(mod_a, first).text_content()
        _item(mod_a, first).locator(".q-text").click()
        mod_a.keyboard.press("p")
        mod_a.wait_for_function(f"() => FangtanModeration.questions()[{first}].status === 'pushed'", timeout=10_000)
        mod_a.keyboard.press("p")   # the selection moved on to the hotline question
        mod_a.wait_for_function(f"() => FangtanModeration.questions()[{hotline}].status === 'pushed'", timeout=10_000)
        # Reorder the host queue by keys: the hotline question first.
        mod_a.keyboard.press("3")
        _item(mod_a, hotline).locator(".q-text").click()
        mod_a.keyboard.press("[")

        # The viewer saw the approved ones live, never the held or rejected ones.
        for qid in (first, hotline):
            viewer.wait_for_selector(f'#vq-list li[data-question-id="{qid}"]', timeout=10_000)
        for qid in (plain, spaced, traditional, second):
            assert viewer.locator(f'#vq-list li[data-question-id="{qid}"]').count() == 0

        # The host's page got the pushed questions, in the moderator's order.
        host.wait_for_selector(f'#queue .card.question[data-question-id="{first}"]', timeout=10_000)
        host.wait_for_function(
            f"""() => {{ const cards = [...document.querySelectorAll('#queue .card.question')].map(c => +c.dataset.questionId);
                       return cards.length === 2 && cards[0] === {hotline}; }}""", timeout=10_000)
        # The moderator drags the first question back to the top; the host's queue follows.
        _item(mod_a, first).drag_to(_item(mod_a, hotline), target_position={"x": 40, "y": 5})
        host.wait_for_function(
            f"""() => {{ const cards = [...document.querySelectorAll('#queue .card.question')].map(c => +c.dataset.questionId);
                       return cards.length === 2 && cards[0] === {first}; }}""", timeout=10_000)
        # Cue cards by keyboard: → / Space / PageDown forward, ← / PageUp back.
        index = lambda: host.get_attribute("#current-card", "data-index")  # noqa: E731
        host.evaluate("() => document.activeElement && document.activeElement.blur()")
        start = int(index() or 0)
        for key, expected in (("ArrowRight", start + 1), (" ", start + 2), ("ArrowLeft", start + 1),
                              ("PageDown", start + 2), ("PageUp", start + 1)):
            host.keyboard.press(key)
            host.wait_for_function(f"() => document.querySelector('#current-card').dataset.index === '{expected}'",
                                   timeout=10_000)
        next_text = host.text_content("#next-card")
        assert next_text.strip()

        # On air, then answered: the viewer follows live.
        card = host.locator(f'#queue .card.question[data-question-id="{first}"]')
        card.locator('[data-action="on-air"]').click()
        viewer.wait_for_selector(f'#vq-list li.status-on_air[data-question-id="{first}"]', timeout=10_000)
        card.locator('[data-action="answered"]').click()
        viewer.wait_for_selector(f'#vq-list li.status-answered[data-question-id="{first}"]', timeout=10_000)
        assert "已回答" in viewer.text_content(f'#vq-list li[data-question-id="{first}"]')
        # The netizen looks up a question of theirs by its remembered receipt: merged, and answered.
        viewer.click(".vq-lookup summary")
        assert viewer.locator(".vq-mine-item").count() == 5
        viewer.locator(".vq-mine-item").first.click()  # the last one asked: the near-duplicate
        viewer.wait_for_selector(".vq-lookup-status", timeout=10_000)
        assert viewer.text_content(".vq-lookup-status") == "状态：已与同类问题合并（已回答）"
        mod_b.keyboard.press("5")
        mod_b.wait_for_selector(f'#questions li.q[data-question-id="{first}"]', timeout=10_000)
        assert not errors, errors
    finally:
        for ctx in contexts:
            ctx.close()
