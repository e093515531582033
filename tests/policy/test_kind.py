"""Interview kinds (issue 13): policy_video carries its document and takes no netizen questions."""
from __future__ import annotations


def _policy(admin, **extra):
    resp = admin.post("/api/interviews", json={
        "title": "《靖边县城乡居民医疗保险实施办法》解读", "kind": "policy_video", "state": "preview",
        "policy_title": "靖边县城乡居民医疗保险实施办法", "policy_url": "https://www.jingbian.gov.cn/zcwj/1.html",
        **extra})
    return resp


def test_kind_defaults_to_interview_and_is_public(admin, client, interview):
    assert interview["kind"] == "interview"
    resp = _policy(admin)
    assert resp.status_code == 201, resp.get_json()
    data = client.get(f"/api/interviews/{resp.get_json()['id']}").get_json()
    assert (data["kind"], data["policy_title"], data["policy_url"]) == (
        "policy_video", "靖边县城乡居民医疗保险实施办法", "https://www.jingbian.gov.cn/zcwj/1.html")


def test_bad_kind_and_url_are_clear_400s(admin, interview):
    for body, code in (({"kind": "concert"}, "invalid_kind"), ({"policy_url": "javascript:alert(1)"}, "invalid_url")):
        resp = admin.patch(f"/api/interviews/{interview['id']}", json=body)
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == code, resp.get_json()


def test_policy_video_takes_no_questions(admin, client):
    iid = _policy(admin, questions_open_at="2024-01-01T00:00:00+08:00").get_json()["id"]
    resp = client.post(f"/api/interviews/{iid}/questions", json={"nickname": "网友", "text": "医保报销比例是多少？"})
    assert resp.status_code == 403
    assert resp.get_json()["error"] == {"code": "questions_not_taken", "message": "政策解读视频不接受网友提问"}
    # Staff entering one on behalf of a caller is refused too: there is no live to put it to.
    resp = admin.post(f"/api/interviews/{iid}/questions", json={"text": "医保报销比例是多少？", "source": "hotline"})
    assert resp.status_code == 403


def test_admin_edit_page_has_the_kind_fields(admin, interview):
    html = admin.get(f"/admin/interviews/{interview['id']}").get_data(as_text=True)
    assert 'id="f-kind"' in html and 'id="f-policy_url"' in html
