"""verify_action for the cue cards and the host console: each action, snapshot + its events ==
a fresh snapshot (staff; the public snapshot has no cues and must not change)."""
from __future__ import annotations

from tests.support.event_apply import Actions, ok as _ok


def test_cue_actions(app, login, interview, host, script_text):
    iid = interview["id"]
    moderator = login("moderator")
    actions = Actions(app, iid)
    run, seen = actions.run, actions.seen

    run("upload", lambda: _ok(host.put(f"/api/interviews/{iid}/script", data=script_text.encode("utf-8"),
                                       content_type="text/plain; charset=utf-8")))
    run("next before the show", lambda: _ok(host.post(f"/api/interviews/{iid}/cue", json={"action": "next"})))
    run("start", lambda: _ok(host.post(f"/api/interviews/{iid}/cue", json={"action": "start"})))
    run("go live", lambda: _ok(login("director").post(f"/api/interviews/{iid}/state", json={"state": "live"})))
    run("next", lambda: _ok(host.post(f"/api/interviews/{iid}/cue", json={"action": "next"})))
    run("goto", lambda: _ok(host.post(f"/api/interviews/{iid}/cue", json={"action": "goto", "index": 4})))
    run("prev", lambda: _ok(host.post(f"/api/interviews/{iid}/cue", json={"action": "prev"})))
    cards = _ok(host.get(f"/api/interviews/{iid}/cues"))["cards"]
    run("edit card", lambda: _ok(host.patch(f"/api/interviews/{iid}/cues/{cards[1]['id']}",
                                            json={"text": "改过的提示", "planned_s": 40})))
    run("insert card", lambda: _ok(host.post(f"/api/interviews/{iid}/cues", json={"index": 2, "text": "（插入）切嘉宾近景"})))
    cards = _ok(host.get(f"/api/interviews/{iid}/cues"))["cards"]
    ids = [c["id"] for c in cards]
    ids[0], ids[1] = ids[1], ids[0]
    run("reorder", lambda: _ok(host.put(f"/api/interviews/{iid}/cues/order", json={"card_ids": ids})))
    run("delete card", lambda: _ok(host.delete(f"/api/interviews/{iid}/cues/{cards[2]['id']}")))
    message = run("message", lambda: _ok(moderator.post(f"/api/interviews/{iid}/host-message",
                                                        json={"text": "还剩 5 分钟"}), 201))
    run("message 2", lambda: _ok(moderator.post(f"/api/interviews/{iid}/host-message", json={"text": "下一位网友问题已推送"}), 201))
    run("dismiss one", lambda: _ok(host.post(f"/api/interviews/{iid}/host-message/dismiss", json={"id": message["id"]})))
    run("dismiss all", lambda: _ok(host.post(f"/api/interviews/{iid}/host-message/dismiss")))
    run("end live", lambda: _ok(login("director").post(f"/api/interviews/{iid}/state", json={"state": "ended"})))
    run("resume live", lambda: _ok(login("admin").post(f"/api/interviews/{iid}/state", json={"state": "live"})))
    run("reset", lambda: _ok(host.post(f"/api/interviews/{iid}/cue", json={"action": "reset"})))
    assert seen["upload"] == ["cue.cards_changed"] and seen["next"] == ["cue.changed"]
    assert seen["dismiss all"] == ["host.message_dismissed"] and seen["message"] == ["host.message"]
    assert len(seen) == 18
