"""Hostile input on the core endpoints: invalid JSON, wrong types, 1 MB bodies, control
characters, deep nesting, huge ids, markup in titles. Always a clear 4xx JSON error (never a
500), nothing half-saved, and markup rendered as text."""
from __future__ import annotations

import pytest

MB = 1024 * 1024
# Just under the request body limit (MAX_REQUEST_KB = 1 MB): the field's own limit must answer.
NEARLY_MB = MB - 1024


def assert_clear_4xx(resp, status=400):
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    error = resp.get_json()["error"]
    assert error["code"] and error["message"]
    return error


WRITE_ENDPOINTS = [
    ("POST", "/api/interviews"),
    ("PATCH", "/api/interviews/{iid}"),
    ("POST", "/api/interviews/{iid}/state"),
    ("POST", "/api/users"),
    ("PATCH", "/api/users/{other}"),
]
NOT_JSON_OBJECTS = ["{bad json", "", "null", "[]", '"text"', "123", "[" * 50_000, '{"a":' * 50_000, "\x00\x01"]


@pytest.fixture
def ids(interview, users):
    return {"iid": interview["id"], "other": users["publisher"]}


@pytest.mark.parametrize("method,url", WRITE_ENDPOINTS)
def test_bodies_that_are_not_a_json_object(admin, ids, method, url):
    for body in NOT_JSON_OBJECTS:
        resp = admin.open(method, url.format(**ids), data=body, content_type="application/json")
        assert_clear_4xx(resp)
    resp = admin.open(method, url.format(**ids), data='{"title": "x"}', content_type="text/plain")
    assert_clear_4xx(resp)


def test_login_with_hostile_bodies(client, users):
    for body in NOT_JSON_OBJECTS:
        assert_clear_4xx(client.post("/api/session", data=body, content_type="application/json"))
    huge = client.post("/api/session", json={"username": "x" * (MB // 2 - 100), "password": "y" * (MB // 2 - 100)})
    assert_clear_4xx(huge, 401)
    # Over the request body limit: refused from its Content-Length, before anything parses it.
    too_big = client.post("/api/session", json={"username": "x" * MB, "password": "y" * MB})
    assert assert_clear_4xx(too_big, 413)["code"] == "too_large"


BAD_INTERVIEW_FIELDS = [
    {"title": 123}, {"title": ["x"]}, {"title": {"x": 1}}, {"title": ""}, {"title": None},
    {"title": "x" * NEARLY_MB}, {"title": "a\x00b"}, {"title": "a\x1b[31mb"}, {"title": "line\nbreak"},
    {"notes": "n" * NEARLY_MB}, {"description": "d" * NEARLY_MB}, {"topic": 5},
    {"scheduled_at": 123}, {"scheduled_at": "not a date"}, {"scheduled_at": "2024-13-40T99:00"},
    {"scheduled_at": "0001-01-01T00:00:00+08:00"}, {"scheduled_at": ["2024-05-01"]},
    {"questions_open_at": "2024-05-02T10:00", "questions_close_at": "2024-05-01T10:00"},
    {"year": "2024"}, {"year": True}, {"year": 99999}, {"year": 2024.5},
    {"scheduled_month": 13}, {"scheduled_month": "4"}, {"scheduled_month": 0},
    {"units": "消防大队"}, {"units": [1]}, {"units": [{"name": 5}]}, {"units": [{"name": "a", "is_lead": "yes"}]},
    {"units": [{"name": "a" * 201}]}, {"units": [{"name": f"单位{n}"} for n in range(31)]},
    {"units": [{"name": "甲", "is_lead": True}, {"name": "乙", "is_lead": True}]}, {"units": ["甲\x07"]},
    {"guests": "x"}, {"guests": [1]}, {"guests": [{"name": ""}]}, {"guests": [{"title": "无名"}]},
    {"guests": [{"id": "1", "name": "x"}]}, {"guests": [{"id": [1], "name": "x"}]},
    {"guests": [{"name": "x", "photo_image_id": "1"}]}, {"guests": [{"name": "x", "photo_image_id": 424242}]},
    {"guests": [{"name": "x", "photo_image_id": 10 ** 30}]}, {"guests": [{"name": "x", "bio": "b" * 2001}]},
    {"guests": [{"name": f"嘉宾{n}"} for n in range(31)]},
    {"hosts": "张敏"}, {"hosts": [1]}, {"hosts": ["x" * 121]}, {"hosts": ["主持\x00人"]},
    {"liaison_phone": 13800000000}, {"liaison_email": "e" * 201}, {"liaison_email": "not-an-email@@"},
]


def test_wrong_types_and_sizes_when_editing_an_interview(admin, interview):
    before = admin.get(f"/api/interviews/{interview['id']}").get_json()
    for body in BAD_INTERVIEW_FIELDS:
        resp = admin.patch(f"/api/interviews/{interview['id']}", json=body)
        assert_clear_4xx(resp)
    after = admin.get(f"/api/interviews/{interview['id']}").get_json()
    assert after == before  # nothing half-saved


def test_wrong_types_and_sizes_when_creating_an_interview(admin):
    for body in BAD_INTERVIEW_FIELDS:
        body = {"title": "有效标题", **body} if "title" not in body else body
        assert_clear_4xx(admin.post("/api/interviews", json=body))
    assert admin.get("/api/interviews").get_json()["interviews"] == []


@pytest.mark.parametrize("body", [{"state": 5}, {"state": "flying"}, {"state": None}, {}, {"state": ["live"]}])
def test_bad_state_changes(admin, interview, body):
    assert_clear_4xx(admin.post(f"/api/interviews/{interview['id']}/state", json=body))


def test_impossible_transition_is_a_409(admin, interview):
    error = assert_clear_4xx(admin.post(f"/api/interviews/{interview['id']}/state", json={"state": "published"}), 409)
    assert error["code"] == "invalid_transition"


def test_multiline_fields_keep_line_breaks(admin, interview):
    resp = admin.patch(f"/api/interviews/{interview['id']}", json={"notes": "第一行\n第二行\t缩进", "description": "a\r\nb"})
    assert resp.status_code == 200 and resp.get_json()["notes"] == "第一行\n第二行\t缩进"


@pytest.mark.parametrize("url", [
    "/api/interviews/99999999999999999999999", "/api/interviews/99999999999999999999999/events",
    "/api/interviews/99999999999999999999999/snapshot", "/admin/interviews/99999999999999999999999",
    "/api/interviews/424242",
])
def test_ids_that_name_nothing_are_404(admin, url):
    assert_clear_4xx(admin.get(url), 404)


@pytest.mark.parametrize("after,status", [("-1", 400), ("abc", 400), ("1e3", 400), ("99999999999999999999", 410)])
def test_bad_event_cursors(client, interview, after, status):
    assert_clear_4xx(client.get(f"/api/interviews/{interview['id']}/events?after={after}"), status)


@pytest.mark.parametrize("query", ["year=abc", "year=99999999999999999999", "state=<script>", "state=flying"])
def test_bad_list_filters(admin, query):
    resp = admin.get(f"/api/interviews?{query}")
    assert resp.status_code in (200, 400) and resp.is_json
    assert admin.get(f"/admin/?{query}").status_code == 200


@pytest.mark.parametrize("payload", ["string", 5, [1], {"interview_id": "1"}, {"interview_id": True},
                                     {"interview_id": 10 ** 30}, {"interview_id": -1},
                                     {"interview_id": 1, "last_seq": "x"}, {"interview_id": 1, "last_seq": -5},
                                     {"interview_id": 1, "last_seq": 10 ** 30}])
@pytest.mark.parametrize("namespace,role", [("/live", None), ("/studio", "admin")])
def test_hostile_socket_join_gets_an_error_ack(socket_client, interview, payload, namespace, role):
    sock = socket_client(namespace, role=role)
    ack = sock.emit("join", payload, callback=True, namespace=namespace)
    assert ack["ok"] is False and ack["error"]["code"], ack


def test_markup_in_titles_is_rendered_as_text(admin, interview):
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    resp = admin.patch(f"/api/interviews/{interview['id']}", json={
        "title": hostile, "units": [{"name": "<b>单位</b>", "is_lead": True}],
        "guests": [{"name": "<i>嘉宾</i>", "title": "\"><script>x</script>", "bio": "</textarea><script>y</script>"}],
        "notes": "</textarea><script>z</script>", "liaison_name": '"><svg onload=alert(3)>'})
    assert resp.status_code == 200 and resp.get_json()["title"] == hostile  # stored as typed
    for url in ("/admin/", f"/admin/interviews/{interview['id']}"):
        html = admin.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
        assert "<script>x</script>" not in html and "<script>y</script>" not in html and "<script>z</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "\\u003cscript\\u003ealert(1)" in html
    edit = admin.get(f"/admin/interviews/{interview['id']}").get_data(as_text=True)
    assert "&lt;/textarea&gt;&lt;script&gt;z&lt;/script&gt;" in edit  # inside the notes textarea, as text


def test_markup_in_account_names_is_rendered_as_text(admin):
    resp = admin.post("/api/users", json={"username": "<script>u</script>", "display_name": "<img src=x onerror=1>",
                                          "password": "long-enough-1", "role": "host"})
    assert resp.status_code == 201
    html = admin.get("/admin/users").get_data(as_text=True)
    assert "<script>u</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;u&lt;/script&gt;" in html


def test_plan_import_with_hostile_form_fields(admin):
    import io
    for form in ({"file": "not a file", "year": "2024"},
                 {"file": (io.BytesIO(b"x"), "p.csv"), "year": "2024" * 1000},
                 {"file": (io.BytesIO("序号,访谈主题,责任单位,访谈时间\n1,<script>,局,4月\n".encode()), "../../etc/passwd"),
                  "year": "2024", "dry_run": "1"}):
        resp = admin.post("/api/plans/import", data=form, content_type="multipart/form-data")
        assert resp.status_code in (200, 400) and resp.is_json
