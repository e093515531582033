"""The script's path: the liaison's link (no account, this interview only, revocable), versions
counted against the minimum, compared, reviewed; approval makes the cue cards."""
from __future__ import annotations

import io

from tests.cues.conftest import SCRIPT_PATH, make_docx


def _script(chars: int) -> str:
    """A script of exactly `chars` Chinese characters (punctuation and speakers' colons extra)."""
    body = "主持人：各位网友大家好。\n嘉宾：" + "消防安全人人有责" * ((chars - 20) // 8)
    from studio.programme.scripts import count_chinese
    body += "防" * (chars - count_chinese(body))
    assert count_chinese(body) == chars
    return body


def _upload(client, iid, text, token=None, name="稿件.txt", headers=None):
    url = f"/api/interviews/{iid}/script-versions" + (f"?token={token}" if token else "")
    return client.post(url, data={"file": (io.BytesIO(text.encode("utf-8")), name)},
                       content_type="multipart/form-data", headers=headers or {})


def test_liaison_link_works_without_an_account_for_its_interview_only(app, admin, pukou):
    first, second = pukou[0], pukou[1]
    link = admin.get(f"/api/interviews/{first}/liaison-link").get_json()
    assert link["url"].endswith(f"/liaison/interviews/{first}?token={link['token']}")
    anonymous = app.test_client()
    page = anonymous.get(f"/liaison/interviews/{first}?token={link['token']}")
    assert page.status_code == 200 and "提交访谈稿" in page.get_data(as_text=True)
    resp = _upload(anonymous, first, _script(8200), link["token"])
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json() == {"version": 1, "chars": 8200, "meets_minimum": True, "minimum": 8000}
    versions = admin.get(f"/api/interviews/{first}/script-versions").get_json()["versions"]
    assert versions[0]["submitted_by"].startswith("联络员")
    # Another interview refuses this interview's token; no token needs a login.
    other = _upload(anonymous, second, _script(8200), link["token"])
    assert other.status_code == 403 and other.get_json()["error"]["code"] == "invalid_token"
    assert anonymous.get(f"/liaison/interviews/{second}?token={link['token']}").status_code == 403
    assert _upload(anonymous, first, _script(8200)).status_code == 401
    # Renewed: the old token stops working, the new one works.
    renewed = admin.post(f"/api/interviews/{first}/liaison-link").get_json()
    assert renewed["token"] != link["token"]
    old = _upload(anonymous, first, _script(8200), link["token"])
    assert old.status_code == 403 and old.get_json()["error"]["code"] == "invalid_token"
    assert anonymous.get(f"/liaison/interviews/{first}?token={link['token']}").status_code == 403
    assert _upload(anonymous, first, _script(8300), renewed["token"]).status_code == 201
    assert admin.get(f"/api/interviews/{first}/liaison-link").get_json()["token"] == renewed["token"]


def test_short_script_is_flagged_below_the_minimum(admin, pukou, login):
    resp = _upload(login("host").client, pukou[0], _script(7000),
                   headers={"X-CSRF-Token": login("host").csrf})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["chars"] == 7000 and resp.get_json()["meets_minimum"] is False
    row = admin.get(f"/api/interviews/{pukou[0]}/script-versions").get_json()["versions"][0]
    assert row["meets_minimum"] is False and row["review"] is None


def test_docx_version_approved_becomes_cue_cards_and_a_later_version_needs_review(app, admin, pukou, login, clock):
    host = login("host")
    iid = pukou[0]
    text = SCRIPT_PATH.read_text(encoding="utf-8")
    resp = host.post(f"/api/interviews/{iid}/script-versions",
                     data={"file": (io.BytesIO(make_docx(text)), "访谈稿.docx")}, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    assert host.get(f"/api/interviews/{iid}/cues").get_json()["cards"] == []  # not before approval
    returned = host.post(f"/api/interviews/{iid}/script-versions/1/review", json={"decision": "return", "comment": ""})
    assert returned.status_code == 400 and returned.get_json()["error"]["code"] == "comment_required"
    clock.now = __import__("tests.programme.conftest", fromlist=["at"]).at("2024-03-20 10:00")
    ok = host.post(f"/api/interviews/{iid}/script-versions/1/review", json={"decision": "approve", "comment": "可以"})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["review"]["decision"] == "approve" and ok.get_json()["cards"] > 5
    cards = host.get(f"/api/interviews/{iid}/cues").get_json()["cards"]
    assert len(cards) == ok.get_json()["cards"]
    deadlines = {d["kind"]: d for d in admin.get(f"/api/interviews/{iid}/deadlines").get_json()["deadlines"]}
    assert deadlines["script_final"]["done_at"] is not None
    again = host.post(f"/api/interviews/{iid}/script-versions/1/review", json={"decision": "approve"})
    assert again.status_code == 409

    # A change after approval: a new version, awaiting review; the final script is not settled.
    changed = text.replace("消防", "消防救援", 3)
    assert host.post(f"/api/interviews/{iid}/script-versions", data=changed.encode(), content_type="text/plain").status_code == 201
    versions = host.get(f"/api/interviews/{iid}/script-versions").get_json()["versions"]
    assert [v["version"] for v in versions] == [1, 2] and versions[1]["review"] is None
    deadlines = {d["kind"]: d for d in admin.get(f"/api/interviews/{iid}/deadlines").get_json()["deadlines"]}
    assert deadlines["script_final"]["done_at"] is None
    assert len(host.get(f"/api/interviews/{iid}/cues").get_json()["cards"]) == len(cards)  # still version 1's
    old = host.post(f"/api/interviews/{iid}/script-versions/1/review", json={"decision": "approve"})
    assert old.status_code == 409
    diff = host.get(f"/api/interviews/{iid}/script-versions/2/diff").get_json()
    assert diff["from"] == 1 and diff["to"] == 2
    assert "+" in diff["unified"] and "消防救援" in diff["unified"] and "<table" in diff["html"]
    page = host.get(f"/admin/interviews/{iid}/script-versions").get_data(as_text=True)
    assert "最近两版的差异" in page and "待审核" in page
    assert host.post(f"/api/interviews/{iid}/script-versions/2/review", json={"decision": "approve"}).status_code == 200
    text_now = host.get(f"/api/interviews/{iid}/script").get_json()["text"]
    assert "消防救援" in text_now


def test_bad_uploads_are_clear_4xx(admin, pukou, login):
    host = login("host")
    iid = pukou[0]
    assert host.post(f"/api/interviews/{iid}/script-versions", data=b"", content_type="text/plain").status_code == 400
    doc = host.post(f"/api/interviews/{iid}/script-versions", data={"file": (io.BytesIO(b"x"), "a.doc")},
                    content_type="multipart/form-data")
    assert doc.status_code == 415
    assert host.post(f"/api/interviews/{iid}/script-versions/9/review", json={"decision": "approve"}).status_code == 404
    assert host.post(f"/api/interviews/{iid}/script-versions/1/review", json=[1]).status_code in (400, 404)
    assert host.get(f"/api/interviews/{iid}/script-versions/1/diff?against=x").status_code in (400, 404)
