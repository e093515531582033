"""Venues (主会场 + N): own ingest key and HLS per venue, public vs staff fields, on air as a
public event, the OBS scenes bootstrap adds per venue, and the permission matrix."""
from __future__ import annotations

import pytest

from studio.platform.models import ROLES
from studio.venues.permissions import PERMISSIONS

RTMP = "rtmp://127.0.0.1:1935/live/studio"
HLS = "http://127.0.0.1:8080/hls/studio.m3u8"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RTMP_URL": RTMP, "HLS_URL": HLS}


@pytest.fixture
def open_day(admin):
    resp = admin.post("/api/interviews", json={"title": "政府开放日·主会场+2", "kind": "open_day", "state": "live"})
    return resp.get_json()


def _venue(admin, iid, name, **extra):
    resp = admin.post(f"/api/interviews/{iid}/venues", json={"name": name, **extra})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_each_venue_has_its_own_ingest_and_hls(admin, client, open_day):
    iid = open_day["id"]
    main = _venue(admin, iid, "区政务服务中心")
    site = _venue(admin, iid, "城东项目工地")
    assert main["is_main"] and not site["is_main"]
    for venue in (main, site):
        key = venue["ingest_url"].rsplit("/", 1)[1]
        assert venue["ingest_url"] == f"rtmp://127.0.0.1:1935/live/{key}"
        assert venue["hls_url"] == f"http://127.0.0.1:8080/hls/{key}.m3u8"
    assert main["ingest_url"] != site["ingest_url"]
    assert site["obs_scene"] == "会场·城东项目工地"
    public = client.get(f"/api/interviews/{iid}/venues").get_json()["venues"]
    assert [v["name"] for v in public] == ["区政务服务中心", "城东项目工地"]
    assert all("ingest_url" not in v for v in public)  # the key would let anyone stream into it
    resp = admin.post(f"/api/interviews/{iid}/venues", json={"name": "城东项目工地"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "duplicate_name"
    assert admin.post(f"/api/interviews/{iid}/venues", json={"name": ""}).status_code == 400


def test_on_air_without_obs_is_a_public_event(login, admin, open_day, socket_client):
    iid = open_day["id"]
    main = _venue(admin, iid, "主会场")
    site = _venue(admin, iid, "分会场一")
    viewer = socket_client("/live")
    ack = viewer.emit("join", {"interview_id": iid}, namespace="/live", callback=True)
    assert [v["name"] for v in ack["snapshot"]["venues"]] == ["主会场", "分会场一"]
    resp = login("director").post(f"/api/interviews/{iid}/venues/{site['id']}/on-air")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["on_air"] is True and resp.get_json()["result"] == {"obs": "disabled"}
    events = [e["args"][0] for e in viewer.get_received("/live") if e["name"] == "event"]
    on_air = [e for e in events if e["type"] == "venue.on_air"]
    assert on_air[-1]["data"]["id"] == site["id"] and "ingest_url" not in on_air[-1]["data"]
    listed = admin.get(f"/api/interviews/{iid}/venues").get_json()["venues"]
    assert [(v["id"], v["on_air"]) for v in listed] == [(main["id"], False), (site["id"], True)]
    assert login("director").post(f"/api/interviews/{iid}/venues/999/on-air").status_code == 404


def test_on_air_with_obs_down_is_a_clear_503(app, login, admin, open_day):
    app.config["OBS_URL"] = "ws://127.0.0.1:9"
    iid = open_day["id"]
    venue = _venue(admin, iid, "主会场")
    resp = login("director").post(f"/api/interviews/{iid}/venues/{venue['id']}/on-air")
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "obs_disconnected"


class FakeObs:
    """The requests bootstrap makes, on dicts."""

    def __init__(self):
        self.scenes, self.inputs, self.items = [], {}, {}

    def request(self, name, data=None):
        data = data or {}
        if name == "GetVideoSettings":
            return {"baseWidth": 1280, "baseHeight": 720, "fpsNumerator": 30, "fpsDenominator": 1}
        if name == "GetSceneList":
            return {"scenes": [{"sceneName": s} for s in self.scenes]}
        if name == "CreateScene":
            self.scenes.append(data["sceneName"])
            self.items[data["sceneName"]] = []
            return {}
        if name == "GetInputList":
            return {"inputs": [{"inputName": n, "inputKind": k} for n, (k, _) in self.inputs.items()]}
        if name == "GetSceneItemList":
            return {"sceneItems": [{"sourceName": s} for s in self.items[data["sceneName"]]]}
        if name == "CreateInput":
            self.inputs[data["inputName"]] = (data["inputKind"], data["inputSettings"])
            self.items[data["sceneName"]].append(data["inputName"])
            return {"sceneItemId": len(self.inputs)}
        if name == "CreateSceneItem":
            self.items[data["sceneName"]].append(data["sourceName"])
            return {"sceneItemId": 100 + len(self.items[data["sceneName"]])}
        if name == "GetInputSettings":
            return {"inputSettings": self.inputs[data["inputName"]][1]}
        if name == "GetProfileParameter":
            return {"parameterValue": ""}
        return {}


def test_bootstrap_adds_a_scene_with_a_media_source_per_venue(app, admin, open_day):
    from studio.obs.bootstrap import REQUIRED_REQUESTS, bootstrap

    iid = open_day["id"]
    main = _venue(admin, iid, "主会场")
    site = _venue(admin, iid, "分会场一")
    obs = FakeObs()
    with app.app_context():
        result = bootstrap(obs, None, list(REQUIRED_REQUESTS))
    assert {"会场·主会场", "会场·分会场一"} <= set(result["scenes"])
    kind, settings = obs.inputs["会场·分会场一·信号"]
    assert kind == "ffmpeg_source" and settings["input"] == site["ingest_url"] and settings["is_local_file"] is False
    assert obs.inputs["会场·主会场·信号"][1]["input"] == main["ingest_url"]
    with app.app_context():
        again = bootstrap(obs, None, list(REQUIRED_REQUESTS))
    assert not [c for c in again["changes"] if "会场" in c]  # idempotent


EVERYONE = set(ROLES) | {None}


@pytest.mark.parametrize("role", [*ROLES, None])
def test_permission_matrix(app, login, admin, open_day, role):
    iid = open_day["id"]
    venue = _venue(admin, iid, "主会场")
    client = login(role) if role else app.test_client()
    cases = ((EVERYONE, "GET", f"/api/interviews/{iid}/venues", None),
             (PERMISSIONS["add_venues"].granted, "POST", f"/api/interviews/{iid}/venues", {"name": f"分会场{role}"}),
             (PERMISSIONS["put_venue_on_air"].granted, "POST", f"/api/interviews/{iid}/venues/{venue['id']}/on-air", None))
    for allowed, method, url, body in cases:
        resp = client.open(method, url, json=body) if role else client.open(url, method=method, json=body)
        if role in allowed:
            assert resp.status_code in (200, 201), (role, url, resp.get_json())
        else:
            assert resp.status_code == (401 if role is None else 403), (role, url, resp.status_code)
