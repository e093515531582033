"""Issue 16.8: no cross-site question submission. The question endpoint takes only
application/json (a text/plain POST needs no CORS preflight) and refuses a foreign Origin."""
import json

import pytest

BODY = {"nickname": "网友", "text": "请问跨站提交会被接受吗？"}


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain;charset=UTF-8",
                                          "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None])
def test_question_needs_application_json(live_interview, netizen, login, content_type):
    url = f"/api/interviews/{live_interview['id']}/questions"
    kwargs = {"data": json.dumps(BODY, ensure_ascii=False).encode()}
    if content_type:
        kwargs["content_type"] = content_type
    resp = netizen().post(url, **kwargs)
    assert resp.status_code == 415, resp.get_data(as_text=True)
    error = resp.get_json()["error"]
    assert error["code"] == "unsupported_media_type" and "application/json" in error["message"]
    assert login("moderator").get(url).get_json()["questions"] == []


def test_foreign_origin_is_refused_own_and_portal_and_none_pass(app, live_interview, netizen, login):
    iid = live_interview["id"]
    url = f"/api/interviews/{iid}/questions"
    foreign = netizen().post(url, json=BODY, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and foreign.get_json()["error"]["code"] == "origin_refused"
    assert netizen().post(url, json=BODY, headers={"Origin": "null"}).status_code == 403
    own = netizen().post(url, json={**BODY, "text": "同源页面的提问"}, headers={"Origin": "http://localhost"})
    assert own.status_code == 201, own.get_json()
    app.config["EMBED_ORIGINS"] = "https://www.example.gov.cn, https://m.example.gov.cn"
    portal = netizen().post(url, json={**BODY, "text": "门户网站上的提问"}, headers={"Origin": "https://m.example.gov.cn"})
    assert portal.status_code == 201, portal.get_json()
    # The 8890 hotline desk's client (staff, no browser): no Origin header, still works.
    desk = login("moderator").post(url, json={**BODY, "text": "热线转来的提问", "source": "hotline"})
    assert desk.status_code == 201
    # A staff browser on another site is refused too.
    staff_foreign = login("moderator").post(url, json={**BODY, "text": "别的网站", "source": "hotline"},
                                            headers={"Origin": "https://evil.example"})
    assert staff_foreign.status_code == 403
    texts = {q["text"] for q in login("moderator").get(url).get_json()["questions"]}
    assert texts == {"同源页面的提问", "门户网站上的提问", "热线转来的提问"}


def test_receipt_lookup_checks_origin_and_screening_writes_need_json(live_interview, ask, netizen, login):
    receipt = ask(live_interview["id"], "查询码的提问").get_json()["receipt"]
    assert netizen().get(f"/api/questions/receipt/{receipt}").status_code == 200
    assert netizen().get(f"/api/questions/receipt/{receipt}", headers={"Origin": "http://localhost"}).status_code == 200
    refused = netizen().get(f"/api/questions/receipt/{receipt}", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    qid = login("moderator").get(f"/api/interviews/{live_interview['id']}/questions").get_json()["questions"][0]["id"]
    resp = login("moderator").post(f"/api/questions/{qid}/reject", data='{"reason": "x"}', content_type="text/plain")
    assert resp.status_code == 415
