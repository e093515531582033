"""Two server processes, one OBS: one connection owner, commands from the other, takeover on a crash."""
import time

import pytest

from .conftest import ObsServer, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.obs]


def test_one_owner_serves_both_processes_and_another_takes_over(bootstrapped_obs, obs_server):
    obs = bootstrapped_obs
    first = obs_server(obs)
    second = ObsServer(first.data_dir, env={"OBS_URL": obs.url, "OBS_PASSWORD": obs.password})
    second.start()  # same DATA_DIR, same database
    try:
        wait_until(lambda: second.obs_state()["connected"], 20, 0.2, "second process sees OBS connected")
        time.sleep(3)  # a few lease periods: the second must not take the connection
        with first.db() as db:
            owner = db.execute("SELECT owner_token FROM obs_status").fetchone()[0]
        assert owner.split(":")[1] == str(first.proc.pid)

        # A command through the process that does not own the connection.
        for scene in ("双人", "开场"):
            resp = second.http("director").post(second.url + "/api/obs/scene", json={"scene_name": scene})
            assert resp.status_code == 200, resp.text
            assert obs.request("GetCurrentProgramScene")["currentProgramSceneName"] == scene

        first.kill()  # the owner crashes: its lease runs out and the other process takes over
        crashed = time.monotonic()
        wait_until(lambda: _owner_pid(second) == second.proc.pid and second.obs_state()["connected"], 20, 0.2,
                   "takeover")
        assert time.monotonic() - crashed < 15
        resp = second.http("director").post(second.url + "/api/obs/scene", json={"scene_name": "结束"})
        assert resp.status_code == 200, resp.text
        assert obs.request("GetCurrentProgramScene")["currentProgramSceneName"] == "结束"
    finally:
        second.kill()


def _owner_pid(server) -> int | None:
    with server.db() as db:
        owner = db.execute("SELECT owner_token FROM obs_status").fetchone()[0]
    return int(owner.split(":")[1]) if owner else None
