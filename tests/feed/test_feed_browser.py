"""Real Chromium: a feed editor types the live feed, a viewer in another browser follows it.

Delivery time is measured inside the browsers (Date.now() at Enter in the editor, at insertion
in the viewer: one machine, one clock), so Playwright's own round trips do not count.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.browser import login_context
from tests.support.server import PASSWORD

from .conftest import make_image

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DELIVERY_LIMIT_MS = 1000

# Records when each entry node first appears in #feed (by data-id), in the viewer's clock.
SEEN_AT_SCRIPT = """
window.__seenAt = {};
document.addEventListener('DOMContentLoaded', function () {
  var feed = document.getElementById('feed');
  if (!feed) return;
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      r.addedNodes.forEach(function (n) {
        if (n.dataset && n.dataset.id && !(n.dataset.id in window.__seenAt)) window.__seenAt[n.dataset.id] = Date.now();
      });
    });
  }).observe(feed, {childList: true});
});
"""


def _make_interview(server) -> int:
    admin = server.session("admin")
    resp = admin.post(server.url + "/api/interviews", json={
        "title": "优化营商环境 服务企业发展", "topic": "优化营商环境 服务企业发展",
        "scheduled_at": "2024-05-15T09:30:00+08:00", "hosts": ["张敏"],
        "description": "县营商环境办负责人做客访谈，解读今年优化营商环境的新举措。",
        "units": [{"name": "县发展和改革局", "is_lead": True}, {"name": "县市场监督管理局"}],
        "guests": [{"name": "王建国", "title": "县发展和改革局局长", "bio": "长期从事经济运行调度和重大项目服务工作。"},
                   {"name": "李芳", "title": "县市场监督管理局副局长", "bio": "分管登记注册和信用监管。"}],
        "state": "preview"}, timeout=10)
    assert resp.status_code == 201, resp.text
    iid = resp.json()["id"]
    assert admin.post(f"{server.url}/api/interviews/{iid}/state", json={"state": "live"}, timeout=10).ok
    return iid


def _type_and_post(editor, text: str, speaker_key: str | None = None) -> int:
    """Pick a speaker with Alt+digit, type, press Enter; returns Date.now() at the Enter."""
    box = editor.locator("#feed-text")
    box.click()
    if speaker_key:
        editor.keyboard.press(f"Alt+{speaker_key}")
    box.fill(text)
    sent_at = editor.evaluate("Date.now()")
    box.press("Enter")
    # The box empties only once the server answered 201 (until then the text is kept).
    editor.wait_for_function("() => document.getElementById('feed-text').value === ''", timeout=10_000)
    return sent_at


def _wait_entry_with_text(page, text: str, timeout: float = 10_000):
    locator = page.locator("#feed .entry[data-id]", has=page.locator(".text", has_text=text))
    locator.wait_for(timeout=timeout)
    return locator


def _feed_ids(page) -> list[int]:
    return page.eval_on_selector_all("#feed .entry[data-id]", "ns => ns.map(n => Number(n.dataset.id))")


def test_editor_posts_and_viewer_follows_through_edit_withdraw_and_offline(live_server, browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    iid = _make_interview(live_server)
    editor_ctx = login_context(browser, live_server.url, "feed_editor", PASSWORD)
    viewer_ctx = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    phone_ctx = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844},
                                    device_scale_factor=2, is_mobile=True, has_touch=True)
    console_errors: list[str] = []
    try:
        editor = editor_ctx.new_page()
        editor.on("console", lambda m: m.type == "error" and console_errors.append(f"editor: {m.text}"))
        editor.goto(f"/studio/{iid}/feed")
        editor.wait_for_selector("#conn[data-status=live]", timeout=15_000)

        viewer_ctx.add_init_script(SEEN_AT_SCRIPT)
        viewer = viewer_ctx.new_page()
        viewer.on("console", lambda m: m.type == "error" and console_errors.append(f"viewer: {m.text}"))
        viewer.on("pageerror", lambda e: console_errors.append(f"viewer: {e}"))
        viewer.goto(f"/i/{iid}")
        viewer.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        assert viewer.inner_text("#state-banner") .startswith("直播中")

        # 1. three entries, the second with a photo; each must reach the viewer within 1 s
        delays = {}
        sent = _type_and_post(editor, "各位网友，欢迎收看本期在线访谈。", "1")
        entry = _wait_entry_with_text(viewer, "欢迎收看本期在线访谈")
        delays["first"] = viewer.evaluate(f"window.__seenAt[{entry.get_attribute('data-id')}]") - sent

        photo = tmp_path / "studio.jpg"
        photo.write_bytes(make_image(size=(1600, 1200), color=(30, 120, 200), exif_orientation=6, gps=True))
        editor.set_input_files("#feed-photo", str(photo))
        editor.wait_for_selector("#upload-status:has-text('已上传')", timeout=15_000)
        sent = _type_and_post(editor, "今年我们推出了企业开办“一网通办”，半天就能办完。", "2")
        entry = _wait_entry_with_text(viewer, "一网通办")
        delays["photo"] = viewer.evaluate(f"window.__seenAt[{entry.get_attribute('data-id')}]") - sent
        assert editor.input_value("#feed-text") == ""
        assert editor.is_hidden("#photo-preview")

        sent = _type_and_post(editor, "网友“春风”问：个体户办营业执照要带哪些材料？详见 https://example.gov.cn/guide", "4")
        entry = _wait_entry_with_text(viewer, "个体户办营业执照")
        delays["third"] = viewer.evaluate(f"window.__seenAt[{entry.get_attribute('data-id')}]") - sent
        assert all(0 <= d < DELIVERY_LIMIT_MS for d in delays.values()), delays
        print("delivery ms:", delays)

        # speaker names, the photo (thumbnail, lazy, upright after EXIF orientation), the safe link
        texts = viewer.eval_on_selector_all("#feed .entry .meta", "ns => ns.map(n => n.textContent)")
        assert "网友提问" in texts[0] and "王建国" in texts[1] and "张敏" in texts[2]
        img = viewer.locator("#feed .entry a.photo img")
        assert img.get_attribute("loading") == "lazy" and img.get_attribute("src").endswith("/thumb")
        img.scroll_into_view_if_needed()
        viewer.wait_for_function("() => document.querySelector('#feed a.photo img').naturalWidth > 0")
        natural = viewer.evaluate("(() => { const i = document.querySelector('#feed a.photo img'); return [i.naturalWidth, i.naturalHeight]; })()")
        assert natural[1] > natural[0] and max(natural) <= 480  # portrait: the EXIF rotation was applied
        link = viewer.locator("#feed .entry .text a")
        assert link.get_attribute("href") == "https://example.gov.cn/guide"
        assert "noopener" in link.get_attribute("rel")
        img.click()
        viewer.wait_for_selector("#lightbox:not([hidden]) img[src$='/media/" + img.get_attribute("src").split("/")[2] + "']")
        viewer.keyboard.press("Escape")
        assert viewer.is_hidden("#lightbox")

        # the phone sees the same first paint
        phone = phone_ctx.new_page()
        phone.goto(f"/i/{iid}")
        phone.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        assert len(_feed_ids(phone)) == 3

        # 2. an edit and a withdrawal show up
        first_id, photo_id, question_id = sorted(_feed_ids(viewer))
        row = editor.locator(f"#feed .entry[data-id='{first_id}']")
        row.locator(".edit-btn").click()
        row.locator(".edit-text").fill("各位网友，大家上午好！欢迎收看本期在线访谈。")
        row.locator(".save-btn").click()
        viewer.wait_for_selector(f"#feed .entry[data-id='{first_id}'] .text:has-text('大家上午好')", timeout=5_000)
        assert viewer.locator(f"#feed .entry[data-id='{first_id}'] .edited-badge").count() == 1

        row = editor.locator(f"#feed .entry[data-id='{question_id}']")
        row.locator(".pin-btn").click()
        viewer.wait_for_selector(f"#pinned .entry[data-id='{question_id}']", timeout=5_000)
        phone.reload()  # first paint from the server, with the pinned entry and the photo
        phone.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        phone.locator("#feed a.photo img").scroll_into_view_if_needed()
        phone.wait_for_function("() => document.querySelector('#feed a.photo img').naturalWidth > 0")
        phone.evaluate("window.scrollTo(0, 0)")
        phone.screenshot(path=str(ARTIFACTS / "viewer-phone.png"), full_page=True)
        viewer.screenshot(path=str(ARTIFACTS / "viewer-desktop.png"), full_page=True)
        server_times = phone.eval_on_selector_all("#feed .entry time", "ns => ns.map(n => n.textContent)")
        live_times = viewer.eval_on_selector_all("#feed .entry time", "ns => ns.map(n => n.textContent)")
        assert server_times == live_times  # server-rendered and live-rendered entries agree

        row = editor.locator(f"#feed .entry[data-id='{photo_id}']")
        row.locator(".withdraw-btn").click()
        row.locator(".withdraw-btn.armed").click()  # the second click confirms
        viewer.wait_for_selector(f"#feed .entry[data-id='{photo_id}']", state="detached", timeout=5_000)
        editor.wait_for_selector(f"#feed .entry.withdrawn[data-id='{photo_id}']", timeout=5_000)
        assert viewer.locator(".entry.withdrawn").count() == 0

        editor.screenshot(path=str(ARTIFACTS / "feed-editor.png"))
        phone.wait_for_selector(f"#feed .entry[data-id='{photo_id}']", state="detached", timeout=5_000)

        # 3. the viewer goes offline while five more are posted; back online it shows all five once, in order
        before = _feed_ids(viewer)
        viewer_ctx.set_offline(True)
        viewer.wait_for_selector("#conn[data-status=offline]", timeout=5_000)
        offline_texts = [f"离线期间第{n}条：企业开办时间压缩到{n}个工作日以内" for n in range(1, 6)]
        for text in offline_texts:
            _type_and_post(editor, text)
        time.sleep(0.5)
        assert _feed_ids(viewer) == before, "an offline viewer must not receive anything"
        viewer_ctx.set_offline(False)
        viewer.wait_for_selector("#conn[data-status=live]", timeout=15_000)
        _wait_entry_with_text(viewer, offline_texts[-1])
        time.sleep(0.5)  # anything duplicated would arrive now
        shown = viewer.eval_on_selector_all("#feed .entry .text", "ns => ns.map(n => n.textContent)")
        resumed = [t for t in shown if t.startswith("离线期间")]
        assert resumed == list(reversed(offline_texts)), resumed  # newest first, each exactly once
        ids = _feed_ids(viewer)
        assert len(ids) == len(set(ids)) == len(before) + 5
        seqs = viewer.eval_on_selector_all("#feed .entry", "ns => ns.map(n => Number(n.dataset.seq))")
        assert seqs == sorted(seqs, reverse=True)

        # a failed post keeps the text and says why; Enter again sends it
        editor.route("**/api/interviews/*/feed", lambda route: route.abort("connectionreset"))
        editor.locator("#feed-text").fill("断网时输入的这一段不能丢")
        editor.locator("#feed-text").press("Enter")
        editor.wait_for_function("() => document.getElementById('composer-error').textContent.includes('内容已保留')")
        assert editor.input_value("#feed-text") == "断网时输入的这一段不能丢"
        editor.unroute("**/api/interviews/*/feed")
        console_errors[:] = [e for e in console_errors if "ERR_CONNECTION_RESET" not in e]  # that one we caused
        editor.locator("#feed-text").press("Enter")
        editor.wait_for_function("() => document.getElementById('feed-text').value === ''", timeout=10_000)
        assert editor.inner_text("#composer-error") == ""
        _wait_entry_with_text(viewer, "断网时输入的这一段不能丢")

        # hostile text stays text in the browser: nothing runs, no javascript: link
        viewer.evaluate("window.__pluginSeqs = []; FangtanViewer.register({onEvent: ev => window.__pluginSeqs.push(ev.seq)})")
        for text in ('<img src=x onerror="window.__pwned=1">', "<script>window.__pwned=2</script>",
                     "javascript:window.__pwned=3 和 http://example.com/\"onmouseover=\"window.__pwned=4"):
            _type_and_post(editor, text)
        _wait_entry_with_text(viewer, "javascript:window.__pwned=3")
        viewer.wait_for_timeout(300)
        assert viewer.evaluate("window.__pwned") is None and editor.evaluate("window.__pwned") is None
        assert viewer.locator("#feed img[src='x'], #feed script, #feed a[href^='javascript']").count() == 0
        assert viewer.locator("#feed .entry .text", has_text='<img src=x onerror="window.__pwned=1">').count() == 1
        assert viewer.evaluate("window.__pluginSeqs.length") == 3  # plugins see every event

        # oldest-first order and the "N 条新消息" pill on the phone
        total = len(_feed_ids(viewer))
        phone.wait_for_function(f"() => document.querySelectorAll('#feed .entry').length === {total}")
        phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        phone.wait_for_timeout(300)
        _type_and_post(editor, "滚动离开时到达的新消息一")
        _type_and_post(editor, "滚动离开时到达的新消息二")
        phone.wait_for_selector("#new-pill:not([hidden])", timeout=5_000)
        phone.wait_for_function("() => document.getElementById('new-pill').textContent.trim() === '2 条新消息'", timeout=5_000)
        phone.screenshot(path=str(ARTIFACTS / "viewer-phone-pill.png"))
        phone.click("#new-pill")
        phone.wait_for_selector("#new-pill", state="hidden", timeout=5_000)
        phone.click("#order-toggle")
        assert phone.get_attribute("#order-toggle", "data-order") == "oldest"
        seqs = phone.eval_on_selector_all("#feed .entry", "ns => ns.map(n => Number(n.dataset.seq))")
        assert seqs == sorted(seqs)
        assert not console_errors, console_errors
    finally:
        for ctx in (editor_ctx, viewer_ctx, phone_ctx):
            ctx.close()
