"""Interview services and API: fields, units with the ★ lead, guests, state transitions and
the events each change records in the same transaction."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from studio.platform.db import Session
from studio.platform.models import Event
from studio.interviews import TRANSITIONS


def events(client, iid, after=0):
    return client.get(f"/api/interviews/{iid}/events?after={after}").get_json()["events"]


def test_create_returns_every_field(admin, interview):
    assert interview["state"] == "preview" and interview["year"] == 2024 and interview["scheduled_month"] == 4
    assert interview["scheduled_at"] == "2024-04-15T09:30:00.000+08:00"
    assert [(u["name"], u["is_lead"]) for u in interview["units"]] == [("消防大队", True), ("江浦街道", False)]
    assert [g["name"] for g in interview["guests"]] == ["王建国", "李芳"]
    assert interview["hosts"] == ["张敏"] and interview["liaison_email"] == "zhao@example.gov.cn"


def test_units_accept_star_names_and_default_lead(admin):
    made = admin.post("/api/interviews", json={"title": "t", "units": ["工信局", "高新区★"]}).get_json()
    assert [(u["name"], u["is_lead"]) for u in made["units"]] == [("工信局", False), ("高新区", True)]
    again = admin.patch(f"/api/interviews/{made['id']}", json={"units": ["甲", "乙", "甲"]}).get_json()
    assert [(u["name"], u["is_lead"]) for u in again["units"]] == [("甲", True), ("乙", False)]  # first leads, no dupes
    # units are shared by name across interviews
    other = admin.post("/api/interviews", json={"title": "u", "units": ["甲"]}).get_json()
    assert other["units"][0]["id"] == again["units"][0]["id"]


def test_guests_keep_ids_when_edited_and_reordered(admin, interview):
    wang, li = interview["guests"]
    resp = admin.patch(f"/api/interviews/{interview['id']}", json={"guests": [
        {"id": li["id"], "name": "李芳", "title": "江浦街道主任", "bio": ""},
        {"id": wang["id"], "name": "王建国", "title": wang["title"], "bio": wang["bio"]},
        {"name": "新嘉宾", "title": "", "bio": "新来的"}]})
    guests = resp.get_json()["guests"]
    assert [g["id"] for g in guests[:2]] == [li["id"], wang["id"]] and guests[0]["title"] == "江浦街道主任"
    assert guests[2]["id"] not in (li["id"], wang["id"]) and guests[2]["bio"] == "新来的"
    dropped = admin.patch(f"/api/interviews/{interview['id']}", json={"guests": [guests[2]]}).get_json()
    assert [g["name"] for g in dropped["guests"]] == ["新嘉宾"]


def test_schedule_date_or_month_and_question_window(admin, interview):
    iid = interview["id"]
    month_only = admin.patch(f"/api/interviews/{iid}", json={"scheduled_at": None, "scheduled_month": 6}).get_json()
    assert month_only["scheduled_at"] is None and month_only["scheduled_month"] == 6
    exact = admin.patch(f"/api/interviews/{iid}", json={
        "scheduled_at": "2024-06-20T14:30", "scheduled_month": 6,
        "questions_open_at": "2024-05-20T00:00", "questions_close_at": "2024-06-19T18:00"}).get_json()
    assert exact["scheduled_at"] == "2024-06-20T14:30:00.000+08:00"  # local time without offset = studio zone
    assert exact["questions_close_at"] == "2024-06-19T18:00:00.000+08:00"


def test_edits_record_a_public_event_without_staff_fields(admin, client, interview):
    iid = interview["id"]
    before = admin.get(f"/api/interviews/{iid}").get_json()["last_seq"]
    admin.patch(f"/api/interviews/{iid}", json={"title": "新标题", "notes": "内部备注"})
    new = [e for e in events(client, iid, before)]
    assert [e["type"] for e in new] == ["interview.updated"]
    assert new[0]["data"]["title"] == "新标题" and "notes" not in new[0]["data"]


def test_state_transitions_follow_the_table(admin, interview):
    iid = interview["id"]
    path = ["live", "ended", "live", "ended", "published"]
    for state in path:
        resp = admin.post(f"/api/interviews/{iid}/state", json={"state": state})
        assert resp.status_code == 200 and resp.get_json()["state"] == state
    body = resp.get_json()
    assert body["started_at"] and body["ended_at"]
    # Leaving published is the publisher's unpublish (issue 16.6), not a state change here.
    for state in ("ended", "planned"):
        assert admin.post(f"/api/interviews/{iid}/state", json={"state": state}).status_code == 409


@pytest.mark.parametrize("state,targets", sorted(TRANSITIONS.items()))
def test_transition_table_is_closed(state, targets):
    assert targets <= set(TRANSITIONS)


def test_starting_and_ending_the_live_are_events_in_order(admin, client, interview, login):
    iid = interview["id"]
    before = admin.get(f"/api/interviews/{iid}").get_json()["last_seq"]
    director = login("director")
    assert director.post(f"/api/interviews/{iid}/state", json={"state": "live"}).status_code == 200
    assert login("host").post(f"/api/interviews/{iid}/state", json={"state": "ended"}).status_code == 200
    new = events(client, iid, before)
    assert [(e["type"], e["data"]["from"], e["data"]["state"]) for e in new] == [
        ("interview.state_changed", "preview", "live"), ("interview.state_changed", "live", "ended")]
    assert new[1]["seq"] == new[0]["seq"] + 1


def test_studio_roles_may_only_start_and_end(login, interview):
    resp = login("director").post(f"/api/interviews/{interview['id']}/state", json={"state": "planned"})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden_transition"


def test_state_change_reaches_studio_sockets(app, admin, interview, socket_client):
    sock = socket_client("/studio", role="moderator")
    assert sock.emit("join", {"interview_id": interview["id"]}, callback=True, namespace="/studio")["ok"]
    admin.post(f"/api/interviews/{interview['id']}/state", json={"state": "live"})
    received = [p["args"][0] for p in sock.get_received("/studio") if p["name"] == "event"]
    assert [e["data"]["state"] for e in received if e["type"] == "interview.state_changed"] == ["live"]


def test_list_filters_by_year_and_state(admin, interview):
    admin.post("/api/interviews", json={"title": "2025 计划", "year": 2025})
    assert [i["title"] for i in admin.get("/api/interviews?year=2025").get_json()["interviews"]] == ["2025 计划"]
    assert [i["id"] for i in admin.get("/api/interviews?state=preview").get_json()["interviews"]] == [interview["id"]]
    assert admin.get("/api/interviews?state=bogus").status_code == 400


def test_list_year_that_is_not_a_number_filters_nothing(admin, interview):
    """As request.args.get("year", type=int) read it: year=abc (or empty) is no filter; out of range is a 400."""
    admin.post("/api/interviews", json={"title": "2025 计划", "year": 2025})
    everything = admin.get("/api/interviews").get_json()["interviews"]
    assert len(everything) == 2
    assert admin.get("/api/interviews?year=abc").get_json()["interviews"] == everything
    assert admin.get("/api/interviews?year=&state=").get_json()["interviews"] == everything
    assert admin.get("/api/interviews?year=1800").get_json()["error"]["code"] == "invalid_field"
    assert admin.get("/api/interviews?state=bogus").get_json()["error"]["code"] == "invalid_state"


def test_admin_list_page_filters_and_shows_the_lead(admin, interview):
    admin.post("/api/interviews", json={"title": "二〇二五年的访谈", "year": 2025})
    html = admin.get("/admin/?year=2024").get_data(as_text=True)
    assert "全民消防安全宣传教育" in html and "二〇二五年的访谈" not in html
    assert "消防大队<span class=\"star\"" in html
    assert "二〇二五年的访谈" in admin.get("/admin/?state=planned").get_data(as_text=True)
    assert "全民消防安全宣传教育" not in admin.get("/admin/?state=planned").get_data(as_text=True)


def test_edit_page_carries_every_field(admin, interview):
    html = admin.get(f"/admin/interviews/{interview['id']}").get_data(as_text=True)
    for text in ('value="全民消防安全宣传教育"', 'value="2024-04-15T09:30"', 'value="赵强"', 'value="13800000000"',
                 'value="zhao@example.gov.cn"', 'value="张敏"', 'data-state="live"', 'id="interview-data"',
                 "/studio/%d/director" % interview["id"]):
        assert text in html, text
    assert 'data-state="ended"' not in html  # a preview cannot be ended


def test_changes_roll_back_together(app, admin, interview):
    """A failing part of a PATCH leaves no other part saved and no event behind."""
    iid = interview["id"]
    before = admin.get(f"/api/interviews/{iid}").get_json()
    resp = admin.patch(f"/api/interviews/{iid}", json={"title": "改了", "guests": [{"name": ""}]})
    assert resp.status_code == 400
    assert admin.get(f"/api/interviews/{iid}").get_json() == before
    with app.app_context():
        count = Session().scalar(select(func.count()).select_from(Event).where(Event.interview_id == iid))
    assert count == before["last_seq"]


def test_only_planned_interviews_can_be_deleted(admin, interview):
    planned = admin.post("/api/interviews", json={"title": "导入错了", "units": ["甲"]}).get_json()
    admin.patch(f"/api/interviews/{planned['id']}", json={"notes": "an event exists now"})
    assert admin.delete(f"/api/interviews/{planned['id']}").status_code == 200
    assert admin.get(f"/api/interviews/{planned['id']}").status_code == 404
    refused = admin.delete(f"/api/interviews/{interview['id']}")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_deletable"
    assert admin.get(f"/api/interviews/{interview['id']}").status_code == 200


# ---- who may move an interview where through POST …/state (16.6, 8.9) ---------------------------

STATES = ("planned", "preview", "live", "ended", "published")
STUDIO_MAY = {("planned", "live"), ("preview", "live"), ("live", "ended"), ("ended", "live")}
ADMIN_MAY = STUDIO_MAY | {("planned", "preview"), ("preview", "planned"), ("ended", "published")}


def _interview_in(app, state: str) -> int:
    from studio.platform.db import Session
    from studio.interviews import change_state, create_interview

    path = {"planned": [], "preview": ["preview"], "live": ["live"], "ended": ["live", "ended"],
            "published": ["live", "ended", "published"]}[state]
    with app.app_context():
        session = Session()
        interview = create_interview(session, {"title": f"矩阵（{state}）"})
        for step in path:
            change_state(session, interview, step)
        session.commit()
        return interview.id


@pytest.mark.parametrize("role", ["admin", "director", "host", "moderator", "feed_editor", "publisher"])
def test_state_permission_matrix(app, login, role):
    client = login(role)
    for start in STATES:
        for target in STATES:
            iid = _interview_in(app, start)
            resp = client.post(f"/api/interviews/{iid}/state", json={"state": target})
            now = client.get(f"/api/interviews/{iid}").get_json()["state"] if resp.status_code != 403 \
                or role in ("admin", "director", "host") else None
            label = (role, start, target, resp.status_code, resp.get_json())
            if role not in ("admin", "director", "host"):
                assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden", label
                continue
            allowed = ADMIN_MAY if role == "admin" else STUDIO_MAY
            targets = {t for _, t in allowed}
            if target not in targets:
                assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden_transition", label
                assert now == start
            elif target == start:  # a double click: nothing to do, and no error
                assert resp.status_code == 200 and resp.get_json()["state"] == start, label
            elif (start, target) in allowed:
                assert resp.status_code == 200 and now == target, label
            else:
                assert resp.status_code in (403, 409), label
                assert now == start, label
                if start == "published":
                    assert resp.get_json()["error"]["code"] == "published_use_unpublish", label
                    assert "撤回发布" in resp.get_json()["error"]["message"]


def test_ending_twice_answers_ok_and_records_one_event(app, login, client):
    iid = _interview_in(app, "live")
    host = login("host")
    assert host.post(f"/api/interviews/{iid}/state", json={"state": "ended"}).status_code == 200
    again = host.post(f"/api/interviews/{iid}/state", json={"state": "ended"})
    assert again.status_code == 200 and again.get_json()["state"] == "ended"
    assert "不能从" not in again.get_data(as_text=True)
    changes = [e for e in client.get(f"/api/interviews/{iid}/events?after=0").get_json()["events"]
               if e["type"] == "interview.state_changed"]
    assert [e["data"]["state"] for e in changes] == ["live", "ended"]


def test_a_published_interview_offers_no_state_buttons_on_the_admin_page(app, admin):
    iid = _interview_in(app, "published")
    html = admin.get(f"/admin/interviews/{iid}").get_data(as_text=True)
    assert 'data-state="ended"' not in html and "结束直播</button>" not in html


def test_human_text_is_stored_as_typed(admin):
    """Full-width （）：，！ and compatibility ideographs stay: no NFKC/NFC on stored text (8.1)."""
    typed = {"title": "“放管服”改革：成效如何？（第二期）", "topic": "营商环境，再优化！",
             "units": [{"name": "县市场监督管理局（知识产权局）★"}, {"name": "城關鎮"}],
             "guests": [{"name": "王\uf9d1", "title": "局长（兼）：主持工作"}], "hosts": ["张敏（特邀）"]}
    resp = admin.post("/api/interviews", json=typed)
    assert resp.status_code == 201, resp.get_json()
    saved = admin.get(f"/api/interviews/{resp.get_json()['id']}").get_json()
    assert saved["title"] == typed["title"] and saved["topic"] == typed["topic"]
    assert [(u["name"], u["is_lead"]) for u in saved["units"]] == [("县市场监督管理局（知识产权局）", True),
                                                                  ("城關鎮", False)]
    assert saved["guests"][0]["name"] == "王\uf9d1" and saved["guests"][0]["title"] == "局长（兼）：主持工作"
    assert saved["hosts"] == ["张敏（特邀）"]
