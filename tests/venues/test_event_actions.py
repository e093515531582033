"""verify_action for venues: putting a venue on air (venue.on_air), staff and public."""
from __future__ import annotations

from tests.support.event_apply import verify_action


def _ok(resp, status=(200, 201)):
    assert resp.status_code in status, resp.get_json()
    return resp.get_json()


def test_venue_actions(app, admin, login):
    app.config["HLS_URL"] = "http://127.0.0.1:8080/hls/fangtan.m3u8"
    app.config["RTMP_URL"] = "rtmp://127.0.0.1:1935/live/fangtan"
    iid = _ok(admin.post("/api/interviews", json={"title": "政府开放日·主会场+2", "kind": "open_day",
                                                  "state": "live"}))["id"]
    main = _ok(admin.post(f"/api/interviews/{iid}/venues", json={"name": "主会场"}))
    site = _ok(admin.post(f"/api/interviews/{iid}/venues", json={"name": "分会场一"}))
    director = login("director")
    types = []
    for venue in (site, main, site):
        events, _ = verify_action(app, iid, lambda v=venue: _ok(director.post(
            f"/api/interviews/{iid}/venues/{v['id']}/on-air")))
        types.append([e["type"] for e in events])
    assert types == [["venue.on_air"]] * 3
