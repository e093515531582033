"""Issue 16.2: what was withdrawn or redacted never comes back through the public event log
(GET …/events?after=0 and a /live join from seq 0)."""
import json

import pytest

SECRET = "幸福路８号３单元，电话１３９００００１１１１"


def _replays(client, socket_client, iid):
    """Both ways to replay the public log from the start, as one string per way."""
    http = client.get(f"/api/interviews/{iid}/events?after=0")
    assert http.status_code == 200
    viewer = socket_client("/live")
    ack = viewer.emit("join", {"interview_id": iid, "last_seq": 0}, callback=True, namespace="/live")
    assert ack["ok"], ack
    return {"http": json.dumps(http.get_json()["events"], ensure_ascii=False),
            "live": json.dumps(ack["events"], ensure_ascii=False)}


def test_withdrawn_feed_entry_is_gone_from_replay(live_interview, login, client, socket_client):
    iid = live_interview["id"]
    editor = login("feed_editor")
    posted = editor.post(f"/api/interviews/{iid}/feed", json={"speaker": "host", "text": f"网友反映：{SECRET}"})
    assert posted.status_code == 201, posted.get_json()
    entry = posted.get_json()["id"]
    assert editor.patch(f"/api/feed/{entry}", json={"text": f"更正：{SECRET}"}).status_code == 200
    assert editor.patch(f"/api/feed/{entry}", json={"pinned": True}).status_code == 200
    kept = editor.post(f"/api/interviews/{iid}/feed", json={"speaker": "host", "text": "这一条留着"}).get_json()["id"]
    assert SECRET in _replays(client, socket_client, iid)["http"]  # the test would see the leak
    assert editor.delete(f"/api/feed/{entry}").status_code == 200
    for way, log in _replays(client, socket_client, iid).items():
        assert "幸福路" not in log and "１３９" not in log, way
        assert "这一条留着" in log, way
    events = client.get(f"/api/interviews/{iid}/events?after=0").get_json()["events"]
    tombstones = [e for e in events if e["data"].get("id") == entry]
    assert [e["type"] for e in tombstones] == ["feed.posted", "feed.edited", "feed.pinned", "feed.deleted"]
    assert all(e["data"]["deleted"] is True and "text" not in e["data"] for e in tombstones)
    assert [e["data"]["text"] for e in events if e["data"].get("id") == kept] == ["这一条留着"]


@pytest.mark.parametrize("how", ["reject", "merge"])
def test_question_withdrawn_after_approval_is_gone_from_replay(how, live_interview, ask, login, client,
                                                              socket_client):
    iid = live_interview["id"]
    mod = login("moderator")
    qid = ask(iid, f"我家住{SECRET}，请问噪音谁管？", nickname="李四").get_json()["id"]
    other = ask(iid, "请问夜间施工噪音谁来管").get_json()["id"]
    for q in (qid, other):
        assert mod.post(f"/api/questions/{q}/approve").status_code == 200
    assert mod.post(f"/api/questions/{qid}/push").status_code == 200
    if how == "reject":
        assert mod.post(f"/api/questions/{qid}/reject", json={"reason": "涉及个人隐私"}).status_code == 200
    else:
        assert mod.post(f"/api/questions/{qid}/merge", json={"into": other}).status_code == 200
    for way, log in _replays(client, socket_client, iid).items():
        assert "幸福路" not in log and "李四" not in log, way
        assert "请问夜间施工噪音谁来管" in log, way
    events = client.get(f"/api/interviews/{iid}/events?after=0").get_json()["events"]
    mine = [e for e in events if e["data"].get("id") == qid]
    assert mine[-1]["type"] == "question.withdrawn"
    assert all(set(e["data"]) <= {"id", "interview_id", "withdrawn"} for e in mine)
    # The staff keep the question itself (with its text) for the record.
    assert SECRET in mod.get(f"/api/questions/{qid}").get_json()["text"]


def test_edited_question_replays_only_the_new_text(live_interview, ask, login, client, socket_client):
    iid = live_interview["id"]
    mod, host = login("moderator"), login("host")
    qid = ask(iid, f"我家住{SECRET}，请问噪音谁管？").get_json()["id"]
    mod.post(f"/api/questions/{qid}/approve")
    host.post(f"/api/questions/{qid}/on-air")
    edited = mod.patch(f"/api/questions/{qid}", json={"text": "请问噪音谁管？"}).get_json()
    assert edited["text"] == "请问噪音谁管？" and SECRET in edited["original_text"]
    for way, log in _replays(client, socket_client, iid).items():
        assert "幸福路" not in log and "１３９" not in log, way
    events = client.get(f"/api/interviews/{iid}/events?after=0").get_json()["events"]
    texts = [(e["type"], e["data"]["text"]) for e in events if e["data"].get("id") == qid]
    assert texts == [("question.approved", "请问噪音谁管？"), ("question.on_air", "请问噪音谁管？"),
                     ("question.updated", "请问噪音谁管？")]
