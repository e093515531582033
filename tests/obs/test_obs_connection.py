"""The connection owner: OBS killed and restarted mid-session, and a wrong password."""
import time

import pytest

from tests.support.browser import login_context
from tests.support.server import PASSWORD

from .conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.obs]


@pytest.mark.browser
def test_obs_killed_and_restarted_mid_session(obs_private, obs_server, browser):
    obs = obs_private
    obs.request("CreateScene", {"sceneName": "双人"})
    obs.request("SetCurrentProgramScene", {"sceneName": "双人"})
    server = obs_server(obs)
    interview = server.create_live_interview()
    director = server.http("director")
    context = login_context(browser, server.url, "director", PASSWORD)
    page = context.new_page()
    try:
        page.goto(f"/studio/{interview['id']}/director")
        page.wait_for_selector('#obs-conn[data-status="connected"]', timeout=15_000)
        host_context = login_context(browser, server.url, "host", PASSWORD)
        host_page = host_context.new_page()
        host_page.goto(f"/studio/{interview['id']}/host")
        host_page.wait_for_selector('#onair[data-obs="connected"]', timeout=15_000)
        before = server.obs_state()

        killed = time.monotonic()
        obs.kill()
        page.wait_for_selector('#obs-conn[data-status="disconnected"]', timeout=5_000)
        host_page.wait_for_selector('#onair[data-obs="disconnected"]', timeout=5_000)
        wait_until(lambda: director.get(server.url + "/healthz").json()["obs"] == "disconnected", 5, 0.1, "healthz")
        state = server.obs_state()
        assert state["connected"] is False and state["error"]["code"] in ("obs_disconnected", "obs_unreachable")
        assert time.monotonic() - killed < 5
        # The server keeps serving everything else.
        assert director.get(f"{server.url}/api/interviews/{interview['id']}").status_code == 200
        resp = director.post(server.url + "/api/obs/scene", json={"scene_name": "双人"})
        assert resp.status_code == 503 and resp.json()["error"]["code"] == "obs_disconnected"

        obs.start()
        restarted = time.monotonic()
        wait_until(lambda: server.obs_state()["connected"], 10, 0.1, "reconnected")
        page.wait_for_selector('#obs-conn[data-status="connected"]', timeout=10_000)
        host_page.wait_for_selector('#onair[data-obs="connected"]', timeout=10_000)
        assert time.monotonic() - restarted < 10
        # The state was reloaded from the new OBS, not kept from before.
        fresh = obs.request("GetSceneList")
        after = server.obs_state()
        assert sorted(after["scenes"]) == sorted(s["sceneName"] for s in fresh["scenes"])
        assert after["program_scene"] == fresh["currentProgramSceneName"]
        assert before["connected"] is True
        assert director.get(server.url + "/healthz").json()["obs"] == "connected"
    finally:
        context.close()


def test_wrong_password_is_said_plainly_and_not_retried(obs_private, obs_server):
    obs = obs_private
    server = obs_server(obs, password="not-the-password", wait_connected=False)
    state = wait_until(lambda: (s := server.obs_state())["error"] and s, 15, 0.2, "an error shown")
    assert state["connected"] is False
    assert state["error"]["code"] == "obs_auth_failed"
    assert "OBS_PASSWORD" in state["error"]["message"]
    time.sleep(8)  # several backoff periods: a retry loop would have tried again by now
    with server.db() as db:
        attempts = db.execute("SELECT connect_attempts FROM obs_status").fetchone()[0]
    assert attempts == 1
    assert server.http("director").get(server.url + "/healthz").json()["obs"] == "disconnected"
    assert "OBS_PASSWORD" in server.log()
