"""With no OBS_URL the app runs and every OBS answer says so."""


def test_without_obs_url_everything_answers_clearly(login, client):
    assert client.get("/healthz").get_json()["obs"] == "disabled"
    state = login("director").get("/api/obs").get_json()
    assert state["enabled"] is False and state["connected"] is False and state["scenes"] == []
    resp = login("director").post("/api/obs/scene", json={"scene_name": "双人"})
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "obs_disabled"


def test_director_page_says_obs_is_not_configured(login, interview):
    page = login("director").get(f"/studio/{interview['id']}/director").get_data(as_text=True)
    assert "未配置 OBS" in page
