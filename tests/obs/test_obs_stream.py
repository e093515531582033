"""Stream through a real nginx-rtmp: HLS segments appear and the viewer page in Chromium plays them."""
import pytest

from tests.support.browser import login_context
from tests.support.server import PASSWORD

from .conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.obs, pytest.mark.browser]


def test_viewers_watch_the_stream_and_are_told_when_it_stops(bootstrapped_obs, obs_server, nginx_rtmp, browser):
    server = obs_server(bootstrapped_obs, env={"RTMP_URL": nginx_rtmp.rtmp_url, "HLS_URL": nginx_rtmp.hls_url})
    interview = server.create_live_interview()
    director = server.http("director")

    context = browser.new_context(base_url=server.url, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"/i/{interview['id']}")
        page.wait_for_function("() => document.getElementById('live-video-status').textContent.trim() === '图文直播进行中，视频直播尚未开始'",
                               timeout=10_000)

        resp = director.post(server.url + "/api/obs/stream", json={"action": "start"})
        assert resp.status_code == 200, resp.text
        wait_until(lambda: server.obs_state()["stream"]["active"], 15, 0.2, "OBS streaming")
        wait_until(lambda: len(nginx_rtmp.segments()) >= 2, 40, 0.5, "nginx-rtmp writing HLS segments")
        assert (nginx_rtmp.hls_dir / "fangtan.m3u8").exists()

        page.wait_for_function("() => document.getElementById('live-video-status').textContent.trim() === '直播中'",
                               timeout=15_000)
        # The video element really plays: its time advances.
        page.wait_for_function("() => document.getElementById('live-video-player').currentTime > 0", timeout=45_000)
        first = page.evaluate("() => document.getElementById('live-video-player').currentTime")
        page.wait_for_function(f"() => document.getElementById('live-video-player').currentTime > {first} + 1.5",
                               timeout=30_000)

        # Host and moderator pages show what is on air: streaming, recording, the timecode.
        resp = director.post(server.url + "/api/obs/record", json={"action": "start"})
        assert resp.status_code == 200, resp.text
        for role, path in (("host", "host"), ("moderator", "moderation")):
            staff = login_context(browser, server.url, role, PASSWORD)
            staff_page = staff.new_page()
            staff_page.goto(f"/studio/{interview['id']}/{path}")
            staff_page.wait_for_selector('#onair[data-obs="connected"][data-stream="on"][data-record="on"]',
                                         timeout=15_000)
            staff_page.wait_for_function("() => document.getElementById('onair-tc').textContent > '00:00:01'",
                                         timeout=10_000)
            staff.close()
        assert director.post(server.url + "/api/obs/record", json={"action": "stop"}).status_code == 200

        resp = director.post(server.url + "/api/obs/stream", json={"action": "stop"})
        assert resp.status_code == 200, resp.text
        page.wait_for_function("() => document.getElementById('live-video-status').textContent.trim() === '视频直播暂停中，图文直播继续进行'",
                               timeout=15_000)

        # The stream comes back: the page plays again by itself.
        wait_until(lambda: not server.obs_state()["stream"]["active"], 10, 0.2, "stream stopped")
        assert director.post(server.url + "/api/obs/stream", json={"action": "start"}).status_code == 200
        page.wait_for_function("() => document.getElementById('live-video-status').textContent.trim() === '直播中'",
                               timeout=15_000)
        resumed = page.evaluate("() => document.getElementById('live-video-player').currentTime")
        page.wait_for_function(f"() => document.getElementById('live-video-player').currentTime > {resumed} + 1.5",
                               timeout=60_000)
        assert director.post(server.url + "/api/obs/stream", json={"action": "stop"}).status_code == 200
        page.wait_for_function("() => document.getElementById('live-video-status').textContent.trim() === '视频直播暂停中，图文直播继续进行'",
                               timeout=15_000)
        # A late viewer gets the same from the snapshot.
        late = context.new_page()
        late.goto(f"/i/{interview['id']}")
        late.wait_for_function("() => document.getElementById('live-video-status').textContent.trim() !== ''")
        with server.db() as db:
            kinds = [row[0] for row in db.execute("SELECT kind FROM markers WHERE interview_id = ?", (interview["id"],))]
            events = [row[0] for row in db.execute(
                "SELECT data FROM events WHERE interview_id = ? AND type = 'stream.state' ORDER BY seq", (interview["id"],))]
        assert "stream_start" in kinds and "stream_stop" in kinds
        assert len(events) == 4 and nginx_rtmp.hls_url in events[0] and '"active": false' in events[1]
    finally:
        context.close()
