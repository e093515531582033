"""verify_action for moderation: each screening action, snapshot + its events == a fresh
snapshot, for the moderation console (staff) and the viewer page (public)."""
from __future__ import annotations

from tests.support.event_apply import Actions, ok as _ok


def test_moderation_actions(app, login, live_interview, ask):
    iid = live_interview["id"]
    mod = login("moderator")
    host = login("host")
    actions = Actions(app, iid)
    run, seen = actions.run, actions.seen

    def submit(text):
        return run(f"submit {text[:4]}", lambda: _ok(ask(iid, text), 201))

    q1, q2, q3, q4, q5 = (submit(t) for t in (
        "请问老旧小区加装电梯的补贴标准是什么？", "小区电梯加装补贴怎么申请？",
        "社区养老服务中心什么时候开放？", "河道整治工程什么时候完工？", "这条问题与访谈无关。"))
    ids = [q["id"] for q in (q1, q2, q3, q4, q5)]

    def version(qid):
        return _ok(mod.get(f"/api/questions/{qid}"))["version"]

    a, b, c, d, e = ids
    run("claim", lambda: _ok(mod.post(f"/api/questions/{a}/claim")))
    run("release", lambda: _ok(mod.post(f"/api/questions/{a}/release")))
    run("approve", lambda: _ok(mod.post(f"/api/questions/{a}/approve", json={"version": version(a)})))
    run("edit", lambda: _ok(mod.patch(f"/api/questions/{a}", json={"text": "请问老旧小区加装电梯，补贴标准是什么？",
                                                                    "version": version(a)})))
    run("mark", lambda: _ok(mod.patch(f"/api/questions/{c}", json={"labels": ["养老"], "starred": True})))
    run("merge", lambda: _ok(mod.post(f"/api/questions/{b}/merge", json={"into": a, "version": version(b)})))
    run("push pending", lambda: _ok(mod.post(f"/api/questions/{c}/push", json={"version": version(c)})))
    run("approve d", lambda: _ok(mod.post(f"/api/questions/{d}/approve", json={"version": version(d)})))
    run("push", lambda: _ok(mod.post(f"/api/questions/{d}/push", json={"version": version(d)})))
    run("push a", lambda: _ok(mod.post(f"/api/questions/{a}/push", json={"version": version(a)})))
    run("reorder", lambda: _ok(mod.put(f"/api/interviews/{iid}/queue", json={"order": [a, d, c]})))
    run("unpush", lambda: _ok(mod.post(f"/api/questions/{c}/unpush", json={"version": version(c)})))
    run("on air", lambda: _ok(host.post(f"/api/questions/{a}/on-air", json={"version": version(a)})))
    run("next on air", lambda: _ok(host.post(f"/api/questions/{d}/on-air", json={"version": version(d)})))
    run("answered", lambda: _ok(host.post(f"/api/questions/{d}/answered", json={"version": version(d)})))
    run("reject", lambda: _ok(mod.post(f"/api/questions/{e}/reject", json={"reason": "与访谈主题无关",
                                                                         "version": version(e)})))
    run("withdraw", lambda: _ok(mod.post(f"/api/questions/{c}/reject", json={"reason": "重复提问",
                                                                           "version": version(c)})))
    f = submit("公交线路调整会征求居民意见吗？")["id"]
    run("on air from pending review", lambda: _ok(mod.post(f"/api/questions/{f}/approve", json={"version": version(f)})))
    run("on air at the end", lambda: _ok(host.post(f"/api/questions/{f}/on-air", json={"version": version(f)})))
    g = submit("夜市的摊位怎么申请？")["id"]
    run("approve g", lambda: _ok(mod.post(f"/api/questions/{g}/approve", json={"version": version(g)})))
    run("end live", lambda: _ok(login("director").post(f"/api/interviews/{iid}/state", json={"state": "ended"})))
    unit = live_interview["units"][0]["id"]
    admin = login("admin")
    run("assign reply", lambda: _ok(admin.patch(f"/api/questions/{g}/reply-assignment", json={"unit_id": unit})))
    run("reply", lambda: _ok(admin.put(f"/api/questions/{g}/reply", json={"text": "补贴标准见区住建局公告。",
                                                                         "unit_id": unit})))
    assert seen["reply"] == ["question.reply_assigned", "question.replied"]
    assert seen["approve"] == ["question.approved"]
    assert seen["merge"] == ["question.merged", "question.updated"]
    assert seen["push pending"] == ["question.approved", "question.pushed"]
    assert seen["next on air"] == ["question.answered", "question.on_air"]
    assert seen["withdraw"] == ["question.rejected", "question.withdrawn"]
    assert seen["claim"] == ["question.claimed"] and seen["reorder"] == ["question.reordered"]
    assert len(seen) == 30
