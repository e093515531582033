"""Who may read and drive OBS: every role and the public against every OBS action.

OBS_URL points at a port nobody listens on and no owner runs (TESTING), so an allowed caller gets
past the permission check and meets 503 obs_disconnected; the others 401/403.
"""
import pytest

from studio.obs.permissions import PERMISSIONS

ROLES = ("admin", "host", "moderator", "director", "feed_editor", "publisher")
# Who may do what comes from the OBS area's permission table, which its routes and socket read too.
READERS = PERMISSIONS["read_obs"].granted
DRIVERS = PERMISSIONS["drive_obs"].granted
WRITES = [
    ("/api/obs/scene", {"scene_name": "双人"}),
    ("/api/obs/record", {"action": "start"}),
    ("/api/obs/stream", {"action": "start"}),
    ("/api/obs/lower-third", {"guest_id": 1, "visible": True}),
    ("/api/obs/question-overlay", {"question_id": 1, "visible": True, "text": "问"}),
    ("/api/obs/screenshot", {}),
]


@pytest.fixture
def app_config(app_config):
    app_config["OBS_URL"] = "ws://127.0.0.1:9"
    return app_config


@pytest.mark.parametrize("role", (None, *ROLES))
def test_reading_obs_state(role, login, client):
    http = login(role) if role else client
    resp = http.get("/api/obs")
    if role is None:
        assert resp.status_code == 401
    elif role in READERS:
        assert resp.status_code == 200
        assert resp.get_json()["connected"] is False
    else:
        assert resp.status_code == 403


@pytest.mark.parametrize("path,body", WRITES)
@pytest.mark.parametrize("role", (None, *ROLES))
def test_driving_obs(role, path, body, login, client):
    http = login(role) if role else client
    resp = http.post(path, json=body)
    if role is None:
        assert resp.status_code == 401
    elif role in DRIVERS:
        assert resp.status_code == 503, resp.get_json()
        assert resp.get_json()["error"]["code"] == "obs_disconnected"
    else:
        assert resp.status_code == 403
        assert resp.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", (None, *ROLES))
def test_bootstrap_is_for_admin_only(role, login, client):
    http = login(role) if role else client
    resp = http.post("/api/obs/bootstrap", json={})
    assert PERMISSIONS["bootstrap_obs"].granted == {"admin"}
    assert resp.status_code == {None: 401, "admin": 503}.get(role, 403)


@pytest.mark.parametrize("role", (None, *ROLES))
def test_director_page(role, login, client, interview):
    http = login(role) if role else client
    resp = http.get(f"/studio/{interview['id']}/director")
    if role is None:
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    elif role in DRIVERS:
        assert resp.status_code == 200
        assert "导播台" in resp.get_data(as_text=True)
    else:
        assert resp.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_onair_socket_action(role, socket_client):
    sc = socket_client("/studio", role)
    ack = sc.emit("obs.onair", {}, callback=True, namespace="/studio")
    if role in PERMISSIONS["see_on_air"].granted:
        assert ack["ok"] is True and ack["state"]["connected"] is False
    else:
        assert ack == {"ok": False, "error": {"code": "forbidden", "message": "当前角色无权执行此操作"}}
