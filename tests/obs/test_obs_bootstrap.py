"""`obs bootstrap` against the real OBS: idempotent, CJK overlays readable on screen."""
import base64
import json
import subprocess
from pathlib import Path

import pytest

from studio.obs.bootstrap import CJK_FONT, OVERLAY_TEXT_INPUTS, STANDARD_SCENES

from .conftest import wait_until

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.integration, pytest.mark.obs]


def _inventory(obs):
    scenes = [s["sceneName"] for s in obs.request("GetSceneList")["scenes"]]
    inputs = sorted((i["inputName"], i["inputKind"]) for i in obs.request("GetInputList")["inputs"])
    items = {scene: sorted(i["sourceName"] for i in obs.request("GetSceneItemList", {"sceneName": scene})["sceneItems"])
             for scene in scenes}
    return scenes, inputs, items


def test_bootstrap_twice_gives_the_same_scenes_and_cjk_overlays(obs_private, obs_server):
    server = obs_server(obs_private, wait_connected=False)
    server.kill()  # no owner holds OBS: the command connects by itself
    first = server.flask("obs", "bootstrap")
    assert "created/changed: 场景 网友提问" in first
    after_first = _inventory(obs_private)

    server.start()  # now a server owns the connection: bootstrap goes through its command queue
    wait_until(lambda: server.obs_state()["connected"], 20, 0.2, "connected")
    second = server.flask("obs", "bootstrap")
    assert "nothing to change" in second, second
    assert _inventory(obs_private) == after_first
    assert set(STANDARD_SCENES) <= set(after_first[0])

    installed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert CJK_FONT in installed
    for name in OVERLAY_TEXT_INPUTS:
        settings = obs_private.request("GetInputSettings", {"inputName": name})["inputSettings"]
        assert settings["font"]["face"] == CJK_FONT, name
    for category, name, value in (("SimpleOutput", "RecFormat", "mkv"), ("SimpleOutput", "RecQuality", "Stream")):
        got = obs_private.request("GetProfileParameter", {"parameterCategory": category, "parameterName": name})
        assert got["parameterValue"] == value


def test_question_scene_shows_readable_chinese(bootstrapped_obs, obs_server):
    server = obs_server(bootstrapped_obs)
    director = server.http("director")
    text = "请问县里对小微企业的减税降费政策今年有哪些新变化？"
    resp = director.post(server.url + "/api/obs/question-overlay",
                         json={"question_id": 1, "visible": True, "text": text, "nickname": "城关居民"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["overlays"]["question_visible"] is True
    resp = director.post(server.url + "/api/obs/scene", json={"scene_name": "网友提问"})
    assert resp.status_code == 200, resp.text
    shot = bootstrapped_obs.request("GetSourceScreenshot", {"sourceName": "网友提问", "imageFormat": "png",
                                                            "imageWidth": 640})
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "obs-question-scene.png"
    path.write_bytes(base64.b64decode(shot["imageData"].split(",", 1)[1]))
    assert path.stat().st_size > 5000
    shown = bootstrapped_obs.request("GetInputSettings", {"inputName": "网友提问文字"})["inputSettings"]["text"]
    assert text in shown
    # Hiding changes visibility and keeps OBS's text: one batch, nothing half-done.
    resp = director.post(server.url + "/api/obs/question-overlay", json={"question_id": 1, "visible": False})
    assert resp.status_code == 200 and resp.json()["overlays"]["question_visible"] is False
    items = bootstrapped_obs.request("GetSceneItemList", {"sceneName": "叠加·网友提问"})["sceneItems"]
    assert not any(item["sceneItemEnabled"] for item in items)
    json.dumps(resp.json())
