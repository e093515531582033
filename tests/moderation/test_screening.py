"""Screening: approve, reject, edit, merge, marks, the host queue, conflicts, audit, events, exports."""
import csv
import io


def _events(staff_client, interview_id, types=None):
    events = staff_client.get(f"/api/interviews/{interview_id}/events?after=0").get_json()["events"]
    return [e for e in events if types is None or e["type"] in types]


def test_sensitive_question_is_held_with_highlights_and_bulk_skips_it(live_interview, ask, login, words):
    words("赌博", "法轮功")
    iid = live_interview["id"]
    plain = ask(iid, "请问赌博怎么举报").get_json()["id"]
    spaced = ask(iid, "想问 法 轮 功 的事").get_json()["id"]
    traditional = ask(iid, "網上賭博如何治理").get_json()["id"]
    clean = ask(iid, "消防站什么时候建成").get_json()["id"]
    mod = login("moderator")
    listed = {q["id"]: q for q in mod.get(f"/api/interviews/{iid}/questions?status=pending").get_json()["questions"]}
    assert {f["word"] for f in listed[plain]["flags"]} == {"赌博"}
    assert listed[spaced]["flags"][0]["word"] == "法轮功" and listed[spaced]["flags"][0]["matched"] == "法 轮 功"
    assert listed[traditional]["flags"][0]["matched"] == "賭博"
    assert listed[clean]["flags"] == []
    assert [q["id"] for q in mod.get(f"/api/interviews/{iid}/questions?flag=sensitive_word").get_json()["questions"]] \
        == [plain, spaced, traditional]
    # Nothing flagged reaches the public on its own; bulk approve skips flagged questions.
    result = mod.post(f"/api/interviews/{iid}/questions/bulk",
                      json={"ids": [plain, spaced, traditional, clean], "action": "approve"}).get_json()
    assert result["done"] == [clean]
    assert {s["id"] for s in result["skipped"]} == {plain, spaced, traditional}
    public = [q["id"] for q in login("moderator").client.application.test_client()
              .get(f"/api/interviews/{iid}/questions/public").get_json()["questions"]]
    assert public == [clean]
    assert mod.post(f"/api/questions/{plain}/push").get_json()["error"]["code"] == "needs_approval"


def test_two_moderators_cannot_both_handle_a_question(app, live_interview, ask, users):
    from tests.conftest import StaffClient
    from studio.platform.auth import create_user
    from studio.platform.db import Session

    with app.app_context():
        create_user(Session(), "moderator2", "correct-horse-battery", "moderator", "审核员乙")
        Session().commit()
    first = StaffClient(app, "moderator")
    second = StaffClient(app, "moderator2")
    iid = live_interview["id"]
    qid = ask(iid, "请问河道治理的进展").get_json()["id"]
    version = first.get(f"/api/questions/{qid}").get_json()["version"]
    assert first.post(f"/api/questions/{qid}/approve", json={"version": version}).status_code == 200
    lost = second.post(f"/api/questions/{qid}/reject", json={"reason": "重复提问", "version": version})
    assert lost.status_code == 409
    assert lost.get_json()["error"]["code"] == "version_conflict"
    lost = second.post(f"/api/questions/{qid}/approve")
    assert lost.status_code == 409 and "moderator" in lost.get_json()["error"]["message"]
    # A claim keeps the other moderator off while someone edits.
    other = ask(iid, "请问医保报销比例").get_json()["id"]
    assert first.post(f"/api/questions/{other}/claim").status_code == 200
    blocked = second.post(f"/api/questions/{other}/approve")
    assert blocked.status_code == 409 and blocked.get_json()["error"]["code"] == "claimed"
    assert "正在处理" in blocked.get_json()["error"]["message"]
    assert first.patch(f"/api/questions/{other}", json={"text": "请问医保的报销比例是多少"}).status_code == 200
    assert second.post(f"/api/questions/{other}/approve").status_code == 200  # the edit released the claim


def test_edit_keeps_original_merge_counts_askers_and_queue(live_interview, ask, login, client, words):
    words("垃圾")
    iid = live_interview["id"]
    mod, host = login("moderator"), login("host")
    a = ask(iid, "县城消防站什么时候建成投入使用？").get_json()["id"]
    b = ask(iid, "请问县城的消防站什么时候能建成投入使用").get_json()["id"]
    c = ask(iid, "老旧小区加装电梯有补贴吗").get_json()["id"]
    q_b = mod.get(f"/api/questions/{b}").get_json()
    assert any(f["type"] == "possible_duplicate" and f["question_id"] == a for f in q_b["flags"])
    assert mod.get(f"/api/questions/{b}/similar").get_json()["similar"][0]["question_id"] == a

    edited = mod.patch(f"/api/questions/{c}", json={"text": "老旧小区加装电梯有没有补贴？垃圾分类呢"}).get_json()
    assert edited["original_text"] == "老旧小区加装电梯有补贴吗" and edited["text"].startswith("老旧小区加装电梯有没有")
    assert edited["flags"][0]["word"] == "垃圾"
    again = mod.patch(f"/api/questions/{c}", json={"text": "老旧小区加装电梯有没有补贴?"}).get_json()
    assert again["original_text"] == "老旧小区加装电梯有补贴吗" and again["flags"] == []

    merged = mod.post(f"/api/questions/{b}/merge", json={"into": a}).get_json()
    assert merged["id"] == a and merged["askers"] == 2
    full = mod.get(f"/api/questions/{a}").get_json()
    assert [m["id"] for m in full["merged_questions"]] == [b]
    assert mod.get(f"/api/questions/{b}").get_json()["status"] == "merged"

    for qid in (a, c):
        assert mod.post(f"/api/questions/{qid}/approve").status_code == 200
        assert mod.post(f"/api/questions/{qid}/push").status_code == 200
    assert mod.put(f"/api/interviews/{iid}/queue", json={"order": [c, a]}).get_json()["order"] == [c, a]
    pushed = mod.get(f"/api/interviews/{iid}/questions?status=pushed").get_json()["questions"]
    assert [(q["id"], q["queue_position"]) for q in pushed] == [(c, 1), (a, 2)]
    assert mod.put(f"/api/interviews/{iid}/queue", json={"order": [999]}).status_code == 409

    assert host.post(f"/api/questions/{c}/on-air").get_json()["status"] == "on_air"
    assert host.post(f"/api/questions/{a}/on-air").status_code == 200  # c is taken as answered
    assert mod.get(f"/api/questions/{c}").get_json()["status"] == "answered"
    assert host.post(f"/api/questions/{a}/answered").get_json()["status"] == "answered"

    types = [e["type"] for e in _events(mod, iid) if e["type"].startswith("question.")]
    for expected in ("question.submitted", "question.edited", "question.merged", "question.approved",
                     "question.pushed", "question.reordered", "question.on_air", "question.answered"):
        assert expected in types
    public_types = {e["type"] for e in client.get(f"/api/interviews/{iid}/events?after=0").get_json()["events"]}
    assert "question.submitted" not in public_types and "question.pushed" not in public_types
    assert {"question.approved", "question.on_air", "question.answered"} <= public_types
    pushed_event = next(e for e in _events(mod, iid, {"question.pushed"}))
    assert pushed_event["data"]["id"] in (a, c) and pushed_event["data"]["status"] == "pushed"

    audit = login("admin").get(f"/api/audit?interview_id={iid}").get_json()["entries"]
    actions = [e["action"] for e in audit]
    for expected in ("edit", "merge", "approve", "push", "reorder", "on_air", "answered"):
        assert expected in actions
    edit_row = [e for e in audit if e["action"] == "edit"][-1]  # newest first: the first edit is last
    assert edit_row["user"] == "moderator" and edit_row["before"]["text"] == "老旧小区加装电梯有补贴吗"
    exported = login("admin").get(f"/api/audit?interview_id={iid}&format=csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["时间", "操作人"] and len(rows) == len(audit) + 1


def test_reject_reason_withdraws_shown_question_and_labels_star(live_interview, ask, login, client):
    iid = live_interview["id"]
    mod = login("moderator")
    qid = ask(iid, "请问路灯什么时候修").get_json()["id"]
    mod.post(f"/api/questions/{qid}/approve")
    marked = mod.patch(f"/api/questions/{qid}", json={"labels": ["城管", "城管", "民生"], "starred": True}).get_json()
    assert marked["labels"] == ["城管", "民生"] and marked["starred"] is True
    rejected = mod.post(f"/api/questions/{qid}/reject", json={"reason": "与访谈主题无关"}).get_json()
    assert rejected["status"] == "rejected" and rejected["reject_reason"] == "与访谈主题无关"
    public = client.get(f"/api/interviews/{iid}/events?after=0").get_json()["events"]
    assert public[-1]["type"] == "question.withdrawn" and public[-1]["data"]["id"] == qid
    assert all("labels" not in e["data"] for e in public)
    assert mod.post(f"/api/questions/{qid}/reject", json={"reason": 5}).status_code == 400


def test_exports_csv_and_xlsx(live_interview, ask, login):
    from openpyxl import load_workbook

    iid = live_interview["id"]
    ask(iid, "=HYPERLINK(\"http://x\") 公式注入", contact="13900001111")
    ask(iid, "请问学区划分")
    mod = login("moderator")
    resp = mod.get(f"/api/interviews/{iid}/questions/export?format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "编号" and len(rows) == 3
    assert rows[1][4].startswith("'=") and rows[1][-1] == "13900001111"
    resp = mod.get(f"/api/interviews/{iid}/questions/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    assert sheet.cell(1, 5).value == "问题" and sheet.cell(3, 5).value == "请问学区划分"
    assert mod.get(f"/api/interviews/{iid}/questions/export?format=pdf").status_code == 400


def test_replies_after_the_live_and_archive_list(app, admin, live_interview, ask, login, client):
    from moderation.replies import list_answered_for_archive
    from studio.platform.db import Session

    iid = live_interview["id"]
    mod, host = login("moderator"), login("host")
    answered = ask(iid, "直播中回答的问题").get_json()["id"]
    waiting = ask(iid, "没来得及回答的问题").get_json()["id"]
    for qid in (answered, waiting):
        mod.post(f"/api/questions/{qid}/approve")
    host.post(f"/api/questions/{answered}/answered")
    assert mod.get("/api/replies").get_json()["units"] == []  # still live
    admin.post(f"/api/interviews/{iid}/state", json={"state": "ended"})
    units = mod.get(f"/api/replies?interview_id={iid}").get_json()["units"]
    assert len(units) == 1 and units[0]["unit"] == "消防大队"
    item = units[0]["questions"][0]
    assert item["id"] == waiting and item["overdue"] is False and item["reply_due_at"]
    # Overdue once the deadline is in the past.
    mod.patch(f"/api/questions/{waiting}/reply-assignment", json={"due_at": "2020-01-01T00:00:00+08:00"})
    overdue = mod.get("/api/replies?overdue=1").get_json()["units"]
    assert overdue[0]["overdue"] == 1
    replied = mod.put(f"/api/questions/{waiting}/reply", json={"text": "已安排在下月完成。"}).get_json()
    assert replied["reply"]["text"] == "已安排在下月完成。" and replied["reply"]["unit"] == "消防大队"
    assert mod.get("/api/replies?overdue=1").get_json()["units"] == []
    public = client.get(f"/api/interviews/{iid}/questions/public").get_json()["questions"]
    assert next(q for q in public if q["id"] == waiting)["reply"]["text"] == "已安排在下月完成。"
    with app.app_context():
        archive = list_answered_for_archive(Session(), iid)
    assert [q["id"] for q in archive] == [answered, waiting]
    assert all("contact" not in q for q in archive)


def test_answered_question_posted_into_the_feed_when_enabled(live_interview, ask, login, client):
    iid = live_interview["id"]
    mod, host = login("moderator"), login("host")
    assert mod.put(f"/api/interviews/{iid}/question-settings",
                   json={"post_answered_to_feed": True}).get_json()["post_answered_to_feed"] is True
    qid = ask(iid, "请问夜市什么时候开放").get_json()["id"]
    mod.post(f"/api/questions/{qid}/approve")
    host.post(f"/api/questions/{qid}/on-air")
    host.post(f"/api/questions/{qid}/answered")
    posted = [e for e in client.get(f"/api/interviews/{iid}/events?after=0").get_json()["events"]
              if e["type"] == "feed.posted"]
    assert posted and posted[-1]["data"]["text"] == "网友提问：请问夜市什么时候开放"


def test_concurrent_approvals_one_winner(live_interview, ask, login):
    from .support import approve_at_once

    qid = ask(live_interview["id"], "同时处理的问题").get_json()["id"]
    assert approve_at_once(login("moderator"), qid) == [200] + [409] * 5
    audit = login("admin").get(f"/api/audit?question_id={qid}").get_json()["entries"]
    assert [e["action"] for e in audit] == ["approve"]


def test_claim_over_the_socket_is_seen_by_the_other_console(app, live_interview, ask, socket_client, users):
    from studio.platform.auth import create_user
    from studio.platform.db import Session

    with app.app_context():
        create_user(Session(), "moderator2", "correct-horse-battery", "moderator")
        Session().commit()
    iid = live_interview["id"]
    qid = ask(iid, "认领测试问题").get_json()["id"]
    first, second = socket_client("/studio", role="moderator"), socket_client("/studio", role="moderator2")
    for sc in (first, second):
        assert sc.emit("join", {"interview_id": iid}, namespace="/studio", callback=True)["ok"]
        sc.get_received("/studio")
    ack = first.emit("question.claim", {"question_id": qid}, namespace="/studio", callback=True)
    assert ack["ok"] and ack["claimed_by"]["name"] == "moderator"
    seen = [m["args"][0] for m in second.get_received("/studio") if m["name"] == "event"]
    claimed = [e for e in seen if e["type"] == "question.claimed"]
    assert claimed and claimed[0]["data"]["id"] == qid and claimed[0]["data"]["claimed_until"]
    lost = second.emit("question.claim", {"question_id": qid}, namespace="/studio", callback=True)
    assert not lost["ok"] and lost["error"]["code"] == "claimed" and "moderator" in lost["error"]["message"]
    assert not second.emit("question.release", {"question_id": qid}, namespace="/studio", callback=True)["ok"]
    assert first.emit("question.release", {"question_id": qid}, namespace="/studio", callback=True)["ok"]
    assert second.emit("question.claim", {"question_id": qid}, namespace="/studio", callback=True)["ok"]
    assert not second.emit("question.claim", {"question_id": "x"}, namespace="/studio", callback=True)["ok"]


def test_obs_question_overlay_reads_the_screened_text(app, interview, login):
    """The director's overlay request needs only the question id: moderation supplies the text."""
    from studio.platform.db import Session
    from studio.obs.services import question_overlay_command

    resp = login("moderator").post(f"/api/interviews/{interview['id']}/questions",
                                   json={"nickname": "城关居民", "text": "减税降费政策有哪些新变化？", "source": "hotline"})
    assert resp.status_code == 201, resp.get_json()
    with app.app_context():
        _kind, payload = question_overlay_command(Session(), {"question_id": resp.get_json()["id"], "visible": True})
    assert "减税降费政策有哪些新变化" in str(payload)


def test_obs_question_overlay_can_be_hidden_for_an_unknown_question(app, interview):
    """Showing an unknown question is a 404; hiding one needs no text and still works."""
    import pytest

    from studio.platform.db import Session
    from studio.platform.errors import NotFound
    from studio.obs.services import question_overlay_command

    with app.app_context():
        with pytest.raises(NotFound):
            question_overlay_command(Session(), {"question_id": 999999, "visible": True})
        _kind, payload = question_overlay_command(Session(), {"question_id": 999999, "visible": False})
    assert payload["visible"] is False
