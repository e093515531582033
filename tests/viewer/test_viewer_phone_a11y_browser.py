"""The viewer's phone page for everyone (issue 15), real Chromium: readable before any script
runs, the script adopts the server-rendered entries (same nodes, no duplicate) and the feed is a
polite live region; 长辈模式 makes text larger and is kept per device; keyboard and 200% zoom
(320 CSS px wide) work in both modes. Screenshots in test-artifacts/."""
from __future__ import annotations

from pathlib import Path

import pytest

from .pageload import PHONE, make_interview

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_feed_is_in_the_html_and_the_live_updates_adopt_it(phone_server, browser):
    iid = make_interview(phone_server, "live", 6)
    url = f"{phone_server.url}/i/{iid}"
    context = browser.new_context(java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        page.goto(url)
        assert page.locator("#feed .entry").count() == 6      # no script ran
        assert "（第6条）" in page.locator("#feed .entry").first.inner_text()
    finally:
        context.close()

    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        held = []
        # Socket.IO waits until the server-rendered nodes are marked: then the snapshot arrives.
        page.route("**/vendor/socket.io.min.js*", lambda route: held.append(route))
        page.goto(url, wait_until="commit")  # the parser waits at the held script
        page.wait_for_function("() => document.querySelectorAll('#feed .entry').length === 6")
        page.evaluate("() => { window.__served = [...document.querySelectorAll('#feed .entry')]; }")
        page.wait_for_timeout(200)
        assert held, "socket.io.min.js was not requested"
        held[0].continue_()
        page.wait_for_selector("#conn[data-status=live]", timeout=20_000)
        editor = phone_server.session("feed_editor")
        assert editor.post(f"{url.replace('/i/', '/api/interviews/')}/feed",
                           json={"speaker": "host", "text": "新的一条：补贴当月发放。"}, timeout=10).status_code == 201
        page.wait_for_function("() => document.querySelectorAll('#feed .entry').length === 7", timeout=15_000)
        adopted = page.evaluate("""() => { const now = [...document.querySelectorAll('#feed .entry')];
            const ids = now.map(n => n.dataset.id);
            return {same: window.__served.every(n => now.includes(n)), unique: new Set(ids).size === ids.length,
                    first: now[0].innerText}; }""")
        assert adopted["same"] and adopted["unique"], adopted   # no flash (same nodes), no duplicate
        assert "补贴当月发放" in adopted["first"]
        live = page.locator(".feed-live")
        assert live.get_attribute("aria-live") == "polite" and live.locator("#feed").count() == 1
    finally:
        context.close()


def _overflows(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1")


def test_large_text_mode_is_kept_per_device_and_works_by_keyboard_and_at_200_percent(phone_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    iid = make_interview(phone_server, "live", 6)
    url = f"{phone_server.url}/i/{iid}"
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#conn[data-status=live]", timeout=20_000)
        size = lambda: page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#feed .entry .text')).fontSize)")
        normal = size()
        toggle = page.locator("#large-toggle")
        assert toggle.get_attribute("aria-pressed") == "false"
        page.screenshot(path=str(ARTIFACTS / "viewer-phone-normal-390x844.png"))

        # keyboard: the toggle is the first control after the banner; Enter switches it
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "large-toggle"
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-pressed") == "true"
        assert size() >= normal * 1.3
        assert not _overflows(page)
        page.screenshot(path=str(ARTIFACTS / "viewer-phone-large-text-390x844.png"))

        # kept by this device: a new visit opens in 长辈模式
        page.goto(url)
        page.wait_for_selector("#conn[data-status=live]", timeout=20_000)
        assert page.evaluate("document.documentElement.classList.contains('large-text')")
        assert toggle.get_attribute("aria-pressed") == "true" and size() >= normal * 1.3

        # 200% zoom of a 640 px wide window: 320 CSS px, nothing wider than the screen
        page.set_viewport_size({"width": 320, "height": 640})
        assert not _overflows(page)
        page.screenshot(path=str(ARTIFACTS / "viewer-phone-large-text-320.png"), full_page=False)
        # every control can be reached by Tab (and shows where the focus is)
        reached = set()
        for _ in range(40):
            page.keyboard.press("Tab")
            info = page.evaluate("""() => { const a = document.activeElement;
                return [a.id || a.tagName, getComputedStyle(a).outlineStyle]; }""")
            reached.add(info[0])
            if info[0] in ("large-toggle", "order-toggle", "vq-text"):
                assert info[1] != "none", info
        assert {"order-toggle", "vq-nickname", "vq-text", "vq-contact", "vq-submit"} <= reached, reached

        toggle.click()
        assert toggle.get_attribute("aria-pressed") == "false" and not _overflows(page)
        page.set_viewport_size({"width": 390, "height": 844})
        assert abs(size() - normal) < 0.5
    finally:
        context.close()
