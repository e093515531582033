"""Every publishing action × every role and the public."""
from __future__ import annotations

import pytest

from studio.platform.db import Session
from studio.platform.models import ROLES
from studio.recordings import Recording

from publishing.models import PublishJob
from publishing.permissions import PERMISSIONS

from .conftest import T0

# action -> (method, url template, body, roles allowed besides admin), the roles from publishing's
# permission table (which its routes read too)
SEE, ADD, EDIT, JOBS = (set(PERMISSIONS[name]) for name in
                        ("see_recordings", "add_recordings", "edit_and_publish", "watch_jobs"))
ACTIONS = {
    "list_recordings": ("GET", "/api/interviews/{iid}/recordings", None, SEE),
    "register_recording": ("POST", "/api/interviews/{iid}/recordings", {"path": "x.mkv", "started_at": "2024-04-15T09:30:00+08:00"},
                           ADD),
    "recording_media": ("GET", "/api/recordings/{rid}/media", None, SEE),
    "get_edit": ("GET", "/api/interviews/{iid}/edit", None, EDIT),
    "save_edit": ("PUT", "/api/interviews/{iid}/edit", {"recording_ids": [], "keep": []}, EDIT),
    "publish": ("POST", "/api/interviews/{iid}/publish", None, EDIT),
    "unpublish": ("DELETE", "/api/interviews/{iid}/publish", None, EDIT),
    "list_jobs": ("GET", "/api/interviews/{iid}/jobs", None, JOBS),
    "get_job": ("GET", "/api/jobs/{jid}", None, JOBS),
    "cancel_job": ("POST", "/api/jobs/{jid}/cancel", None, EDIT),
    "editor_page": ("GET", "/studio/{iid}/edit", None, EDIT),
}
PUBLIC_PATHS = ["/archive/", "/archive/feed.xml", "/archive/assets/archive.css"]


@pytest.fixture
def targets(app, interview, tmp_path):
    media = tmp_path / "tiny.mkv"
    media.write_bytes(b"\x1aE\xdf\xa3" + b"\0" * 64)
    with app.app_context():
        session = Session()
        rec = Recording(interview_id=interview["id"], path=str(media), source="path", started_at=T0,
                        duration_s=1.0, width=320, height=240)
        job = PublishJob(interview_id=interview["id"], state="done", progress=1.0, edit={})
        session.add_all([rec, job])
        session.commit()
        return {"iid": interview["id"], "rid": rec.id, "jid": job.id}


def _call(client, action, targets):
    method, url, body, _ = ACTIONS[action]
    url = url.format(**targets)
    kwargs = {"json": body} if body is not None else {}
    return client.open(method, url, **kwargs) if hasattr(client, "role") else \
        client.open(url, method=method, **kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(login, targets, role):
    """Each role against every action (one test per role: building the app per case is slow)."""
    client, wrong = login(role), []
    for action in sorted(ACTIONS):
        resp = _call(client, action, targets)
        allowed = role == "admin" or role in ACTIONS[action][3]
        if allowed and (resp.status_code in (401, 403) or resp.status_code >= 500):
            wrong.append((action, "should be allowed", resp.status_code, resp.get_data(as_text=True)[:200]))
        if not allowed and resp.status_code != 403:
            wrong.append((action, "should be refused", resp.status_code))
    assert not wrong, wrong


def test_public_is_refused(client, targets):
    for action in sorted(ACTIONS):
        resp = _call(client, action, targets)
        if action == "editor_page":
            assert resp.status_code == 302 and "/login" in resp.headers["Location"], action
        else:
            assert resp.status_code == 401, (action, resp.status_code)


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_archive_is_public(client, path):
    assert client.get(path).status_code == 200


def test_writes_need_csrf(login, targets):
    publisher = login("publisher")
    resp = publisher.post(f"/api/interviews/{targets['iid']}/publish", csrf=False)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed"
