"""Moving through the cards: bounds, goto, events with seq, concurrent clickers, timers, snapshot."""
import threading
import time
from datetime import datetime

import pytest

from .conftest import staff_events


def move(client, iid, **body):
    return client.post(f"/api/interviews/{iid}/cue", json=body)


def test_next_prev_goto_and_bounds(scripted, host, login):
    iid, data = scripted
    count = data["count"]
    resp = move(host, iid, action="next")
    assert resp.status_code == 200 and resp.get_json()["current"] == 1
    assert resp.get_json()["card"]["id"] == data["cards"][1]["id"]
    assert resp.get_json()["next_card"]["id"] == data["cards"][2]["id"]
    assert move(host, iid, action="prev").get_json()["current"] == 0
    resp = move(host, iid, action="prev")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "cue_at_start"
    resp = move(login("director"), iid, action="goto", index=count - 1)
    assert resp.status_code == 200 and resp.get_json()["current"] == count - 1
    assert resp.get_json()["next_card"] is None
    resp = move(host, iid, action="next")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "cue_at_end"
    for bad in (-1, count, "3", 2.5, True, None):
        resp = move(host, iid, action="goto", index=bad)
        assert resp.status_code == 400, bad
        assert resp.get_json()["error"]["code"] in ("invalid_index", "invalid_field", "missing_field")
    for body in ({"action": "jump"}, {}, {"action": "next", "expected": "x"}):
        assert move(host, iid, **body).status_code == 400
    assert host.post(f"/api/interviews/{iid}/cue", data="next", content_type="text/plain").status_code == 400
    assert host.get(f"/api/interviews/{iid}/cues").get_json()["current"] == count - 1


def test_no_cards_yet(interview, login):
    resp = move(login("host"), interview["id"], action="next")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "no_cards"
    data = login("moderator").get(f"/api/interviews/{interview['id']}/cues").get_json()
    assert data["cards"] == [] and data["card"] is None and data["script"] is None


def test_each_move_is_one_staff_event_with_the_next_seq(scripted, host, app):
    iid, _ = scripted
    before = staff_events(app, iid)[-1]["seq"]
    move(host, iid, action="next")
    move(host, iid, action="next")
    move(host, iid, action="goto", index=7)
    move(host, iid, action="next", expected=0)           # refused: nothing recorded
    move(host, iid, action="goto", index=7)               # already there: nothing recorded
    events = staff_events(app, iid, before)
    assert [e["type"] for e in events] == ["cue.changed"] * 3
    assert [e["seq"] for e in events] == [before + 1, before + 2, before + 3]
    assert [e["data"]["current"] for e in events] == [1, 2, 7]
    assert [e["data"]["action"] for e in events] == ["next", "next", "goto"]
    first = events[0]["data"]
    assert first["card"]["index"] == 1 and first["started_at"] == first["card_started_at"]
    assert first["by"]["role"] == "host" and "server_now" not in first
    versions = [e["data"]["version"] for e in events]
    assert versions == sorted(versions) and len(set(versions)) == 3
    # cue events never reach the public
    from studio.platform.db import Session
    from studio.platform.events import PUBLIC, replay_events
    with app.app_context():
        public, _ = replay_events(Session(), iid, 0, PUBLIC)
    assert not any(e["type"].startswith(("cue.", "host.")) for e in public)


def test_expected_index_stops_a_second_clicker_from_skipping_a_card(scripted, host, login):
    iid, _ = scripted
    director = login("director")
    first = move(host, iid, action="next", expected=0)
    second = move(director, iid, action="next", expected=0)   # saw card 0 too
    assert first.status_code == 200 and first.get_json()["current"] == 1
    assert second.status_code == 409
    error = second.get_json()["error"]
    assert error["code"] == "cue_conflict" and error["current"] == 1 and "第 2 张" in error["message"]
    assert host.get(f"/api/interviews/{iid}/cues").get_json()["current"] == 1
    # quick double press on one screen: the second press expects the card the first one moved to
    assert move(host, iid, action="next", expected=1).get_json()["current"] == 2
    assert move(host, iid, action="next", expected=2).get_json()["current"] == 3


def test_concurrent_next_from_two_clients_moves_exactly_one_card(scripted, login):
    iid, _ = scripted
    clients = [login("host"), login("director"), login("admin")]
    for round_ in range(3):
        start = clients[0].get(f"/api/interviews/{iid}/cues").get_json()["current"]
        barrier = threading.Barrier(len(clients))
        results = []

        def press(client):
            barrier.wait()
            results.append(move(client, iid, action="next", expected=start))
        threads = [threading.Thread(target=press, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 409, 409], [r.get_json() for r in results]
        assert clients[0].get(f"/api/interviews/{iid}/cues").get_json()["current"] == start + 1


def _t(iso):
    return datetime.fromisoformat(iso)


def test_timers_are_stored_start_times_and_actual_time_adds_up(scripted, host, login):
    iid, _ = scripted
    state = host.get(f"/api/interviews/{iid}/cues").get_json()
    assert state["show_started_at"] is None and state["card_started_at"] is None
    started = move(host, iid, action="start").get_json()
    assert started["show_started_at"] == started["card_started_at"] is not None
    assert move(host, iid, action="start").get_json()["version"] == started["version"]  # running: no change
    time.sleep(0.3)
    moved = move(host, iid, action="next").get_json()
    assert moved["left"]["index"] == 0 and moved["left"]["actual_s"] >= 0.3
    assert _t(moved["card_started_at"]) > _t(started["card_started_at"])
    assert moved["show_started_at"] == started["show_started_at"]
    assert moved["planned_offset_s"] == moved["card"]["planned_s"] * 0 + \
        host.get(f"/api/interviews/{iid}/cues").get_json()["cards"][0]["planned_s"]
    # every screen reads the same start times (a reload, another role)
    for role in ("host", "moderator", "director", "admin"):
        again = login(role).get(f"/api/interviews/{iid}/cues").get_json()
        assert again["card_started_at"] == moved["card_started_at"]
        assert again["show_started_at"] == moved["show_started_at"]
        assert abs((_t(again["server_now"]) - _t(moved["card_started_at"])).total_seconds()) < 30
    time.sleep(0.2)
    back = move(host, iid, action="prev").get_json()
    cards = host.get(f"/api/interviews/{iid}/cues").get_json()["cards"]
    assert cards[1]["actual_s"] >= 0.2 and back["current"] == 0
    time.sleep(0.2)
    move(host, iid, action="next")
    cards = host.get(f"/api/interviews/{iid}/cues").get_json()["cards"]
    assert cards[0]["actual_s"] >= 0.5  # both visits to card 0 add up
    reset = move(host, iid, action="reset").get_json()
    assert reset["current"] == 0 and reset["show_started_at"] is None
    assert all(c["actual_s"] == 0 for c in host.get(f"/api/interviews/{iid}/cues").get_json()["cards"])


def test_moving_in_preview_does_not_start_the_show(scripted, host):
    # Issue 8.3: cards are moved in rehearsal too; only going live or 开始计时 starts the clock.
    iid, _ = scripted
    moved = move(host, iid, action="next").get_json()
    assert moved["current"] == 1
    assert moved["show_started_at"] is None and moved["card_started_at"] is None
    moved = move(host, iid, action="goto", index=4).get_json()
    assert moved["show_started_at"] is None and moved["left"] is None  # nothing was running
    assert host.get(f"/api/interviews/{iid}/cues").get_json()["show_started_at"] is None


def test_going_live_resets_a_clock_started_in_rehearsal(scripted, host, admin):
    iid, _ = scripted
    started = move(host, iid, action="start").get_json()
    time.sleep(0.3)
    move(host, iid, action="next")
    move(host, iid, action="next")
    rehearsal = host.get(f"/api/interviews/{iid}/cues").get_json()
    assert rehearsal["cards"][0]["actual_s"] > 0
    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "live"}).status_code == 200
    live = host.get(f"/api/interviews/{iid}/cues").get_json()
    assert _t(live["show_started_at"]) > _t(started["show_started_at"])
    assert live["card_started_at"] == live["show_started_at"] and live["show_ended_at"] is None
    assert (_t(live["server_now"]) - _t(live["show_started_at"])).total_seconds() < 5
    assert all(c["actual_s"] == 0 for c in live["cards"])  # rehearsal times are gone
    assert live["current"] == 2 and live["version"] > rehearsal["version"]  # the host's card stays


def test_reset_on_air_restarts_the_clock_and_is_broadcast(scripted, host, admin, app):
    iid, _ = scripted
    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "live"}).status_code == 200
    before = host.get(f"/api/interviews/{iid}/cues").get_json()
    time.sleep(0.2)
    move(host, iid, action="next")
    reset = move(host, iid, action="reset").get_json()
    assert reset["current"] == 0 and reset["show_ended_at"] is None
    assert _t(reset["show_started_at"]) > _t(before["show_started_at"])
    assert reset["card_started_at"] == reset["show_started_at"]
    last = staff_events(app, iid)[-1]
    assert last["type"] == "cue.changed" and last["data"]["action"] == "reset"
    assert last["data"]["show_started_at"] == reset["show_started_at"]


def test_going_live_starts_the_clock_even_before_a_script(interview, host, admin):
    iid = interview["id"]
    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "live"}).status_code == 200
    resp = host.put(f"/api/interviews/{iid}/script", data="主持人：一。\n主持人：二。".encode(), content_type="text/plain")
    assert resp.status_code == 200 and resp.get_json()["show_started_at"] is not None


def test_going_live_starts_and_ending_stops_the_show_timer(scripted, host, admin):
    iid, _ = scripted
    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "live"}).status_code == 200
    live = host.get(f"/api/interviews/{iid}/cues").get_json()
    assert live["show_started_at"] is not None and live["show_ended_at"] is None
    move(host, iid, action="next")
    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "ended"}).status_code == 200
    ended = host.get(f"/api/interviews/{iid}/cues").get_json()
    assert ended["show_ended_at"] is not None and ended["show_started_at"] == live["show_started_at"]
    assert ended["version"] > live["version"]


def test_snapshot_part_for_staff_only(scripted, socket_client, host, interview):
    iid, data = scripted
    host.post(f"/api/interviews/{iid}/host-message", json={"text": "x"})  # host may not: ignored here
    studio = socket_client("/studio", role="moderator")
    ack = studio.emit("join", {"interview_id": iid}, callback=True, namespace="/studio")
    cues = ack["snapshot"]["cues"]
    assert [c["id"] for c in cues["cards"]] == [c["id"] for c in data["cards"]]
    assert cues["current"] == 0 and cues["server_now"] and "host_messages" in cues
    viewer = socket_client("/live")
    ack = viewer.emit("join", {"interview_id": iid}, callback=True, namespace="/live")
    assert ack["ok"] and ack["snapshot"].get("cues") is None


def test_socket_advance_is_broadcast_to_studio_clients(scripted, socket_client):
    iid, _ = scripted
    host_socket = socket_client("/studio", role="host")
    watcher = socket_client("/studio", role="director")
    for sc in (host_socket, watcher):
        assert sc.emit("join", {"interview_id": iid}, callback=True, namespace="/studio")["ok"]
    watcher.get_received("/studio")
    ack = host_socket.emit("cue.advance", {"interview_id": iid, "action": "next", "expected": 0},
                           callback=True, namespace="/studio")
    assert ack["ok"] and ack["state"]["current"] == 1 and ack["server_now"]
    ack2 = host_socket.emit("cue.advance", {"interview_id": iid, "action": "next", "expected": 0},
                            callback=True, namespace="/studio")
    assert not ack2["ok"] and ack2["error"]["code"] == "cue_conflict" and ack2["error"]["current"] == 1
    events = [p["args"][0] for p in watcher.get_received("/studio") if p["name"] == "event"]
    assert [(e["type"], e["data"]["current"]) for e in events] == [("cue.changed", 1)]
    state = watcher.emit("cue.state", {"interview_id": iid}, callback=True, namespace="/studio")
    assert state["ok"] and state["state"]["current"] == 1 and state["server_now"]
    bad = host_socket.emit("cue.advance", {"interview_id": "1", "action": "next"}, callback=True, namespace="/studio")
    assert not bad["ok"] and bad["error"]["code"] == "invalid_interview_id"
