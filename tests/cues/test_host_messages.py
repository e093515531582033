"""Backstage messages: moderator → host, shown until dismissed, staff events, validation."""
import pytest

from .conftest import staff_events


def test_message_is_shown_until_the_host_dismisses_it(interview, login, app):
    iid = interview["id"]
    moderator, host = login("moderator"), login("host")
    resp = moderator.post(f"/api/interviews/{iid}/host-message", json={"text": "  还剩 5 分钟，\n请准备结束语  "})
    assert resp.status_code == 201
    message = resp.get_json()
    assert message["text"] == "还剩 5 分钟， 请准备结束语" and message["from"]["role"] == "moderator"
    assert message["dismissed_at"] is None
    second = moderator.post(f"/api/interviews/{iid}/host-message", json={"text": "下一位网友问题已推送"}).get_json()
    cues = host.get(f"/api/interviews/{iid}/cues").get_json()
    assert [m["id"] for m in cues["host_messages"]] == [message["id"], second["id"]]
    resp = host.post(f"/api/interviews/{iid}/host-message/dismiss", json={"id": message["id"]})
    assert resp.get_json() == {"dismissed": [message["id"]]}
    again = host.post(f"/api/interviews/{iid}/host-message/dismiss", json={"id": message["id"]})
    assert again.get_json() == {"dismissed": []}  # already gone (e.g. on another screen): no new event
    assert [m["id"] for m in host.get(f"/api/interviews/{iid}/host-messages").get_json()["messages"]] == [second["id"]]
    assert host.post(f"/api/interviews/{iid}/host-message/dismiss").get_json() == {"dismissed": [second["id"]]}
    assert host.get(f"/api/interviews/{iid}/cues").get_json()["host_messages"] == []
    history = moderator.get(f"/api/interviews/{iid}/host-messages?all=1").get_json()["messages"]
    assert [m["id"] for m in history] == [message["id"], second["id"]] and all(m["dismissed_at"] for m in history)
    types = [(e["type"], e["data"].get("ids")) for e in staff_events(app, iid) if e["type"].startswith("host.")]
    assert types == [("host.message", None), ("host.message", None),
                     ("host.message_dismissed", [message["id"]]), ("host.message_dismissed", [second["id"]])]


@pytest.mark.parametrize("body, code", [({"text": ""}, "empty_message"), ({"text": " \n\t "}, "empty_message"),
                                        ({"text": "字" * 201}, "too_long"), ({"text": 12}, "invalid_field"),
                                        ({}, "invalid_field")])
def test_bad_messages_are_refused(interview, login, body, code):
    resp = login("moderator").post(f"/api/interviews/{interview['id']}/host-message", json=body)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == code


def test_two_hundred_characters_is_allowed_and_unknown_ids_are_404(interview, login):
    iid = interview["id"]
    assert login("moderator").post(f"/api/interviews/{iid}/host-message", json={"text": "字" * 200}).status_code == 201
    host = login("host")
    assert host.post(f"/api/interviews/{iid}/host-message/dismiss", json={"id": 99999}).status_code == 404
    assert host.post(f"/api/interviews/{iid}/host-message/dismiss", json={"id": "1"}).status_code == 400
    assert host.post(f"/api/interviews/{iid}/host-message/dismiss", data="[1]",
                     content_type="application/json").status_code == 400


def test_messages_reach_studio_sockets_and_not_the_public(interview, socket_client):
    iid = interview["id"]
    host_socket = socket_client("/studio", role="host")
    moderator_socket = socket_client("/studio", role="moderator")
    viewer = socket_client("/live")
    assert host_socket.emit("join", {"interview_id": iid}, callback=True, namespace="/studio")["ok"]
    assert viewer.emit("join", {"interview_id": iid}, callback=True, namespace="/live")["ok"]
    sent = moderator_socket.emit("host.send_message", {"interview_id": iid, "text": "嘉宾需要喝水，稍缓"},
                                 callback=True, namespace="/studio")
    assert sent["ok"]
    received = [p["args"][0] for p in host_socket.get_received("/studio") if p["name"] == "event"]
    assert received[-1]["type"] == "host.message" and received[-1]["data"]["text"] == "嘉宾需要喝水，稍缓"
    dismissed = host_socket.emit("host.dismiss_message", {"interview_id": iid, "id": sent["message"]["id"]},
                                 callback=True, namespace="/studio")
    assert dismissed == {"ok": True, "dismissed": [sent["message"]["id"]]}
    received = [p["args"][0] for p in host_socket.get_received("/studio") if p["name"] == "event"]
    assert received[-1]["type"] == "host.message_dismissed"
    assert not [p for p in viewer.get_received("/live") if p["name"] == "event"]
