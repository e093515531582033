"""Who may do what with the feed and its photos: every role and the public × every action.

Writes by the roles that may write are also refused without the CSRF token.
"""
from __future__ import annotations

import io

import pytest

from studio.feed.permissions import PERMISSIONS
from studio.platform.models import ROLES
from tests.conftest import StaffClient

from .conftest import make_image

PUBLIC = "public"
EVERYONE = (*ROLES, PUBLIC)
# Who may do what comes from the feed's permission table, which its routes read too.
WRITERS = PERMISSIONS["write_feed"].granted


@pytest.fixture
def world(app, login, interview, editor):
    """An interview with a posted entry, a posted photo and an uploaded-but-unposted photo."""
    iid = interview["id"]
    posted_image = _upload(editor, iid).get_json()["id"]
    private_image = _upload(editor, iid).get_json()["id"]
    entry = editor.post(f"/api/interviews/{iid}/feed", json={"speaker": "host", "text": "第一条",
                                                            "image_id": posted_image}).get_json()
    return {"interview_id": iid, "entry_id": entry["id"], "posted_image": posted_image,
            "private_image": private_image}


def _upload(client, interview_id, **kw):
    return client.post(f"/api/interviews/{interview_id}/images", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(make_image()), "p.jpg")}, **kw)


# name -> (method, url template, JSON body or "upload", roles that succeed, success status, public status)
ACTIONS = {
    "post_entry": ("POST", "/api/interviews/{interview_id}/feed", {"speaker": "narrator", "text": "旁白"},
                   WRITERS, 201, 401),
    "edit_entry": ("PATCH", "/api/feed/{entry_id}", {"text": "更正"}, WRITERS, 200, 401),
    "pin_entry": ("PATCH", "/api/feed/{entry_id}", {"pinned": True}, WRITERS, 200, 401),
    "withdraw_entry": ("DELETE", "/api/feed/{entry_id}", None, WRITERS, 200, 401),
    "upload_image": ("POST", "/api/interviews/{interview_id}/images", "upload", WRITERS, 201, 401),
    "entry_history": ("GET", "/api/feed/{entry_id}/history", None, PERMISSIONS["read_entry_history"].granted, 200, 401),
    "list_feed": ("GET", "/api/interviews/{interview_id}/feed", None, set(EVERYONE), 200, 200),
    "snapshot": ("GET", "/api/interviews/{interview_id}/snapshot", None, set(EVERYONE), 200, 200),
    "posted_photo": ("GET", "/media/{posted_image}", None, set(EVERYONE), 200, 200),
    "posted_thumb": ("GET", "/media/{posted_image}/thumb", None, set(EVERYONE), 200, 200),
    "unposted_photo": ("GET", "/media/{private_image}", None, set(ROLES), 200, 404),
    "editor_page": ("GET", "/studio/{interview_id}/feed", None, WRITERS, 200, 302),
    "viewer_page": ("GET", "/i/{interview_id}", None, set(EVERYONE), 200, 200),
}


def _call(client, action, world, csrf=True):
    method, url, body, *_ = ACTIONS[action]
    url = url.format(**world)
    kwargs = {}
    if body == "upload":
        kwargs = {"content_type": "multipart/form-data", "data": {"file": (io.BytesIO(make_image()), "p.jpg")}}
    elif body is not None:
        kwargs = {"json": body}
    if isinstance(client, StaffClient):
        return client.open(method, url, **({"csrf": csrf} if method != "GET" else {}), **kwargs)
    return client.open(url, method=method, **kwargs)


def _expected(role, action):
    _method, _url, _body, allowed, ok_status, public_status = ACTIONS[action]
    if role == PUBLIC:
        return public_status
    return ok_status if role in allowed else 403


# One fresh world per role (accounts and logins cost seconds on a loaded machine); inside it every
# action runs in ACTIONS' order, reads first and the withdrawal last, and every cell is checked.
@pytest.mark.parametrize("role", EVERYONE)
def test_role_matrix(role, world, login, client):
    caller = client if role == PUBLIC else login(role)
    wrong = []
    for action in ACTIONS:
        resp = _call(caller, action, world)
        if resp.status_code != _expected(role, action):
            wrong.append(f"{role} {action}: {resp.status_code} (want {_expected(role, action)}) "
                         f"{resp.get_data(as_text=True)[:200]}")
        elif resp.status_code >= 400 and resp.mimetype == "application/json":
            assert set(resp.get_json()["error"]) >= {"code", "message"}
    assert not wrong, "\n".join(wrong)


WRITES = [name for name, spec in ACTIONS.items() if spec[0] != "GET"]


@pytest.mark.parametrize("role", sorted(WRITERS))
def test_writes_without_csrf_are_refused_and_change_nothing(role, world, login, client):
    events_url = f"/api/interviews/{world['interview_id']}/events?after=0"
    before = client.get(events_url).get_json()["last_seq"]
    for action in WRITES:
        resp = _call(login(role), action, world, csrf=False)
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed", action
    assert client.get(events_url).get_json()["last_seq"] == before
    staff_feed = login(role).get(f"/api/interviews/{world['interview_id']}/feed").get_json()["entries"]
    assert [(e["text"], e["pinned"], e["deleted"]) for e in staff_feed] == [("第一条", False, False)]


def test_studio_socket_refuses_the_public_and_live_hides_planned_interviews(app, socket_client, admin):
    from studio.platform.extensions import socketio

    anonymous = socketio.test_client(app, namespace="/studio")
    assert not anonymous.is_connected("/studio")
    planned = admin.post("/api/interviews", json={"title": "未公布的访谈"}).get_json()
    viewer = socket_client("/live")
    ack = viewer.emit("join", {"interview_id": planned["id"]}, callback=True, namespace="/live")
    assert ack["ok"] is False and ack["error"]["code"] == "interview_not_found"
    for url in (f"/i/{planned['id']}", f"/api/interviews/{planned['id']}/feed"):
        assert app.test_client().get(url).status_code == 404


def test_every_staff_role_may_follow_the_studio_feed(socket_client, interview):
    for role in ROLES:
        staff = socket_client("/studio", role=role)
        ack = staff.emit("join", {"interview_id": interview["id"]}, callback=True, namespace="/studio")
        assert ack["ok"] and "feed" in ack["snapshot"], role
