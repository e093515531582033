"""Role × action matrix for the core: every staff role and the public against every admin,
interview, session, events, plan and account action, over HTTP and the /studio socket.

One test per role runs every action (an app per action would take minutes on this machine);
a failure lists every (action, expected, got) that disagreed.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from studio.interviews.permissions import PERMISSIONS as INTERVIEWS
from studio.platform.models import ROLES
from studio.platform.permissions import PERMISSIONS as PLATFORM
from studio.plans.permissions import PERMISSIONS as PLANS
from tests.conftest import StaffClient

PLAN = Path(__file__).resolve().parent / "fixtures" / "plans" / "pukou-2024.csv"
PLAN_BYTES = PLAN.read_bytes()
EVERYONE = (None, *ROLES)
STAFF = ROLES
# The roles each action allows come from the areas' permission tables, which the routes read too.
ACCOUNTS = PLATFORM["manage_accounts"].granted
EDIT = INTERVIEWS["edit_interviews"].granted
LIVE_ROLES = INTERVIEWS["change_live_state"].granted
IMPORT = PLANS["import_plans"].granted


def plan_form():
    return {"file": (io.BytesIO(PLAN_BYTES), "plan.csv"), "year": "2024"}


# (name, method, url, kwargs, roles allowed, expected status when allowed, is a page)
# URLs use {iid} (a preview interview), {planned} (a planned one) and {other} (an account id).
ACTIONS = [
    ("interview list page", "GET", "/admin/", {}, STAFF, 200, True),
    ("edit page", "GET", "/admin/interviews/{iid}", {}, EDIT, 200, True),
    ("accounts page", "GET", "/admin/users", {}, ACCOUNTS, 200, True),
    ("list accounts", "GET", "/api/users", {}, ACCOUNTS, 200, False),
    ("create account", "POST", "/api/users",
     {"json": {"username": "made-by-{role}", "password": "long-enough-1", "role": "host"}}, ACCOUNTS, 201, False),
    ("change account", "PATCH", "/api/users/{other}", {"json": {"display_name": "改名"}}, ACCOUNTS, 200, False),
    ("disable account", "PATCH", "/api/users/{other}", {"json": {"active": False}}, ACCOUNTS, 200, False),
    ("import plan", "POST", "/api/plans/import", {"data": plan_form, "content_type": "multipart/form-data"},
     IMPORT, 201, False),
    ("preview plan", "POST", "/api/plans/import?dry_run=1",
     {"data": plan_form, "content_type": "multipart/form-data"}, IMPORT, 200, False),
    ("create interview", "POST", "/api/interviews", {"json": {"title": "新访谈"}}, EDIT, 201, False),
    ("edit interview", "PATCH", "/api/interviews/{iid}", {"json": {"notes": "备注"}}, EDIT, 200, False),
    ("start live", "POST", "/api/interviews/{iid}/state", {"json": {"state": "live"}}, LIVE_ROLES, 200, False),
    ("end live", "POST", "/api/interviews/{iid}/state", {"json": {"state": "ended"}}, LIVE_ROLES, 200, False),
    ("delete planned interview", "DELETE", "/api/interviews/{doomed}", {}, EDIT, 200, False),
    ("list interviews", "GET", "/api/interviews", {}, EVERYONE, 200, False),
    ("read announced interview", "GET", "/api/interviews/{iid}", {}, EVERYONE, 200, False),
    ("read planned interview", "GET", "/api/interviews/{planned}", {}, STAFF, 200, False),
    ("events", "GET", "/api/interviews/{iid}/events?after=0", {}, EVERYONE, 200, False),
    ("snapshot", "GET", "/api/interviews/{iid}/snapshot", {}, EVERYONE, 200, False),
    ("who am I", "GET", "/api/session", {}, STAFF, 200, False),
    ("log out", "DELETE", "/api/session", {}, STAFF, 200, False),
]


def denied_status(role, action):
    name, method, url, kwargs, allowed, ok, page = action
    if role is None:
        if name == "read planned interview":
            return 404  # the public cannot tell a planned interview exists
        return 302 if page else 401
    return 403


def run(client, role, action, ids):
    name, method, url, kwargs, allowed, ok, page = action
    kwargs = {k: (v() if callable(v) else v) for k, v in kwargs.items()}
    if "json" in kwargs and "username" in kwargs["json"]:
        kwargs["json"] = {**kwargs["json"], "username": kwargs["json"]["username"].format(role=role)}
    return client.open(method, url.format(**ids), **kwargs)


@pytest.fixture
def ids(admin, interview, users):
    planned = admin.post("/api/interviews", json={"title": "计划中的访谈"}).get_json()
    doomed = admin.post("/api/interviews", json={"title": "导入错了的访谈"}).get_json()
    return {"iid": interview["id"], "planned": planned["id"], "other": users["publisher"], "doomed": doomed["id"]}


@pytest.mark.parametrize("role", EVERYONE, ids=lambda r: r or "public")
def test_role_matrix_over_http(app, ids, role):
    mismatches = []
    for action in ACTIONS:
        client = StaffClient(app, role) if role else _PublicClient(app)
        resp = run(client, role, action, ids)
        expected = action[5] if role in action[4] else denied_status(role, action)
        if resp.status_code != expected:
            mismatches.append((action[0], expected, resp.status_code, resp.get_data(as_text=True)[:120]))
        if resp.status_code in (401, 403, 404) and not action[6]:
            assert resp.is_json and "error" in resp.get_json()
    assert not mismatches, mismatches


class _PublicClient:
    def __init__(self, app):
        self.client = app.test_client()

    def open(self, method, url, **kwargs):
        return self.client.open(url, method=method, **kwargs)


def test_public_sees_announced_interviews_without_staff_fields(app, ids, client):
    listed = client.get("/api/interviews").get_json()["interviews"]
    assert [i["id"] for i in listed] == [ids["iid"]]
    assert "liaison_phone" not in listed[0] and "notes" not in listed[0]


@pytest.mark.parametrize("role", [r for r in ROLES], ids=str)
def test_writes_without_csrf_are_refused_for_every_role(app, ids, role):
    client = StaffClient(app, role)
    for action in ACTIONS:
        name, method, url, kwargs, allowed, ok, page = action
        if method == "GET":
            continue
        kwargs = {k: (v() if callable(v) else v) for k, v in kwargs.items()}
        resp = client.open(method, url.format(**ids), csrf=False, **kwargs)
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed", (name, resp.status_code)


@pytest.mark.parametrize("role", EVERYONE, ids=lambda r: r or "public")
def test_studio_socket_join_matrix(app, ids, role, socket_client):
    sock = socket_client("/studio", role=role)
    if role is None:
        assert not sock.is_connected("/studio")
        return
    assert sock.is_connected("/studio")
    ack = sock.emit("join", {"interview_id": ids["planned"]}, callback=True, namespace="/studio")
    assert ack["ok"] and ack["snapshot"]["interview"]["id"] == ids["planned"]
    assert "liaison_name" in ack["snapshot"]["interview"]  # staff see staff fields


@pytest.mark.parametrize("role", EVERYONE, ids=lambda r: r or "public")
def test_live_socket_join_matrix(app, ids, role, socket_client):
    sock = socket_client("/live", role=role)
    ack = sock.emit("join", {"interview_id": ids["iid"]}, callback=True, namespace="/live")
    assert ack["ok"] and "liaison_name" not in ack["snapshot"]["interview"]
    hidden = sock.emit("join", {"interview_id": ids["planned"]}, callback=True, namespace="/live")
    assert not hidden["ok"] and hidden["error"]["code"] == "interview_not_found"


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_staff_only_events_stay_off_the_public_endpoints(app, ids, admin, client):
    from studio.platform.db import Session
    from studio.platform.events import record_event

    with app.app_context():
        session = Session()
        record_event(session, ids["iid"], "cue.changed", {"index": 1})
        session.commit()
    public = [e["type"] for e in client.get(f"/api/interviews/{ids['iid']}/events?after=0").get_json()["events"]]
    staff = [e["type"] for e in admin.get(f"/api/interviews/{ids['iid']}/events?after=0").get_json()["events"]]
    assert "cue.changed" in staff and "cue.changed" not in public


def test_other_roles_see_only_their_own_pages_on_the_list(app, ids, login):
    expected = {"feed_editor": "/feed", "moderator": "/moderation", "host": "/host",
                "director": "/director", "publisher": "/edit"}
    all_pages = set(expected.values())
    for role, own in expected.items():
        html = login(role).get("/admin/").get_data(as_text=True)
        iid = ids["iid"]
        assert f'href="/studio/{iid}{own}"' in html and f'href="/i/{iid}"' in html
        for other in all_pages - {own}:
            assert f'href="/studio/{iid}{other}"' not in html, (role, other)
        assert f'href="/admin/interviews/{iid}"' not in html and 'id="plan-form"' not in html
        assert 'href="/admin/users"' not in html
    html = login("admin").get("/admin/").get_data(as_text=True)
    for page in all_pages:
        assert f'href="/studio/{ids["iid"]}{page}"' in html
    assert f'href="/admin/interviews/{ids["iid"]}"' in html and 'id="plan-form"' in html
