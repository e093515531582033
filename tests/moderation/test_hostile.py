"""Bad input to every moderation endpoint gets a clear 4xx JSON error, never a 500."""
from .test_permissions import ACTIONS

BAD_BODIES = [
    None, "not json", "[]", "null", '"text"', "{", {"text": 5}, {"text": None}, {"version": "x"}, {"version": True},
    {"ids": "x"}, {"ids": [True]}, {"ids": list(range(600))}, {"action": "delete", "ids": [1]}, {"order": [True]},
    {"order": "1,2"}, {"into": "abc"}, {"into": 10**12}, {"reason": {"a": 1}}, {"labels": [1]}, {"labels": "x"},
    {"labels": ["x" * 50]}, {"starred": "yes"}, {"due_at": "yesterday"}, {"unit_id": 99999}, {"unit_id": "1"},
    {"text": "问" * 10000}, {"text": "\x00\x01\u202e"}, {"contact": ["13800000000"], "text": "正常的问题"},
    {"nickname": {"a": 1}, "text": "正常的问题"}, {"source": ["web"], "text": "正常的问题"},
    {"post_answered_to_feed": "true"}, {"reply_days": 0}, {"reply_days": 10**9},
]


def test_no_500_for_bad_bodies(app, admin, live_interview, ask):
    app.config["QUESTION_RATE_LIMIT"] = "off"
    iid = live_interview["id"]
    qid = ask(iid, "用来承受坏输入的问题").get_json()["id"]
    server_errors = []
    for name, method, template, _body, _allowed in ACTIONS:
        url = template.format(i=iid, q=qid, r="ABCDEFGH", n=0)
        for body in BAD_BODIES:
            if body is None:
                resp = admin.open(method, url)
            elif isinstance(body, str):
                resp = admin.open(method, url, data=body, content_type="application/json")
            else:
                resp = admin.open(method, url, json=body)
            if resp.status_code >= 500 or not resp.is_json and resp.status_code >= 400:
                server_errors.append(f"{name} {body!r:.60}: {resp.status_code} {resp.get_data(as_text=True)[:200]}")
    assert not server_errors, "\n".join(server_errors)


def test_no_500_for_bad_queries_and_paths(admin, live_interview, client):
    iid = live_interview["id"]
    for url in (f"/api/interviews/{iid}/questions?status=bogus", f"/api/interviews/{iid}/questions?source=fax",
                f"/api/interviews/{iid}/questions?flag=%00", "/api/audit?limit=abc", "/api/audit?interview_id=-1",
                "/api/replies?unit_id=x", "/api/questions/receipt/" + "A" * 500, "/api/questions/receipt/%00",
                "/api/questions/99999", "/api/questions/99999999999", "/api/audit?question_id=99999999999",
                f"/api/interviews/{iid}/questions/export?format=exe",
                "/api/interviews/99999/questions/public"):
        resp = admin.get(url)
        assert 400 <= resp.status_code < 500 or resp.status_code == 200, (url, resp.status_code)
        assert resp.status_code < 500
    assert client.post("/api/interviews/99999/questions", json={"text": "不存在的访谈"}).status_code == 404
    big = "词\n" * 10 + "x" * 2_100_000
    assert admin.put("/api/wordlist", data=big.encode(), content_type="text/plain").status_code in (400, 413)
    assert admin.put("/api/wordlist", data=b"\xff\xfe\x00bad", content_type="text/plain").status_code in (200, 400)
    assert admin.put("/api/wordlist", data=("长" * 60).encode(), content_type="text/plain").status_code == 400
