"""Open day registration: the cap and the deadline, review with a waitlist promoted when an
accepted one is declined, phones never public, the door list as XLSX, rate limits, clear errors."""
from __future__ import annotations

import io

from .conftest import apply


def _fresh(app):
    return app.test_client()  # a new device (no cookie): one person each


def test_cap_and_waitlist_promotion(app, admin, open_day):
    iid = open_day["id"]
    assert admin.patch(f"/api/interviews/{iid}/openday", json={"capacity": 2}).status_code == 200
    ids = []
    for n in range(4):
        resp = apply(_fresh(app), iid, n)
        assert resp.status_code == 201, resp.get_json()
        ids.append(resp.get_json()["id"])
    review = lambda aid, decision, reason="": admin.post(f"/api/registrations/{aid}/review",
                                                          json={"decision": decision, "reason": reason})
    assert review(ids[0], "accept").status_code == 200
    assert review(ids[1], "accept").status_code == 200
    # The cap: a third acceptance is refused, and the public form is closed as full.
    resp = review(ids[2], "accept")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "capacity_reached"
    resp = apply(_fresh(app), iid, 9)
    assert resp.status_code == 403 and resp.get_json()["error"] == {"code": "registration_full", "message": "名额已满"}
    assert review(ids[3], "waitlist").status_code == 200
    assert review(ids[2], "waitlist").status_code == 200
    # A decline needs its reason.
    resp = review(ids[0], "decline")
    assert resp.status_code == 400 and resp.get_json()["error"]["field"] == "reason"
    resp = review(ids[0], "decline", "当天无法到场")
    changed = resp.get_json()["changed"]
    # The earliest waitlisted one (ids[2] applied before ids[3]) takes the freed place.
    assert [(a["id"], a["status"]) for a in changed] == [(ids[0], "declined"), (ids[2], "accepted")]
    listed = admin.get(f"/api/interviews/{iid}/registrations?status=accepted").get_json()
    assert sorted(a["id"] for a in listed["registrations"]) == sorted([ids[1], ids[2]])
    assert listed["registrations"][0]["phone"].startswith("139")


def test_deadline_enforced(app, admin, open_day):
    iid = open_day["id"]
    admin.patch(f"/api/interviews/{iid}/openday", json={"registration_closes_at": "2024-09-10T18:00:00+08:00"})
    resp = apply(_fresh(app), iid, 1)
    assert resp.status_code == 403 and resp.get_json()["error"] == {"code": "registration_closed", "message": "报名已截止"}
    admin.patch(f"/api/interviews/{iid}/openday", json={"registration_closes_at": "2099-09-10T18:00:00+08:00"})
    assert apply(_fresh(app), iid, 1).status_code == 201


def test_clear_errors_and_one_application_per_phone(app, client, open_day):
    iid = open_day["id"]
    cases = (({"phone": "12345"}, "invalid_phone"), ({"identity_group": "外星人"}, "invalid_identity_group"),
             ({"name": ""}, "missing_field"))
    for extra, code in cases:
        resp = apply(_fresh(app), iid, 1, **extra)
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == code, resp.get_json()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in resp.get_json()["error"]["message"])
    assert apply(_fresh(app), iid, 1).status_code == 201
    # Full-width digits are the same phone.
    resp = apply(_fresh(app), iid, 1, phone="１３９０００００００１")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "already_registered"
    # Not JSON, or from another site: refused like the question form.
    resp = client.post(f"/api/interviews/{iid}/registrations", data="name=x", content_type="text/plain")
    assert resp.status_code == 415
    resp = client.post(f"/api/interviews/{iid}/registrations", json={}, headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "origin_refused"


def test_rate_limited_per_client(app, open_day):
    app.config["QUESTION_RATE_LIMIT"] = "2/minute"
    iid = open_day["id"]
    one = _fresh(app)
    assert apply(one, iid, 1).status_code == 201
    assert apply(one, iid, 2).status_code == 201
    resp = apply(one, iid, 3)
    assert resp.status_code == 429 and resp.get_json()["error"]["code"] == "rate_limited"


def test_phones_never_public_and_door_list_xlsx(app, admin, client, open_day, socket_client):
    from openpyxl import load_workbook

    iid = open_day["id"]
    viewer = socket_client("/live")
    viewer.emit("join", {"interview_id": iid}, namespace="/live", callback=True)
    aid = apply(_fresh(app), iid, 7, name="=HYPERLINK(\"x\")").get_json()["id"]
    admin.post(f"/api/registrations/{aid}/review", json={"decision": "accept"})
    public = [client.get(f"/api/interviews/{iid}/openday"), client.get(f"/api/interviews/{iid}"),
              client.get(f"/api/interviews/{iid}/events"), client.get(f"/i/{iid}/signup")]
    for resp in public:
        assert resp.status_code == 200
        assert "13900000007" not in resp.get_data(as_text=True)
    assert "13900000007" not in repr(viewer.get_received("/live"))
    staff_events = admin.get(f"/api/interviews/{iid}/events").get_data(as_text=True)
    assert "openday.application_submitted" in staff_events and "13900000007" not in staff_events
    resp = admin.get(f"/api/interviews/{iid}/registrations.xlsx")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "姓名", "手机号", "身份类别")
    assert rows[1][1] == "'=HYPERLINK(\"x\")" and rows[1][2] == "13900000007"


def test_only_an_open_day_takes_registrations(app, interview):
    resp = apply(_fresh(app), interview["id"], 1)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "registration_not_open"
