"""Question intake: validation, the question window, duplicates, rate limit, receipts, staff intake."""
from datetime import datetime, timedelta, timezone

import pytest


def _iso(delta_hours):
    return (datetime.now(timezone.utc) + timedelta(hours=delta_hours)).isoformat()


def test_submission_normalises_and_answers_receipt(live_interview, ask, login):
    resp = ask(live_interview["id"], "  请问\u200b 消防站\n\n什么时候建成  ", nickname="  老张 ", contact="13812345678")
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["status"] == "pending" and body["receipt"] and isinstance(body["id"], int)
    assert "contact" not in body
    assert "fangtan_device=" in resp.headers.get("Set-Cookie", "")
    q = login("moderator").get(f"/api/questions/{body['id']}").get_json()
    assert q["text"] == "请问 消防站 什么时候建成" and q["nickname"] == "老张" and q["contact"] == "13812345678"
    assert q["status"] == "pending" and q["source"] == "web" and q["askers"] == 1


@pytest.mark.parametrize("fields, code", [
    ({"text": ""}, "empty_text"),
    ({"text": "   \u200b  "}, "empty_text"),
    ({"text": "问" * 501}, "too_long"),
    ({"text": "？！。，"}, "empty_text"),
    ({"text": "好的问题", "nickname": "名" * 31}, "too_long"),
    ({"text": "好的问题", "contact": "not a contact"}, "invalid_contact"),
    ({"text": 12345}, "invalid_field"),
])
def test_bad_input_is_refused_with_a_clear_message(live_interview, netizen, fields, code):
    resp = netizen().post(f"/api/interviews/{live_interview['id']}/questions", json={"nickname": "a", **fields})
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["code"] == code and error["message"]


def test_too_long_message_names_the_limit(live_interview, ask):
    error = ask(live_interview["id"], "问" * 600).get_json()["error"]
    assert "500" in error["message"] and error["max"] == 500 and error["length"] == 600


def test_non_json_body_is_400(live_interview, netizen):
    resp = netizen().post(f"/api/interviews/{live_interview['id']}/questions", data="garbage",
                          content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_json"


def test_question_window_in_preview(admin, interview, ask):
    iid = interview["id"]
    assert ask(iid, "窗口未设置时可以提问吗").status_code == 403
    admin.patch(f"/api/interviews/{iid}", json={"questions_open_at": _iso(1), "questions_close_at": _iso(48)})
    resp = ask(iid, "征集还没开始时提问")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "questions_closed"
    assert "尚未开始" in resp.get_json()["error"]["message"]
    admin.patch(f"/api/interviews/{iid}", json={"questions_open_at": _iso(-48), "questions_close_at": _iso(48)})
    assert ask(iid, "征集期间提问").status_code == 201
    admin.patch(f"/api/interviews/{iid}", json={"questions_open_at": _iso(-48), "questions_close_at": _iso(-1)})
    resp = ask(iid, "征集结束后提问")
    assert resp.status_code == 403 and "已结束" in resp.get_json()["error"]["message"]


def test_closed_after_the_live_but_staff_may_still_enter(admin, live_interview, ask, login):
    iid = live_interview["id"]
    admin.post(f"/api/interviews/{iid}/state", json={"state": "ended"})
    assert ask(iid, "直播结束后还能提问吗").status_code == 403
    resp = login("moderator").post(f"/api/interviews/{iid}/questions",
                                   json={"nickname": "王女士", "text": "热线来电：路灯坏了", "source": "hotline"})
    assert resp.status_code == 201
    q = login("moderator").get(f"/api/questions/{resp.get_json()['id']}").get_json()
    assert q["source"] == "hotline"


def test_public_cannot_claim_a_staff_source(live_interview, ask):
    resp = ask(live_interview["id"], "冒充热线", source="hotline")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "source_forbidden"
    assert ask(live_interview["id"], "来源字段非法", source="fax").status_code == 400


def test_planned_interview_is_not_found_for_the_public(admin, ask):
    iid = admin.post("/api/interviews", json={"title": "计划中"}).get_json()["id"]
    assert ask(iid, "计划中的访谈").status_code == 404


def test_same_text_from_same_client_is_a_duplicate(live_interview, netizen, login):
    client = netizen("127.0.0.77")
    url = f"/api/interviews/{live_interview['id']}/questions"
    first = client.post(url, json={"nickname": "a", "text": "请问公交线路何时调整？"})
    again = client.post(url, json={"nickname": "a", "text": "请问 公交线路 何时调整"})  # same words, new spacing
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["duplicate"] is True
    other = netizen("127.0.0.78").post(url, json={"nickname": "b", "text": "请问公交线路何时调整？"})
    assert other.status_code == 201 and other.get_json()["id"] != first.get_json()["id"]
    listed = login("moderator").get(f"{url}?status=pending").get_json()["questions"]
    assert len(listed) == 2


def test_rate_limit_per_client_others_unaffected(app, live_interview, netizen):
    app.config["QUESTION_RATE_LIMIT"] = "3/minute"
    url = f"/api/interviews/{live_interview['id']}/questions"
    noisy = netizen("127.0.0.20")
    codes = [noisy.post(url, json={"text": f"第{i}个问题内容"}).status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    resp = noisy.post(url, json={"text": "再来一个问题"})
    assert resp.status_code == 429 and resp.get_json()["error"]["code"] == "rate_limited"
    assert "频繁" in resp.get_json()["error"]["message"] and int(resp.headers["Retry-After"]) > 0
    # Another address is a different client.
    assert netizen("127.0.0.21").post(url, json={"text": "另一个网友的问题"}).status_code == 201
    # Same address, another device (its own cookie) is a different client too.
    assert netizen("127.0.0.20").post(url, json={"text": "同一办公室另一台电脑"}).status_code == 201


def test_rate_limit_parsing():
    from moderation.intake import parse_rate_limit
    assert parse_rate_limit("5/minute") == (5, 60)
    assert parse_rate_limit("10/30s") == (10, 30)
    assert parse_rate_limit("100/hour") == (100, 3600)
    assert parse_rate_limit("off") is None
    with pytest.raises(ValueError):
        parse_rate_limit("lots")


def test_receipt_lookup_shows_status_and_reply_never_contact(live_interview, ask, login, client):
    body = ask(live_interview["id"], "想了解老旧小区改造", contact="me@example.com").get_json()
    look = client.get(f"/api/questions/receipt/{body['receipt'].lower()}")
    assert look.status_code == 200
    data = look.get_json()
    assert data["status"] == "pending" and data["text"] == "想了解老旧小区改造"
    assert "me@example.com" not in look.get_data(as_text=True)
    login("moderator").post(f"/api/questions/{body['id']}/reject", json={"reason": "与访谈主题无关"})
    data = client.get(f"/api/questions/receipt/{body['receipt']}").get_json()
    assert data["status"] == "rejected" and data["reject_reason"] == "与访谈主题无关"
    assert client.get("/api/questions/receipt/NOPE0000").status_code == 404
