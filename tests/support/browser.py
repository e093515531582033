"""Playwright driving Debian's Chromium (never `playwright install`: it downloads a browser)."""
from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test run; tests open their own contexts (one per user)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs the chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def login_context(browser, base_url: str, username: str, password: str, **options):
    """A browser context logged in through the real login page; `options` go to new_context
    (e.g. timezone_id)."""
    context = browser.new_context(**{"base_url": base_url, "locale": "zh-CN",
                                     "viewport": {"width": 1280, "height": 800}, **options})
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url, timeout=10_000)
    page.close()
    return context
