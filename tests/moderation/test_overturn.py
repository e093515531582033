"""Issue 8.2: one moderator's decision is not silently overturned by another, and a claim is
given up when its console reloads or closes."""
import pytest

from tests.conftest import StaffClient


@pytest.fixture
def two_moderators(app, users):
    from studio.platform.auth import create_user
    from studio.platform.db import Session

    with app.app_context():
        create_user(Session(), "moderator2", "correct-horse-battery", "moderator", "张三")
        Session().commit()
    return StaffClient(app, "moderator"), StaffClient(app, "moderator2")


@pytest.mark.parametrize("first, second, path, body", [
    ("approve", "rejected", "reject", {"reason": "重复提问"}),
    ("reject", "approved", "approve", {}),
])
def test_overturning_anothers_decision_needs_expected_status_and_confirmation(
        two_moderators, live_interview, ask, first, second, path, body):
    me, zhang = two_moderators
    qid = ask(live_interview["id"], "请问河道治理的进展如何？").get_json()["id"]
    decided = zhang.post(f"/api/questions/{qid}/{first}", json={"reason": "与访谈主题无关"} if first == "reject" else {})
    assert decided.status_code == 200
    shown = decided.get_json()
    # Without expected_status and confirmation: 409 with who decided what, when, and the question.
    for extra in ({}, {"version": shown["version"]}, {"expected_status": shown["status"]},
                  {"confirm": True}, {"expected_status": "pending", "confirm": True}):
        resp = me.post(f"/api/questions/{qid}/{path}", json={**body, **extra})
        assert resp.status_code == 409, (extra, resp.get_json())
        error = resp.get_json()["error"]
        assert error["code"] == "decided_by_other"
        assert error["decided_by"]["name"] == "张三" and error["decided_status"] == shown["status"]
        assert error["decided_at"] and error["question"]["id"] == qid
        assert error["question"]["status"] == shown["status"]
        assert "审核员 张三 于" in error["message"] and "确定改为" in error["message"]
    assert me.get(f"/api/questions/{qid}").get_json()["status"] == shown["status"]
    # With the status the console showed and the confirmation: done.
    resp = me.post(f"/api/questions/{qid}/{path}",
                   json={**body, "version": shown["version"], "expected_status": shown["status"], "confirm": True})
    assert resp.status_code == 200 and resp.get_json()["status"] == second


def test_own_decisions_and_old_ones_change_freely(app, two_moderators, live_interview, ask):
    from datetime import timedelta

    from moderation.models import ModerationAudit
    from studio.platform.db import Session

    me, zhang = two_moderators
    iid = live_interview["id"]
    mine = ask(iid, "我自己通过又驳回的问题").get_json()["id"]
    assert me.post(f"/api/questions/{mine}/approve").status_code == 200
    assert me.post(f"/api/questions/{mine}/reject", json={"reason": "重复提问"}).status_code == 200
    old = ask(iid, "很久以前别人通过的问题").get_json()["id"]
    assert zhang.post(f"/api/questions/{old}/approve").status_code == 200
    with app.app_context():
        session = Session()
        for row in session.query(ModerationAudit).filter_by(question_id=old):
            row.at = row.at - timedelta(minutes=30)
        session.commit()
    assert me.post(f"/api/questions/{old}/reject", json={"reason": "重复提问"}).status_code == 200


def test_bulk_never_overturns_anothers_recent_decision(two_moderators, live_interview, ask):
    me, zhang = two_moderators
    iid = live_interview["id"]
    theirs = ask(iid, "张三刚通过的问题").get_json()["id"]
    fresh = ask(iid, "还没人处理的问题").get_json()["id"]
    zhang.post(f"/api/questions/{theirs}/approve")
    result = me.post(f"/api/interviews/{iid}/questions/bulk",
                     json={"ids": [theirs, fresh], "action": "reject", "reason": "重复提问"}).get_json()
    assert result["done"] == [fresh]
    assert result["skipped"][0]["id"] == theirs and result["skipped"][0]["code"] == "decided_by_other"


def test_claim_is_released_when_its_console_disconnects(app, two_moderators, live_interview, ask, socket_client):
    me, zhang = two_moderators
    qid = ask(live_interview["id"], "正在修改的问题").get_json()["id"]
    console = socket_client("/studio", role="moderator")
    watcher = socket_client("/studio", role="moderator")
    watcher.emit("join", {"interview_id": live_interview["id"]}, callback=True, namespace="/studio")
    ack = console.emit("question.claim", {"question_id": qid}, callback=True, namespace="/studio")
    assert ack["ok"]
    assert zhang.post(f"/api/questions/{qid}/approve").get_json()["error"]["code"] == "claimed"
    watcher.get_received("/studio")
    console.disconnect(namespace="/studio")  # the console reloads or closes
    assert me.get(f"/api/questions/{qid}").get_json()["claimed_by"] is None
    released = [p["args"][0] for p in watcher.get_received("/studio") if p["name"] == "event"]
    assert any(e["type"] == "question.claimed" and e["data"]["id"] == qid and e["data"]["claimed_by"] is None
               for e in released)
    assert zhang.post(f"/api/questions/{qid}/approve").status_code == 200
