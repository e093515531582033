"""verify_action for the interviews and OBS areas: snapshot + the events an action recorded ==
a fresh snapshot, for the staff and the public audience (tests/support/event_apply.py)."""
from __future__ import annotations

from tests.support.event_apply import verify_action


def _ok(resp, status=200):
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def test_interview_actions(app, admin, login, interview):
    iid = interview["id"]
    director = login("director")
    seen = []

    def run(action, audiences=("staff", "public")):
        events, _ = verify_action(app, iid, action, audiences)
        seen.append([e["type"] for e in events])

    run(lambda: _ok(admin.patch(f"/api/interviews/{iid}", json={
        "title": "全民消防安全宣传教育（第二期）", "hosts": ["张敏", "刘洋"],
        "guests": [{"name": "王建国", "title": "消防大队大队长"}]})))
    run(lambda: _ok(director.post(f"/api/interviews/{iid}/state", json={"state": "live"})))
    run(lambda: _ok(admin.patch(f"/api/interviews/{iid}", json={"topic": "冬季防火"})))
    run(lambda: _ok(director.post(f"/api/interviews/{iid}/state", json={"state": "ended"})))
    run(lambda: _ok(admin.post(f"/api/interviews/{iid}/state", json={"state": "live"})))  # resumed
    run(lambda: _ok(director.post(f"/api/interviews/{iid}/state", json={"state": "ended"})))
    run(lambda: _ok(admin.post(f"/api/interviews/{iid}/state", json={"state": "published"})))
    assert seen == [["interview.updated"], ["interview.state_changed"], ["interview.updated"],
                    ["interview.state_changed"], ["interview.state_changed"], ["interview.state_changed"],
                    ["interview.state_changed"]]


def test_obs_state_and_stream_actions(app, admin, login, interview):
    """obs.state through the service that records it (what the OBS owner calls after every
    change), and stream.state as the owner records it: no OBS needed. The owner's translation of
    OBS's own events is exercised against a real OBS in tests/obs."""
    from studio.obs import services
    from studio.platform.db import Session, utcnow
    from studio.platform.events import record_event

    iid = interview["id"]
    _ok(login("director").post(f"/api/interviews/{iid}/state", json={"state": "live"}))
    app.config["HLS_URL"] = "http://127.0.0.1:8080/hls/fangtan.m3u8"
    app.config["OBS_URL"] = "ws://127.0.0.1:9"  # configured (the snapshot says enabled); no owner runs in tests

    def change(**fields):
        def action():
            with app.app_context():
                session = Session()
                status = services.read_status(session)
                if status not in session:
                    session.add(status)  # the owner's row, written before its first event
                for key, value in fields.items():
                    setattr(status, key, value)
                status.updated_at = utcnow()
                services.record_obs_state(session, status)
                if "stream_active" in fields:
                    record_event(session, iid, "stream.state", services.stream_state_json(status, app.config["HLS_URL"]))
                session.commit()
        return action

    events, _ = verify_action(app, iid, change(program_scene="嘉宾特写", scenes=["主持人", "嘉宾特写"]))
    assert [e["type"] for e in events] == ["obs.state"]
    events, _ = verify_action(app, iid, change(stream_active=True, stream_started_at=utcnow()))
    assert [e["type"] for e in events] == ["obs.state", "stream.state"]
    events, _ = verify_action(app, iid, change(stream_active=False, stream_started_at=None))
    assert [e["type"] for e in events] == ["obs.state", "stream.state"]
