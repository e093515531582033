"""Two venues fed by real RTMP streams (ffmpeg test sources) into a real nginx-rtmp; `obs bootstrap`
makes a scene per venue in a real OBS; the director switches venues on the director page; the
viewer page in Chromium plays the venue on air, follows the switch, and may watch the other one."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.obs.conftest import wait_until
from tests.support.browser import login_context
from tests.support.server import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.obs, pytest.mark.browser, pytest.mark.ffmpeg]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _push(ingest_url: str, pattern: str) -> subprocess.Popen:
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", f"{pattern}=size=320x240:rate=25",
         "-f", "lavfi", "-i", "sine", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-c:a", "aac",
         "-f", "flv", ingest_url], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _advances(page, timeout=45_000):
    page.wait_for_function("() => document.getElementById('live-video-player').currentTime > 0", timeout=timeout)
    first = page.evaluate("() => document.getElementById('live-video-player').currentTime")
    page.wait_for_function(f"() => document.getElementById('live-video-player').currentTime > {first} + 1.5",
                           timeout=timeout)


def _key(venue: dict) -> str:
    return venue["hls_url"].rsplit("/", 1)[1]


def test_director_switches_venues_and_the_viewer_follows_or_picks(obs_private, obs_server, nginx_rtmp, browser):
    assert shutil.which("ffmpeg"), "ffmpeg missing"
    server = obs_server(obs_private, env={"RTMP_URL": nginx_rtmp.rtmp_url, "HLS_URL": nginx_rtmp.hls_url})
    admin, director = server.http("admin"), server.http("director")
    interview = admin.post(server.url + "/api/interviews", json={
        "title": "政府开放日·走进区政务服务中心", "kind": "open_day", "state": "live"}, timeout=10).json()
    iid = interview["id"]
    main = admin.post(f"{server.url}/api/interviews/{iid}/venues", json={"name": "主会场"}, timeout=10).json()
    site = admin.post(f"{server.url}/api/interviews/{iid}/venues", json={"name": "城东工地"}, timeout=10).json()
    pushers = [_push(main["ingest_url"], "testsrc"), _push(site["ingest_url"], "testsrc2")]
    context = staff = None
    try:
        for venue in (main, site):
            wait_until(lambda v=venue: (nginx_rtmp.hls_dir / _key(v)).exists(), 40, 0.5, f"HLS of {venue['name']}")

        out = server.flask("obs", "bootstrap")
        assert "会场·主会场" in out and "会场·城东工地" in out, out
        scenes = {s["sceneName"] for s in obs_private.request("GetSceneList")["scenes"]}
        assert {"会场·主会场", "会场·城东工地"} <= scenes
        source = obs_private.request("GetInputSettings", {"inputName": "会场·城东工地·信号"})["inputSettings"]
        assert source["input"] == site["ingest_url"]

        resp = director.post(f"{server.url}/api/interviews/{iid}/venues/{main['id']}/on-air", timeout=30)
        assert resp.status_code == 200, resp.text
        assert obs_private.request("GetCurrentProgramScene")["currentProgramSceneName"] == "会场·主会场"
        feed = server.session("admin", PASSWORD)
        assert feed.post(f"{server.url}/api/interviews/{iid}/feed", json={
            "speaker": "narrator", "text": "城东工地的施工负责人介绍进度。", "venue_id": site["id"]}, timeout=10).status_code == 201

        context = browser.new_context(base_url=server.url, locale="zh-CN")
        page = context.new_page()
        playlists: list[str] = []
        page.on("request", lambda r: playlists.append(r.url) if r.url.endswith(".m3u8") else None)
        page.goto(f"/i/{iid}")
        page.wait_for_selector('#venues:not([hidden]) .venue-btn[aria-pressed="true"]', timeout=10_000)
        assert page.locator('.venue-btn[aria-pressed="true"]').inner_text().startswith("主会场")
        assert "导播中" in page.locator(f'.venue-btn[data-venue-id="{main["id"]}"]').inner_text()
        page.wait_for_function("() => document.getElementById('live-video-status').textContent.trim() === '直播中 · 主会场'",
                               timeout=10_000)
        _advances(page)
        assert any(_key(main) in url for url in playlists) and not any(_key(site) in url for url in playlists)
        assert page.locator(".entry .venue-badge").inner_text() == "城东工地"

        # The director switches on the director page (会场 panel): OBS follows, and so does the viewer.
        staff = login_context(browser, server.url, "director", PASSWORD)
        desk = staff.new_page()
        desk.goto(f"/studio/{iid}/director")
        mark = len(playlists)
        desk.click(f'.venue-on-air[data-venue-id="{site["id"]}"]')
        desk.wait_for_selector(f'.venue-row[data-venue-id="{site["id"]}"][data-on-air="true"]', timeout=30_000)
        assert obs_private.request("GetCurrentProgramScene")["currentProgramSceneName"] == "会场·城东工地"
        SHOTS.mkdir(exist_ok=True)
        desk.screenshot(path=str(SHOTS / "venues-director.png"), full_page=True)

        page.wait_for_function("() => document.getElementById('live-video-status').textContent.trim() === '直播中 · 城东工地'",
                               timeout=10_000)
        _advances(page)
        assert any(_key(site) in url for url in playlists[mark:])

        # The viewer watches the other venue, then goes back to following the director.
        mark = len(playlists)
        page.click(f'.venue-btn[data-venue-id="{main["id"]}"]')
        page.wait_for_function("() => document.getElementById('live-video-status').textContent.trim() === '直播中 · 主会场'",
                               timeout=5_000)
        _advances(page)
        assert any(_key(main) in url for url in playlists[mark:])
        page.screenshot(path=str(SHOTS / "venues-viewer.png"), full_page=True)
        page.click(".venue-follow")
        page.wait_for_function("() => document.getElementById('live-video-status').textContent.trim() === '直播中 · 城东工地'",
                               timeout=5_000)
    finally:
        for p in pushers:
            p.kill()
            p.wait(timeout=10)
        if staff:
            staff.close()
        if context:
            context.close()
