"""Issue 8.1: Chinese text keeps its punctuation. What people typed is stored and shown as typed
(full-width ？，！：；（） and full-width digits stay); only the matching keys fold."""
import csv
import io

TYPED = "请问（二期）工程：什么时候完工？造价１２０万元，对吗！；"
EDITED = "请问（二期）工程：何时完工？造价１２０万元，对吗！；"
NICK = "张三（热心网友）"
REASON = "理由：与主题无关！"
REPLY = "答复：二期工程（东段）将于１０月完工！"


def _public_events(client, iid):
    return client.get(f"/api/interviews/{iid}/events?after=0").get_json()["events"]


def test_full_width_text_round_trips_everywhere(admin, live_interview, ask, netizen, login, client, words):
    from openpyxl import load_workbook

    iid = live_interview["id"]
    mod = login("moderator")
    netizen_client = netizen()
    submitted = ask(iid, TYPED, client=netizen_client, nickname=NICK, contact="１３８１２３４５６７８")
    assert submitted.status_code == 201, submitted.get_json()
    qid = submitted.get_json()["id"]
    q = mod.get(f"/api/questions/{qid}").get_json()
    assert q["text"] == TYPED and q["nickname"] == NICK and q["contact"] == "１３８１２３４５６７８"

    # Screening: approve, then a moderator fixes the wording; the original stays as typed.
    assert mod.post(f"/api/questions/{qid}/approve").status_code == 200
    edited = mod.patch(f"/api/questions/{qid}", json={"text": EDITED, "labels": ["民生：交通（二期）"]}).get_json()
    assert edited["text"] == EDITED and edited["original_text"] == TYPED
    assert edited["labels"] == ["民生：交通（二期）"]
    listed = {x["id"]: x for x in mod.get(f"/api/interviews/{iid}/questions?status=approved").get_json()["questions"]}
    assert listed[qid]["text"] == EDITED and listed[qid]["original_text"] == TYPED
    assert listed[qid]["nickname"] == NICK

    # The viewer: public list and public events (the edited wording, as typed).
    public = client.get(f"/api/interviews/{iid}/questions/public").get_json()["questions"]
    assert [(p["text"], p["nickname"]) for p in public] == [(EDITED, NICK)]
    shown = [e["data"] for e in _public_events(client, iid) if e["data"].get("id") == qid and "text" in e["data"]]
    assert shown and all(d["text"] == EDITED and d["nickname"] == NICK for d in shown)

    # A reject reason as typed.
    other = ask(iid, "另一个问题：关于路灯？").get_json()["id"]
    rejected = mod.post(f"/api/questions/{other}/reject", json={"reason": REASON}).get_json()
    assert rejected["reject_reason"] == REASON

    # A written reply after the live.
    admin.post(f"/api/interviews/{iid}/state", json={"state": "ended"})
    replied = mod.put(f"/api/questions/{qid}/reply", json={"text": REPLY}).get_json()
    assert replied["reply"]["text"] == REPLY
    reply_events = [e["data"] for e in _public_events(client, iid) if e["type"] == "question.replied"]
    assert reply_events[-1]["reply"]["text"] == REPLY and reply_events[-1]["text"] == EDITED

    # Exports.
    rows = list(csv.reader(io.StringIO(mod.get(f"/api/interviews/{iid}/questions/export?format=csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    row = next(r for r in rows if r[0] == str(qid))
    assert (row[3], row[4], row[5], row[10], row[16]) == (NICK, EDITED, TYPED, "民生：交通（二期）", REPLY)
    assert next(r for r in rows if r[0] == str(other))[13] == REASON
    sheet = load_workbook(io.BytesIO(mod.get(f"/api/interviews/{iid}/questions/export?format=xlsx").data)).active
    cells = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    assert sheet.cell(cells[qid], 5).value == EDITED and sheet.cell(cells[qid], 6).value == TYPED

    # The audit trail.
    audit = admin.get(f"/api/audit?question_id={qid}").get_json()["entries"]
    edit = next(e for e in audit if e["action"] == "edit")
    assert edit["before"]["text"] == TYPED and edit["after"]["text"] == EDITED
    assert next(e for e in audit if e["action"] == "reply")["after"]["reply"] == REPLY
    reject = admin.get(f"/api/audit?question_id={other}").get_json()["entries"][0]
    assert reject["after"]["reject_reason"] == REASON


def test_matching_still_folds_width_and_traditional(live_interview, ask, netizen, login, words):
    words("赌博", "ｘｙｚ")
    iid = live_interview["id"]
    mod = login("moderator")
    held = ask(iid, "網上賭博（ｄｕ）怎么举报？").get_json()["id"]
    latin = ask(iid, "请问 XYZ 是什么？").get_json()["id"]
    flags = {q["id"]: q["flags"] for q in mod.get(f"/api/interviews/{iid}/questions").get_json()["questions"]}
    assert [f["matched"] for f in flags[held] if f["type"] == "sensitive_word"] == ["賭博"]
    assert [f["word"] for f in flags[latin] if f["type"] == "sensitive_word"] == ["ｘｙｚ"]
    # The same question again from the same client, typed half-width: the same question.
    same_client = netizen()
    first = ask(iid, "请问（二期）工程：什么时候完工？", client=same_client).get_json()
    again = ask(iid, "请问(二期)工程:什么时候完工?", client=same_client).get_json()
    assert again["duplicate"] is True and again["id"] == first["id"]
    # A near-duplicate typed in traditional characters with half-width punctuation is suggested.
    near = ask(iid, "請問(二期)工程:什麼時候完工?").get_json()["id"]
    dupes = [f for f in mod.get(f"/api/questions/{near}").get_json()["flags"] if f["type"] == "possible_duplicate"]
    assert [f["question_id"] for f in dupes][:1] == [first["id"]]


def test_editing_only_the_punctuation_is_a_change(live_interview, ask, login):
    mod = login("moderator")
    qid = ask(live_interview["id"], "请问什么时候完工?").get_json()["id"]
    fixed = mod.patch(f"/api/questions/{qid}", json={"text": "请问什么时候完工？"}).get_json()
    assert fixed["text"] == "请问什么时候完工？" and fixed["original_text"] == "请问什么时候完工?"
