"""Real Chromium on the host console: upload a script, move with the keys a clicker sends, timers
run and survive a reload, a backstage message appears and is dismissed, a pushed question is put on
air and answered. Screenshots of 1280x800 and a 1024x768 tablet go to test-artifacts/."""
from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.browser import login_context
from tests.support.server import PASSWORD

from .conftest import SCRIPT_PATH

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _seconds(text: str) -> int:
    """'1:05' / '+0:12' / '−0:03' → seconds (sign dropped)."""
    match = re.search(r"(\d+):(\d{2})", text)
    return int(match.group(1)) * 60 + int(match.group(2)) if match else -1


def _make_interview(server) -> int:
    admin = server.session("admin")
    resp = admin.post(server.url + "/api/interviews", json={
        "title": "全民消防 生命至上", "scheduled_at": "2024-04-15T09:30:00+08:00", "hosts": ["张敏"],
        "units": [{"name": "县消防救援大队", "is_lead": True}, {"name": "江浦街道办事处"}],
        "guests": [{"name": "王建国", "title": "县消防救援大队大队长"}, {"name": "李芳", "title": "江浦街道办事处副主任"}],
        "state": "preview"}, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def _current_text(page) -> str:
    return page.locator("#current-text").inner_text()


def open_host_console(browser, server, interview_id: int):
    """The host, logged in, on the host console once its socket is live: (context, page, errors)."""
    context = login_context(browser, server.url, "host", PASSWORD)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"/studio/{interview_id}/host")
    page.wait_for_function("() => document.getElementById('conn-status').classList.contains('live')", timeout=15_000)
    return context, page, errors


def test_host_console_in_chromium(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    iid = _make_interview(live_server)
    host_http = live_server.session("host")
    cues_url = f"{live_server.url}/api/interviews/{iid}/cues"

    context, page, errors = open_host_console(browser, live_server, iid)
    assert "尚未上传访谈稿" in _current_text(page)

    # upload the script through the page's 稿件 dialog, then fix one card's planned duration there
    page.click("#btn-script")
    page.set_input_files("#script-file", str(SCRIPT_PATH))
    page.wait_for_function("() => document.getElementById('script-status').textContent.indexOf('已拆分为') === 0",
                           timeout=30_000)
    cards = host_http.get(cues_url, timeout=10).json()["cards"]
    assert len(cards) >= 45 and page.locator("#card-editor .edit-card").count() == len(cards)
    second = page.locator(f'#card-editor .edit-card[data-card-id="{cards[1]["id"]}"]')
    second.locator("[data-field=planned]").fill("1:30")
    second.locator("[data-do=save]").click()
    page.wait_for_function("() => document.getElementById('script-status').textContent.indexOf('已保存') >= 0")
    assert host_http.get(cues_url, timeout=10).json()["cards"][1]["planned_s"] == 90
    page.screenshot(path=str(ARTIFACTS / "host-script-dialog-1280x800.png"))
    page.click("#script-dialog [data-close]")
    cards = host_http.get(cues_url, timeout=10).json()["cards"]

    page.wait_for_function("() => document.getElementById('current-index').textContent.indexOf('1 /') === 0")
    assert _current_text(page) == cards[0]["text"]
    assert page.locator("#next-text").inner_text() == cards[1]["text"]
    assert page.locator("#show-elapsed").inner_text() == "未开始"

    def expect_index(index):
        page.wait_for_function(f"() => document.getElementById('current-index').textContent.indexOf('{index + 1} /') === 0",
                               timeout=10_000)
        assert _current_text(page) == cards[index]["text"]
        # the server agrees once the move is acknowledged
        deadline = time.time() + 10
        while host_http.get(cues_url, timeout=10).json()["current"] != index:
            assert time.time() < deadline, f"server never reached card {index}"
            time.sleep(0.1)

    page.keyboard.press("ArrowRight")
    expect_index(1)
    page.keyboard.press("Space")
    expect_index(2)
    page.keyboard.press("PageDown")
    expect_index(3)
    page.keyboard.press("ArrowLeft")
    expect_index(2)
    page.keyboard.press("PageUp")
    expect_index(1)
    page.click("#btn-next")                     # tap
    expect_index(2)
    page.keyboard.press("Space")                # the focused button must not add a second move
    expect_index(3)
    time.sleep(0.5)
    assert host_http.get(cues_url, timeout=10).json()["current"] == 3

    # moving cards in preview (rehearsal) does not start the clock (issue 8.3); 开始计时 does
    assert page.locator("#show-elapsed").inner_text() == "未开始"
    assert host_http.get(cues_url, timeout=10).json()["show_started_at"] is None
    page.click("#btn-start")
    # timers run, and survive a reload with the same figures
    page.wait_for_function("() => document.getElementById('show-elapsed').textContent !== '未开始'")
    first = _seconds(page.locator("#show-elapsed").inner_text())
    time.sleep(2.2)
    later = _seconds(page.locator("#show-elapsed").inner_text())
    assert later >= first + 2, (first, later)
    card_before = _seconds(page.locator("#card-elapsed").inner_text())
    assert card_before >= 2
    page.reload()
    page.wait_for_function("() => document.getElementById('current-index').textContent.indexOf('4 /') === 0")
    page.wait_for_function("() => document.getElementById('show-elapsed').textContent !== '未开始'")
    after_reload = _seconds(page.locator("#show-elapsed").inner_text())
    assert after_reload >= later, (later, after_reload)
    assert _seconds(page.locator("#card-elapsed").inner_text()) >= card_before
    tone = page.locator("#card-timer").get_attribute("class")
    assert "tone-" in tone

    # a move on another screen (the director) shows here too
    director = live_server.session("director")
    moved = director.post(f"{live_server.url}/api/interviews/{iid}/cue",
                          json={"action": "next", "expected": 3}, timeout=10)
    assert moved.status_code == 200, moved.text
    expect_index(4)

    # backstage message: large until dismissed
    moderator = live_server.session("moderator")
    sent = moderator.post(f"{live_server.url}/api/interviews/{iid}/host-message",
                          json={"text": "还剩10分钟，请控制嘉宾回答时长"}, timeout=10)
    assert sent.status_code == 201, sent.text
    banner = page.locator("#host-message")
    banner.wait_for(state="visible", timeout=10_000)
    assert "还剩10分钟，请控制嘉宾回答时长" in banner.inner_text()
    assert page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.host-message-text')).fontSize)") >= 28
    # the banner takes room from the card, it does not cover it: the card's header stays visible
    assert page.evaluate("() => document.getElementById('host-message').getBoundingClientRect().bottom"
                         " <= document.getElementById('current-card').getBoundingClientRect().top")

    # a pushed netizen question appears after the current card and is put on air, then answered
    question = moderator.post(f"{live_server.url}/api/interviews/{iid}/questions", json={
        "nickname": "江浦老街坊", "text": "老小区楼道里堆放杂物，应该找哪个部门处理？", "source": "onsite"}, timeout=10)
    assert question.status_code == 201, question.text
    qid = question.json()["id"]
    pushed = moderator.post(f"{live_server.url}/api/questions/{qid}/push", json={}, timeout=10)
    assert pushed.status_code == 200, pushed.text
    qcard = page.locator(f'#queue .card.question[data-question-id="{qid}"]')
    qcard.wait_for(timeout=10_000)
    assert "楼道里堆放杂物" in qcard.inner_text()
    page.screenshot(path=str(ARTIFACTS / "host-message-1280x800.png"))

    page.click('[data-action="dismiss-message"]')
    banner.wait_for(state="hidden", timeout=10_000)
    assert host_http.get(cues_url, timeout=10).json()["host_messages"] == []

    qcard.locator('[data-action="on-air"]').click()
    page.wait_for_selector(f'#queue .card.question.on-air[data-question-id="{qid}"]', timeout=10_000)
    time.sleep(0.3)
    page.screenshot(path=str(ARTIFACTS / "host-1280x800.png"))
    qcard.locator('[data-action="answered"]').click()
    page.wait_for_selector(f'#queue .card.question[data-question-id="{qid}"]', state="detached", timeout=10_000)

    # the keys still move after using the buttons on the page
    page.keyboard.press("ArrowRight")
    expect_index(5)
    # the outline jumps to any card (goto), and back
    page.click("#btn-outline")
    page.locator('#outline-list .outline-item[data-index="8"]').wait_for()
    page.screenshot(path=str(ARTIFACTS / "host-outline-1280x800.png"))
    page.click('#outline-list .outline-item[data-index="8"]')
    expect_index(8)
    page.click("#btn-outline")
    page.click('#outline-list .outline-item[data-index="5"]')
    expect_index(5)
    actual = host_http.get(cues_url, timeout=10).json()["cards"]
    assert actual[8]["actual_s"] > 0 and actual[3]["actual_s"] >= 2
    assert not errors, errors
    context.close()

    # a tablet: 1024x768 landscape, whose own clock is an hour and a half fast: the timers still
    # show the server's figures (they are computed from stored start times and server_now)
    tablet = login_context(browser, live_server.url, "host", PASSWORD)
    tablet.add_init_script("(() => { const real = Date.now; Date.now = () => real() + 5400 * 1000; })()")
    tablet_page = tablet.new_page()
    tablet_page.set_viewport_size({"width": 1024, "height": 768})
    tablet_page.goto(f"/studio/{iid}/host")
    tablet_page.wait_for_function("() => document.getElementById('current-index').textContent.indexOf('6 /') === 0",
                                  timeout=15_000)
    # one screen, no page scrolling; the card text fits its box
    assert tablet_page.evaluate("() => document.documentElement.scrollHeight <= window.innerHeight + 1")
    assert tablet_page.evaluate("() => { const e = document.getElementById('current-text'); return e.scrollHeight <= e.clientHeight + 2; }")
    time.sleep(1.2)
    state = host_http.get(cues_url, timeout=10).json()
    expected = (datetime.fromisoformat(state["server_now"]) - datetime.fromisoformat(state["show_started_at"])).total_seconds()
    shown = _seconds(tablet_page.locator("#show-elapsed").inner_text())
    assert abs(shown - expected) <= 3, (shown, expected)
    tablet_page.screenshot(path=str(ARTIFACTS / "host-1024x768.png"))
    # a guest's long prepared answer also fits without scrolling (smaller type)
    tablet_page.keyboard.press("ArrowRight")
    tablet_page.wait_for_function("() => document.getElementById('current-card').dataset.kind === 'guest'")
    assert tablet_page.evaluate("() => { const e = document.getElementById('current-text'); return e.scrollHeight <= e.clientHeight + 2; }")
    tablet_page.screenshot(path=str(ARTIFACTS / "host-guest-1024x768.png"))
    tablet.close()


def test_host_show_clock_start_reset_and_going_live(live_server, browser):
    """Issue 8.3: moves in preview leave the clock alone, 开始计时 starts it, 重置计时 asks first
    (cancel keeps it), going live restarts a rehearsal clock on every screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    iid = _make_interview(live_server)
    host_http = live_server.session("host")
    cues_url = f"{live_server.url}/api/interviews/{iid}/cues"
    script = "主持人：各位网友，大家好！欢迎收看（在线访谈）。\n\n王建国：谢谢主持人；大家好？\n\n主持人：第三张。\n\n主持人：第四张。"
    resp = host_http.put(f"{live_server.url}/api/interviews/{iid}/script", data=script.encode(),
                         headers={"Content-Type": "text/plain; charset=utf-8"}, timeout=10)
    assert resp.status_code == 200, resp.text

    context, page, errors = open_host_console(browser, live_server, iid)
    second = context.new_page()  # another screen of the same programme (a second tablet)
    second.goto(f"/studio/{iid}/host")
    second.wait_for_function("() => document.getElementById('conn-status').classList.contains('live')", timeout=15_000)
    page.wait_for_function("() => document.getElementById('current-index').textContent.indexOf('1 /') === 0")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.getElementById('current-index').textContent.indexOf('2 /') === 0")
    page.click("#btn-next")
    page.wait_for_function("() => document.getElementById('current-index').textContent.indexOf('3 /') === 0")
    time.sleep(1.2)
    assert page.locator("#show-elapsed").inner_text() == "未开始"
    assert page.locator("#card-elapsed").inner_text() == "0:00"
    assert host_http.get(cues_url, timeout=10).json()["show_started_at"] is None

    page.click("#btn-start")
    page.wait_for_function("() => document.getElementById('btn-start').textContent === '计时中'")
    second.wait_for_function("() => document.getElementById('show-elapsed').textContent !== '未开始'", timeout=10_000)
    time.sleep(2.2)
    assert _seconds(page.locator("#show-elapsed").inner_text()) >= 2

    # reset asks first: cancelling keeps the clock
    dialogs = []

    def answer(dialog, accept):
        dialogs.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.click("#btn-reset")
    time.sleep(0.5)
    assert dialogs and "重置计时" in dialogs[-1]
    assert host_http.get(cues_url, timeout=10).json()["show_started_at"] is not None
    page.once("dialog", lambda d: answer(d, True))
    page.click("#btn-reset")
    for p in (page, second):
        p.wait_for_function("() => document.getElementById('show-elapsed').textContent === '未开始'", timeout=10_000)
        p.wait_for_function("() => document.getElementById('current-index').textContent.indexOf('1 /') === 0")
    assert len(dialogs) == 2
    state = host_http.get(cues_url, timeout=10).json()
    assert state["show_started_at"] is None and state["current"] == 0

    # a rehearsal clock, then the director goes live: both screens count from the go-live instant
    page.click("#btn-start")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.getElementById('current-index').textContent.indexOf('2 /') === 0")
    time.sleep(3.2)
    assert _seconds(page.locator("#show-elapsed").inner_text()) >= 3
    director = live_server.session("director")
    live = director.post(f"{live_server.url}/api/interviews/{iid}/state", json={"state": "live"}, timeout=10)
    assert live.status_code == 200, live.text
    for p in (page, second):
        p.wait_for_function("() => { const m = /(\\d+):(\\d\\d)/.exec(document.getElementById('show-elapsed').textContent);"
                            " return m && +m[1] * 60 + +m[2] <= 1; }", timeout=10_000)
    state = host_http.get(cues_url, timeout=10).json()
    assert state["current"] == 1 and all(c["actual_s"] == 0 for c in state["cards"])
    # no OBS here: the on-air badge shows no recording timecode, not a running-looking 00:00:00
    page.wait_for_selector('#onair[data-obs="disabled"]', timeout=10_000)
    assert page.inner_text("#onair-tc") == "—"
    page.screenshot(path=str(ARTIFACTS / "host-clock-live-1280x800.png"))
    time.sleep(1.5)
    assert _seconds(page.locator("#show-elapsed").inner_text()) >= 1  # and it runs
    assert not errors, errors
    context.close()
