"""PUT/GET /api/interviews/<id>/caption-timings: stored as typed and in order, bad input a clear
400, publishers only; publishing's caption builder takes the timed lines (with an end) through the cut."""
from __future__ import annotations

import pytest

from studio.platform.models import ROLES
from studio.policy.permissions import PERMISSIONS


@pytest.fixture
def explainer(admin):
    return admin.post("/api/interviews", json={"title": "政策解读", "kind": "policy_video"}).get_json()


def test_stored_as_typed_with_the_script_lines(login, explainer):
    iid = explainer["id"]
    assert login("host").put(f"/api/interviews/{iid}/script", data="第一句。第二句！\n第三句".encode(),
                             headers={"Content-Type": "text/plain; charset=utf-8"}).status_code == 200
    publisher = login("publisher")
    got = publisher.get(f"/api/interviews/{iid}/caption-timings").get_json()
    assert got["lines"] == [] and got["script_lines"] == ["第一句。", "第二句！", "第三句"]
    lines = [{"text": "第一句。", "start_s": 1.25}, {"text": "第二句！", "start_s": 3, "end_s": 4.5}]
    resp = publisher.put(f"/api/interviews/{iid}/caption-timings", json={"lines": lines})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["lines"] == [{"text": "第一句。", "start_s": 1.25, "end_s": None},
                                        {"text": "第二句！", "start_s": 3.0, "end_s": 4.5}]
    assert publisher.get(f"/api/interviews/{iid}/caption-timings").get_json()["revision"] == 1


@pytest.mark.parametrize("body, code", [
    ({}, "invalid_json"), ({"lines": "x"}, "invalid_json"),
    ({"lines": [{"text": "", "start_s": 1}]}, "missing_field"),
    ({"lines": [{"text": "a", "start_s": -1}]}, "invalid_field"),
    ({"lines": [{"text": "a", "start_s": "1"}]}, "invalid_field"),
    ({"lines": [{"text": "a", "start_s": True}]}, "invalid_field"),
    ({"lines": [{"text": "a", "start_s": 2, "end_s": 1}]}, "invalid_field"),
    ({"lines": [{"text": "a", "start_s": 2}, {"text": "b", "start_s": 1}]}, "unordered_lines"),
])
def test_bad_input_is_a_clear_400(login, explainer, body, code):
    resp = login("publisher").put(f"/api/interviews/{explainer['id']}/caption-timings", json=body)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == code


@pytest.mark.parametrize("role", [*ROLES, None])
def test_permission_matrix(app, login, explainer, role):
    client = login(role) if role else app.test_client()
    url = f"/api/interviews/{explainer['id']}/caption-timings"
    body = {"lines": [{"text": "一句", "start_s": 0}]}
    for method in ("GET", "PUT"):
        resp = client.open(method, url, json=body) if role else client.open(url, method=method, json=body)
        if role in PERMISSIONS["time_captions"].granted:
            assert resp.status_code == 200, (role, method)
        else:
            assert resp.status_code == (401 if role is None else 403), (role, method)


def test_timed_lines_go_through_the_cut_with_their_end():
    from publishing.captions import build_caption_cues

    cues = build_caption_cues([{"t": 1.0, "end": 1.5, "text": "甲"}, {"t": 4.5, "text": "乙"}],
                              [[0.0, 2.0], [4.0, 10.0]], 8.0)
    assert [(round(c.start, 3), round(c.end, 3), c.text) for c in cues] == [(1.0, 1.5, "甲"), (2.5, 4.5, "乙")]
