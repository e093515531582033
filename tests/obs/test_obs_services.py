"""OBS without OBS: disabled mode, validation, timecodes, markers, the lease, bootstrap's plan."""
from datetime import timedelta

import pytest

from studio.platform.db import Session, utcnow
from studio.platform.events import record_event
from studio.obs import services
from studio.obs.bootstrap import CJK_FONT, STANDARD_SCENES, TEXT_KIND, layout, split_rtmp_url
from studio.recordings import list_markers


def _connected_status(app, **values):
    with app.app_context():
        session = Session()
        status = services.get_status(session)
        status.connected = True
        status.owner_token = "elsewhere"
        status.lease_until = utcnow() + timedelta(seconds=30)
        status.scenes = ["开场", "双人"]
        for key, value in values.items():
            setattr(status, key, value)
        session.commit()


@pytest.fixture
def app_config(app_config):
    app_config["OBS_URL"] = "ws://127.0.0.1:9"
    return app_config


def test_health_follows_the_owners_lease(app, client):
    assert client.get("/healthz").get_json()["obs"] == "disconnected"
    _connected_status(app)
    assert client.get("/healthz").get_json()["obs"] == "connected"
    _connected_status(app, lease_until=utcnow() - timedelta(seconds=1))  # the owner died
    assert client.get("/healthz").get_json()["obs"] == "disconnected"


@pytest.mark.parametrize("path,body,code", [
    ("/api/obs/scene", {"scene_name": "没有的场景"}, "unknown_scene"),
    ("/api/obs/scene", {}, "missing_field"),
    ("/api/obs/record", {"action": "rewind"}, "invalid_action"),
    ("/api/obs/stream", {"action": "pause"}, "invalid_action"),
    ("/api/obs/lower-third", {"guest_id": "1", "visible": True}, "invalid_field"),
    ("/api/obs/lower-third", {"guest_id": 99999, "visible": True}, "guest_not_found"),
    ("/api/obs/question-overlay", {"question_id": 5, "visible": "yes"}, "invalid_field"),
    ("/api/obs/question-overlay", {"question_id": 5, "visible": True, "text": 7}, "invalid_field"),
    ("/api/obs/screenshot", {"width": 5}, "invalid_field"),
])
def test_bad_input_is_a_clear_4xx(app, login, path, body, code):
    _connected_status(app)
    resp = login("director").post(path, json=body)
    assert 400 <= resp.status_code < 500, resp.get_json()
    assert resp.get_json()["error"]["code"] == code


def test_not_json_is_400(app, login):
    _connected_status(app)
    resp = login("director").post("/api/obs/scene", data="x", content_type="text/plain")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_json"


def test_a_command_nobody_executes_times_out_and_is_never_run_later(app, login, monkeypatch):
    monkeypatch.setattr(services, "COMMAND_TIMEOUT_S", 0.3)
    _connected_status(app)
    resp = login("director").post("/api/obs/scene", json={"scene_name": "双人"})
    assert resp.status_code == 504 and resp.get_json()["error"]["code"] == "obs_timeout"
    with app.app_context():
        from studio.obs.models import ObsCommand
        assert [c.state for c in Session().query(ObsCommand)] == ["failed"]


def test_record_timecode_counts_pauses(app):
    with app.app_context():
        status = services.read_status(Session())
        now = utcnow()
        status.record_active, status.record_started_at = True, now - timedelta(seconds=100)
        status.record_paused_total_s = 10.0
        assert services.record_timecode(status, now) == pytest.approx(90)
        status.record_paused, status.record_paused_at = True, now - timedelta(seconds=5)
        assert services.record_timecode(status, now) == pytest.approx(85)
        status.record_active = False
        assert services.record_timecode(status, now) is None


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_studio_events_become_markers_with_the_recording_timecode(app, interview):
    started = utcnow() - timedelta(seconds=42)
    _connected_status(app, record_active=True, record_started_at=started, record_paused_total_s=2.0)
    with app.app_context():
        session = Session()
        record_event(session, interview["id"], "cue.changed", {"index": 2, "card": {"text": "第三张提示卡"}})
        record_event(session, interview["id"], "question.on_air", {"id": 7, "text": "公积金怎么提取？"})
        record_event(session, interview["id"], "interview.updated", {})  # not a marker
        session.commit()
        markers = list_markers(session, interview["id"])
    assert [(m.kind, m.label) for m in markers] == [("cue", "第三张提示卡"), ("question_on_air", "公积金怎么提取？")]
    for marker in markers:
        # The timecode of the event's own time (42 s in, less the 2 s paused; however long the
        # machine took to get there), not of when the marker was written.
        assert marker.record_timecode_s == pytest.approx((marker.at - started).total_seconds() - 2.0, abs=0.01)
        assert 40 <= marker.record_timecode_s < 45
        assert marker.event_seq is not None


def test_question_overlay_uses_the_registered_lookup(app, interview):
    calls = []

    def lookup(session, question_id):
        calls.append(question_id)
        return {"text": "农村医保怎么报销？", "nickname": "山里人"} if question_id == 3 else None

    from studio.platform.signals import question_text

    question_text.connect(lookup)  # moderation's receiver answers None for 3 and 4 (no such rows)
    try:
        with app.app_context():
            kind, payload = services.question_overlay_command(Session(), {"question_id": 3, "visible": True})
            assert payload["text"] == "农村医保怎么报销？" and payload["nickname"] == "山里人"
            with pytest.raises(Exception) as err:
                services.question_overlay_command(Session(), {"question_id": 4, "visible": True})
            assert err.value.code == "question_not_found"
    finally:
        question_text.disconnect(lookup)


def test_stream_snapshot_only_for_the_interview_on_air(app, admin, interview):
    _connected_status(app, stream_active=True)
    with app.app_context():
        from studio.platform.models import Interview
        assert services.stream_snapshot(Session(), Session().get(Interview, interview["id"]), "public")["active"] is False
    admin.post(f"/api/interviews/{interview['id']}/state", json={"state": "live"})
    with app.app_context():
        from studio.platform.models import Interview
        assert services.stream_snapshot(Session(), Session().get(Interview, interview["id"]), "public")["active"] is True


def test_rtmp_url_splits_into_server_and_key():
    assert split_rtmp_url("rtmp://127.0.0.1:1935/live/fangtan") == ("rtmp://127.0.0.1:1935/live", "fangtan")
    with pytest.raises(ValueError):
        split_rtmp_url("http://example/live")


def test_layout_has_the_standard_scenes_and_cjk_text():
    plan = layout(640, 360)
    assert set(STANDARD_SCENES) <= set(plan)
    texts = [item for items in plan.values() for item in items if item.kind == TEXT_KIND]
    assert texts and all(item.settings["font"]["face"] == CJK_FONT for item in texts)
