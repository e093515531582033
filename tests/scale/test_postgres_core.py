"""The core (interviews, the event log, resume, healthz) run unchanged on PostgreSQL.

Every test of tests/test_interviews.py and tests/test_events.py is collected here again, with
this module's `app_config`, which points DATABASE_URL at a fresh PostgreSQL database per test;
a test added there runs here too.
"""
import pytest

from tests import test_events, test_interviews


def _core_tests() -> dict:
    """The test functions of those modules, and any fixtures of their own they rely on."""
    tests = {}
    for module in (test_interviews, test_events):
        for name, obj in vars(module).items():
            is_fixture = hasattr(obj, "_fixture_function_marker")
            if (name.startswith("test_") and callable(obj)) or (is_fixture and name != "app_config"):
                assert name not in tests, f"two core tests or fixtures named {name}"
                tests[name] = obj
    return tests


globals().update(_core_tests())

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


@pytest.fixture
def app_config(app_config, postgres_url):
    return {**app_config, "DATABASE_URL": postgres_url}


def test_app_runs_on_postgresql(app):
    from studio.platform.db import get_engine

    assert get_engine().dialect.name == "postgresql"


def test_healthz_on_postgresql(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok", "obs": "disabled"}


def test_interview_round_trip_on_postgresql(admin, client, interview):
    from studio.platform.timefmt import parse_iso

    iid = interview["id"]
    # aware datetimes keep their instant through timestamptz, and come back in the studio's zone
    assert parse_iso(interview["scheduled_at"], "scheduled_at") == parse_iso("2024-04-15T09:30:00+08:00", "x")
    assert interview["scheduled_at"].endswith("+08:00")
    assert [(u["name"], u["is_lead"]) for u in interview["units"]] == [("消防大队", True), ("江浦街道", False)]
    assert [g["name"] for g in interview["guests"]] == ["王建国", "李芳"]

    resp = admin.patch(f"/api/interviews/{iid}", json={
        "title": "消防安全进万家", "guests": [{"id": interview["guests"][1]["id"], "name": "李芳"},
                                             {"name": "陈刚", "title": "应急管理局局长"}],
        "units": [{"name": "应急管理局"}, {"name": "消防大队", "is_lead": True}]})
    assert resp.status_code == 200, resp.get_json()
    changed = resp.get_json()
    assert [g["name"] for g in changed["guests"]] == ["李芳", "陈刚"]
    assert [(u["name"], u["is_lead"]) for u in changed["units"]] == [("应急管理局", False), ("消防大队", True)]

    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "live"}).status_code == 200
    public = client.get(f"/api/interviews/{iid}").get_json()
    assert public["title"] == "消防安全进万家" and public["state"] == "live" and public["started_at"]
    assert "liaison_phone" not in public
    listed = client.get("/api/interviews?state=live").get_json()["interviews"]
    assert [i["id"] for i in listed] == [iid]

    events = client.get(f"/api/interviews/{iid}/events?after=0").get_json()
    assert [e["type"] for e in events["events"]] == [
        "interview.state_changed", "interview.updated", "interview.state_changed"]
    assert events["last_seq"] == 3


def test_bad_input_is_a_4xx_on_postgresql(admin, interview):
    iid = interview["id"]
    assert admin.patch(f"/api/interviews/{iid}", json={"scheduled_at": "不是日期"}).status_code == 400
    assert admin.patch(f"/api/interviews/{iid}", json={"title": "x" * 301}).status_code == 400
    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "published"}).status_code == 409
    # NUL is valid JSON but PostgreSQL text cannot hold it: it must be refused, not a 500
    resp = admin.patch(f"/api/interviews/{iid}", json={"notes": "a\u0000b"})
    assert resp.status_code < 500, resp.get_json()
