"""The feed's services through HTTP and sockets: speakers, states, edits, pins, withdrawals, history."""
from __future__ import annotations

import pytest


def _events(client, interview_id, after=0):
    return client.get(f"/api/interviews/{interview_id}/events?after={after}").get_json()


def _last_seq(client, interview_id):
    return _events(client, interview_id)["last_seq"]


def test_post_answers_the_entry_with_the_seq_of_its_event(post, client, interview):
    before = _last_seq(client, interview["id"])
    resp = post("各位网友，大家好！")
    assert resp.status_code == 201
    entry = resp.get_json()
    assert entry["seq"] == before + 1
    assert entry["speaker"] == "host" and entry["speaker_name"] == "张敏" and entry["image"] is None
    assert entry["pinned"] is False and entry["deleted"] is False and entry["revision"] == 1
    assert entry["at"].endswith("+08:00")
    events = _events(client, interview["id"], before)["events"]
    assert [(e["type"], e["seq"]) for e in events] == [("feed.posted", entry["seq"])]
    assert events[0]["data"]["id"] == entry["id"] and events[0]["data"]["seq"] == entry["seq"]
    assert events[0]["data"]["text"] == "各位网友，大家好！"


def test_speaker_names_come_from_the_interview(post, interview):
    wang, li = interview["guests"]
    assert post("嘉宾回答", "guest", guest_id=li["id"]).get_json()["speaker_name"] == "李芳"
    assert post("网友问", "netizen").get_json()["speaker_name"] == "网友提问"
    assert post("现场画面", "narrator").get_json()["speaker_name"] == "旁白"
    # the client cannot name a guest by itself
    entry = post("冒名", "guest", guest_id=wang["id"], speaker_name="别人").get_json()
    assert entry["speaker_name"] == "王建国" and entry["guest_id"] == wang["id"]


@pytest.mark.parametrize("body, code", [
    ({"speaker": "guest", "text": "x"}, "invalid_guest"),
    ({"speaker": "guest", "guest_id": 999, "text": "x"}, "invalid_guest"),
    ({"speaker": "mayor", "text": "x"}, "invalid_speaker"),
    ({"speaker": "host", "text": "   "}, "empty_entry"),
    ({"speaker": "host", "text": "x", "image_id": 999}, "invalid_image_id"),
])
def test_bad_posts_are_refused_with_a_reason(editor, interview, body, code, client):
    before = _last_seq(client, interview["id"])
    resp = editor.post(f"/api/interviews/{interview['id']}/feed", json=body)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == code
    assert _last_seq(client, interview["id"]) == before


def test_a_guest_or_photo_of_another_interview_is_refused(admin, editor, post, upload, interview):
    other = admin.post("/api/interviews", json={"title": "另一场", "guests": [{"name": "赵六"}],
                                                "state": "preview"}).get_json()
    stranger = other["guests"][0]["id"]
    assert post("x", "guest", guest_id=stranger).get_json()["error"]["code"] == "invalid_guest"
    from .conftest import make_image
    foreign_image = upload(make_image(), interview_id=other["id"]).get_json()["id"]
    assert post("x", image_id=foreign_image).get_json()["error"]["code"] == "invalid_image_id"


@pytest.mark.parametrize("state, allowed", [("preview", True), ("live", True), ("ended", True),
                                            ("published", False), ("planned", False)])
def test_posting_follows_the_interview_state(admin, post, interview, state, allowed):
    path = {"preview": [], "live": ["live"], "ended": ["live", "ended"],
            "published": ["live", "ended", "published"], "planned": ["planned"]}[state]
    for step in path:
        assert admin.patch(f"/api/interviews/{interview['id']}", json={"state": step}).status_code == 200
    resp = post("一条")
    if allowed:
        assert resp.status_code == 201
    else:
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "feed_closed"


def test_edit_pin_and_withdraw_are_events_and_history_is_kept(post, editor, client, interview):
    entry = post("消防通道不能堵").get_json()
    eid = entry["id"]
    before = _last_seq(client, interview["id"])

    edited = editor.patch(f"/api/feed/{eid}", json={"text": "消防通道严禁堵塞"}).get_json()
    assert edited["text"] == "消防通道严禁堵塞" and edited["edited"] is True and edited["revision"] == 2
    assert edited["seq"] == entry["seq"]  # the entry keeps its place in the feed
    pinned = editor.patch(f"/api/feed/{eid}", json={"pinned": True}).get_json()
    assert pinned["pinned"] is True and pinned["revision"] == 3
    # unchanged values add nothing
    assert editor.patch(f"/api/feed/{eid}", json={"pinned": True, "text": "消防通道严禁堵塞"}).status_code == 200
    both = editor.patch(f"/api/feed/{eid}", json={"text": "消防通道严禁堵塞！", "pinned": False}).get_json()
    assert both["revision"] == 5
    withdrawn = editor.delete(f"/api/feed/{eid}").get_json()
    assert withdrawn["deleted"] is True and withdrawn["pinned"] is False

    events = _events(client, interview["id"], before)["events"]
    assert [e["type"] for e in events] == ["feed.edited", "feed.pinned", "feed.edited", "feed.pinned", "feed.deleted"]
    assert events[-1]["data"]["deleted"] is True and events[-1]["data"]["id"] == eid
    assert "text" not in events[-1]["data"] and "speaker_name" not in events[-1]["data"]

    history = editor.get(f"/api/feed/{eid}/history").get_json()["revisions"]
    assert [h["action"] for h in history] == ["posted", "edited", "pinned", "edited", "unpinned", "deleted"]
    assert [h["text"] for h in history][:2] == ["消防通道不能堵", "消防通道严禁堵塞"]
    assert all(h["by"] == "feed_editor" for h in history)

    # withdrawing again is harmless; editing a withdrawn entry is refused
    last = _last_seq(client, interview["id"])
    assert editor.delete(f"/api/feed/{eid}").status_code == 200
    assert _last_seq(client, interview["id"]) == last
    resp = editor.patch(f"/api/feed/{eid}", json={"text": "复活"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "entry_withdrawn"


def test_public_lists_omit_withdrawn_entries_staff_see_them(post, editor, client, interview):
    keep, gone = post("保留").get_json(), post("撤回").get_json()
    editor.delete(f"/api/feed/{gone['id']}")
    public = client.get(f"/api/interviews/{interview['id']}/feed").get_json()["entries"]
    assert [e["id"] for e in public] == [keep["id"]]
    staff = editor.get(f"/api/interviews/{interview['id']}/feed").get_json()["entries"]
    assert [(e["id"], e["deleted"], e["text"]) for e in staff] == [(keep["id"], False, "保留"), (gone["id"], True, "撤回")]
    snap = client.get(f"/api/interviews/{interview['id']}/snapshot").get_json()["snapshot"]
    assert [e["id"] for e in snap["feed"]["entries"]] == [keep["id"]]


def test_edit_refuses_unknown_fields_and_bad_pins(post, editor):
    eid = post("一条").get_json()["id"]
    assert editor.patch(f"/api/feed/{eid}", json={"seq": 1}).get_json()["error"]["code"] == "invalid_field"
    assert editor.patch(f"/api/feed/{eid}", json={"pinned": "yes"}).get_json()["error"]["code"] == "invalid_field"
    assert editor.patch(f"/api/feed/{eid}", json={"text": ""}).get_json()["error"]["code"] == "empty_entry"
    assert editor.patch("/api/feed/99999", json={"text": "x"}).status_code == 404
    assert editor.delete("/api/feed/99999").get_json()["error"]["code"] == "entry_not_found"


def _apply(entries: dict, ev: dict) -> None:
    """What a public client does with a feed event (viewer.js FeedView.applyEvent)."""
    if ev["type"] == "feed.deleted":
        entries.pop(ev["data"]["id"], None)
    elif ev["type"].startswith("feed."):
        entries[ev["data"]["id"]] = ev["data"]


def test_old_snapshot_plus_events_equals_a_fresh_snapshot(post, editor, client, interview, upload):
    from .conftest import make_image

    iid = interview["id"]
    a = post("甲").get_json()
    old = client.get(f"/api/interviews/{iid}/snapshot").get_json()
    image = upload(make_image()).get_json()["id"]
    b = post("乙", image_id=image).get_json()
    post("丙", "narrator")
    editor.patch(f"/api/feed/{a['id']}", json={"text": "甲（更正）", "pinned": True})
    editor.delete(f"/api/feed/{b['id']}")
    entries = {e["id"]: e for e in old["snapshot"]["feed"]["entries"]}
    for ev in _events(client, iid, old["last_seq"])["events"]:
        _apply(entries, ev)
    fresh = client.get(f"/api/interviews/{iid}/snapshot").get_json()["snapshot"]["feed"]["entries"]
    assert sorted(entries.values(), key=lambda e: e["seq"]) == fresh


def test_live_viewers_get_each_change_as_it_commits(post, editor, socket_client, interview):
    viewer = socket_client("/live")
    ack = viewer.emit("join", {"interview_id": interview["id"]}, callback=True, namespace="/live")
    assert ack["ok"] and ack["snapshot"]["feed"] == {"entries": []}
    entry = post("直播开始").get_json()
    editor.patch(f"/api/feed/{entry['id']}", json={"pinned": True})
    editor.delete(f"/api/feed/{entry['id']}")
    received = [p["args"][0] for p in viewer.get_received("/live") if p["name"] == "event"]
    assert [e["type"] for e in received] == ["feed.posted", "feed.pinned", "feed.deleted"]
    assert received[0]["data"]["text"] == "直播开始" and received[2]["data"]["deleted"] is True
    seqs = [e["seq"] for e in received]
    assert seqs == sorted(seqs) and received[0]["prev"] == ack["last_seq"]


def test_viewer_page_renders_the_feed_and_pinned_entries(post, editor, client, interview):
    first = post("第一条").get_json()
    post("第二条 https://www.gov.cn/zhengce/", "guest", guest_id=interview["guests"][0]["id"])
    editor.patch(f"/api/feed/{first['id']}", json={"pinned": True})
    gone = post("撤回的内容").get_json()
    editor.delete(f"/api/feed/{gone['id']}")
    html = client.get(f"/i/{interview['id']}").get_data(as_text=True)
    assert "全民消防安全宣传教育" in html and "王建国" in html and "从事消防工作二十年" in html
    assert 'id="state-banner"' in html and "预告" in html and "2024年4月15日 09:30" in html
    assert html.index("第二条") < html.index("第一条", html.index('id="feed"'))  # newest first
    assert f'<div id="pinned"><article class="entry speaker-host pinned" data-id="{first["id"]}"' in html
    assert '<a href="https://www.gov.cn/zhengce/" rel="noopener noreferrer nofollow" target="_blank">' in html
    assert "撤回的内容" not in html
    assert '<section class="video-slot" id="video-slot">' in html and 'id="questions-slot"' in html


def test_viewer_page_is_404_for_planned_and_unknown_interviews(admin, client):
    planned = admin.post("/api/interviews", json={"title": "内部计划"}).get_json()
    for url in (f"/i/{planned['id']}", "/i/99999"):
        resp = client.get(url)
        assert resp.status_code == 404 and "没有找到这场访谈" in resp.get_data(as_text=True)
        assert "内部计划" not in resp.get_data(as_text=True)


def test_banner_follows_the_state(admin, client, interview):
    iid = interview["id"]
    admin.patch(f"/api/interviews/{iid}", json={"state": "live"})
    assert 'data-state="live"' in client.get(f"/i/{iid}").get_data(as_text=True)
    assert "直播中" in client.get(f"/i/{iid}").get_data(as_text=True)
    admin.patch(f"/api/interviews/{iid}", json={"state": "ended"})
    html = client.get(f"/i/{iid}").get_data(as_text=True)
    assert "回顾" in html and '<div id="feed" class="feed" data-order="oldest">' in html  # read like a transcript


def test_editor_page_carries_every_speaker_for_its_buttons(login, interview):
    # Issue 8.6 changed this: the speaker buttons are built (and rebuilt when guests change) by
    # feed_editor.js from the interview embedded in the page, each label without its shortcut
    # digit glued in front ("1主持人"); tests/feed/test_feed_editor_draft_browser.py checks them.
    import json
    import re

    html = login("feed_editor").get(f"/studio/{interview['id']}/feed").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="interview-data">(.*?)</script>', html, re.S).group(1))
    assert data["hosts"] == ["张敏"] and [g["name"] for g in data["guests"]] == ["王建国", "李芳"]
    assert 'id="speakers" role="radiogroup"' in html and "<kbd>1</kbd>主持人" not in html
    assert 'name="csrf-token"' in html


def test_two_editors_changing_one_entry_at_once_never_share_a_revision(app, post, login, client, interview):
    import threading

    eid = post("同时修改").get_json()["id"]
    errors = []

    def toggle(role, rounds):
        from tests.conftest import StaffClient
        staff = StaffClient(app, role)
        for n in range(rounds):
            resp = staff.patch(f"/api/feed/{eid}", json={"text": f"{role} 第{n}次修改"})
            if resp.status_code != 200:
                errors.append(resp.get_data(as_text=True))

    threads = [threading.Thread(target=toggle, args=(role, 8)) for role in ("feed_editor", "admin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    history = login("feed_editor").get(f"/api/feed/{eid}/history").get_json()["revisions"]
    assert [h["revision"] for h in history] == list(range(1, len(history) + 1))
    events = client.get(f"/api/interviews/{interview['id']}/events").get_json()["events"]
    revisions = [e["data"]["revision"] for e in events if e["type"] == "feed.edited"]
    assert revisions == sorted(revisions) and len(set(revisions)) == len(revisions) == len(history) - 1
