"""Role × action matrix for every cue, script and backstage-message action, over HTTP and Socket.IO.

Admin passes everywhere; the public gets 401 (HTTP) or no /studio connection at all.
"""
import pytest

from studio.cues.permissions import PERMISSIONS

ROLES = ("admin", "host", "moderator", "director", "feed_editor", "publisher", None)  # None = the public

# Who may do what comes from the cue area's permission table, which its routes and sockets read too.
ALLOWED = {
    "put_script": PERMISSIONS["edit_cues"].granted,
    "get_script": PERMISSIONS["read_cues"].granted,
    "get_cues": PERMISSIONS["read_cues"].granted,
    "move_cue": PERMISSIONS["move_cue"].granted,
    "insert_card": PERMISSIONS["edit_cues"].granted,
    "update_card": PERMISSIONS["edit_cues"].granted,
    "reorder_cards": PERMISSIONS["edit_cues"].granted,
    "delete_card": PERMISSIONS["edit_cues"].granted,
    "list_messages": PERMISSIONS["see_host_messages"].granted,
    "send_message": PERMISSIONS["send_host_message"].granted,
    "dismiss_message": PERMISSIONS["dismiss_host_message"].granted,
    "host_page": PERMISSIONS["host_console"].granted,
}
SOCKET_ALLOWED = {
    "cue.advance": PERMISSIONS["move_cue"].granted,
    "cue.state": PERMISSIONS["read_cues"].granted,
    "host.send_message": PERMISSIONS["send_host_message"].granted,
    "host.dismiss_message": PERMISSIONS["dismiss_host_message"].granted,
}


def http_actions(iid, cards, admin):
    """(name, call(client) -> response) in an order where each allowed call can succeed."""
    first, second = cards[0]["id"], cards[1]["id"]

    def order(client):
        ids = [c["id"] for c in admin.get(f"/api/interviews/{iid}/cues").get_json()["cards"]]
        return client.put(f"/api/interviews/{iid}/cues/order", json={"card_ids": ids[1:] + ids[:1]})

    def delete(client):
        made = admin.post(f"/api/interviews/{iid}/cues", json={"text": "待删除"}).get_json()["card"]["id"]
        return client.delete(f"/api/interviews/{iid}/cues/{made}")

    def dismiss(client):
        admin.post(f"/api/interviews/{iid}/host-message", json={"text": "请注意时间"})
        return client.post(f"/api/interviews/{iid}/host-message/dismiss", json={})

    return [
        ("get_script", lambda c: c.get(f"/api/interviews/{iid}/script")),
        ("get_cues", lambda c: c.get(f"/api/interviews/{iid}/cues")),
        ("move_cue", lambda c: c.post(f"/api/interviews/{iid}/cue", json={"action": "goto", "index": 2})),
        ("insert_card", lambda c: c.post(f"/api/interviews/{iid}/cues", json={"index": 1, "text": "插入的提示"})),
        ("update_card", lambda c: c.patch(f"/api/interviews/{iid}/cues/{second}", json={"title": "改过的标题"})),
        ("reorder_cards", order),
        ("delete_card", delete),
        ("send_message", lambda c: c.post(f"/api/interviews/{iid}/host-message", json={"text": "还剩五分钟"})),
        ("list_messages", lambda c: c.get(f"/api/interviews/{iid}/host-messages?all=1")),
        ("dismiss_message", dismiss),
        ("put_script", lambda c: c.put(f"/api/interviews/{iid}/script", data="主持人：你好。\n嘉宾：你好。".encode(),
                                       content_type="text/plain")),
        ("host_page", lambda c: c.get(f"/studio/{iid}/host")),
    ], first


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "public")
def test_http_matrix(role, scripted, login, client, admin):
    iid, data = scripted
    actions, _ = http_actions(iid, data["cards"], admin)
    assert {name for name, _ in actions} == set(ALLOWED)
    caller = login(role) if role else client
    for name, call in actions:
        resp = call(caller)
        allowed = role in ALLOWED[name] if role else False
        if name == "host_page":
            expected = (200,) if allowed else ((403,) if role else (302,))
            assert resp.status_code in expected, (role, name, resp.status_code)
            if not role:
                assert "/login" in resp.headers["Location"]
            continue
        if allowed:
            assert 200 <= resp.status_code < 300, (role, name, resp.status_code, resp.get_json())
        else:
            assert resp.status_code == (403 if role else 401), (role, name, resp.status_code)
            assert resp.get_json()["error"]["code"] in ("forbidden", "login_required")


def test_writes_without_csrf_are_refused(scripted, login):
    iid, _ = scripted
    host, moderator = login("host"), login("moderator")
    for resp in (host.post(f"/api/interviews/{iid}/cue", json={"action": "next"}, csrf=False),
                 host.put(f"/api/interviews/{iid}/script", data=b"x", content_type="text/plain", csrf=False),
                 moderator.post(f"/api/interviews/{iid}/host-message", json={"text": "x"}, csrf=False)):
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "public")
def test_socket_matrix(role, scripted, socket_client, admin):
    iid, _ = scripted
    sc = socket_client("/studio", role=role)
    if role is None:
        assert not sc.is_connected("/studio")  # the public never gets a /studio connection
        return
    payloads = {
        "cue.advance": {"interview_id": iid, "action": "goto", "index": 1},
        "cue.state": {"interview_id": iid},
        "host.send_message": {"interview_id": iid, "text": "导播：请看第二机位"},
        "host.dismiss_message": {"interview_id": iid},
    }
    assert set(payloads) == set(SOCKET_ALLOWED)
    for name, payload in payloads.items():
        ack = sc.emit(name, payload, callback=True, namespace="/studio")
        if role in SOCKET_ALLOWED[name]:
            assert ack["ok"], (role, name, ack)
        else:
            assert not ack["ok"] and ack["error"]["code"] == "forbidden", (role, name, ack)
