"""Several real server processes behind one Redis message queue serve one interview.

Two `python server.py` processes share the database (PostgreSQL, or one SQLite file) and
REDIS_URL. What is posted through process A reaches viewers on both A and B, in seq order and
exactly once; a viewer that drops off B resumes on A without gaps or repeats; an event
recorded by a command-line process (the external worker, the OBS owner) reaches it as well.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
import socketio

from tests.support.server import PASSWORD, ROOT, ServerProcess

pytestmark = [pytest.mark.redis, pytest.mark.integration]

ENTRIES = 20


class Viewer:
    """A python-socketio client on /live that records every `event` it receives."""

    def __init__(self, base_url: str, interview_id: int, last_seq: int | None = None):
        self.events: list[dict] = []
        self.arrived = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("event", self._on_event, namespace="/live")
        self.sio.connect(base_url, namespaces=["/live"], transports=["websocket"], wait_timeout=15)
        payload = {"interview_id": interview_id}
        if last_seq is not None:
            payload["last_seq"] = last_seq
        self.join_ack = self.sio.call("join", payload, namespace="/live", timeout=15)
        assert self.join_ack["ok"], self.join_ack

    def _on_event(self, event):
        with self.arrived:
            self.events.append(event)
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 20) -> list[dict]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.events) >= count, timeout=timeout)
            return list(self.events)

    def close(self):
        self.sio.disconnect()


def post_entry(server: ServerProcess, editor, admin, interview_id: int, text: str) -> int:
    """Post one live-feed entry through `server`; returns its seq.

    Uses POST /api/interviews/<id>/feed; while that route did not exist yet this fell back to
    PATCH /api/interviews/<id> (an interview.updated event), which the generic 404 tells apart.
    """
    resp = editor.post(f"{server.url}/api/interviews/{interview_id}/feed",
                       json={"speaker": "host", "text": text}, timeout=15)
    if resp.status_code == 404 and resp.json()["error"]["code"] == "not_found":
        resp = admin.patch(f"{server.url}/api/interviews/{interview_id}", json={"description": text}, timeout=15)
        assert resp.status_code == 200, resp.text
        return resp.json()["last_seq"]
    assert resp.status_code == 201, resp.text
    return resp.json()["seq"]


def entry_text(event: dict) -> str:
    data = event["data"]
    return data["text"] if event["type"] == "feed.posted" else data["description"]


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres), "sqlite"])
def two_processes(request, tmp_path, redis_url):
    """Processes A and B on one database and one Redis channel of this test's own."""
    if request.param == "postgres":
        database_url = request.getfixturevalue("postgres_url")
    else:
        database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "REDIS_CHANNEL": f"fangtan-test-{uuid.uuid4().hex}", "STAFF_SOCKET_CHECK_SECONDS": "1"}
    a = ServerProcess(tmp_path / "a", env=env)
    b = ServerProcess(tmp_path / "b", env=env)
    a.migrate()
    a.create_user("admin", "admin")
    a.create_user("feed_editor", "feed_editor")
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.kill()
        b.kill()


def test_entries_posted_on_one_process_reach_viewers_on_both_in_order_once(two_processes):
    a, b = two_processes
    admin, editor = a.session("admin"), a.session("feed_editor")
    resp = admin.post(a.url + "/api/interviews", json={"title": "多进程图文直播", "state": "preview",
                                                       "hosts": ["张敏"]}, timeout=15)
    assert resp.status_code == 201, resp.text
    iid = resp.json()["id"]
    assert admin.post(f"{a.url}/api/interviews/{iid}/state", json={"state": "live"}, timeout=15).ok

    on_a, on_b = Viewer(a.url, iid), Viewer(b.url, iid)
    try:
        joined_at = on_b.join_ack["last_seq"]
        texts = [f"第{n}条 {uuid.uuid4().hex[:6]}" for n in range(ENTRIES)]
        seqs = [post_entry(a, editor, admin, iid, text) for text in texts]
        assert seqs == sorted(seqs) and seqs[0] > joined_at

        for viewer in (on_a, on_b):
            received = viewer.wait_for(ENTRIES)
            time.sleep(0.5)  # a duplicate would arrive right behind: give it the chance
            # python-socketio's client runs each message's handler on a thread of its own, so the
            # list's order is the threads'; the seq is the order (live.js applies it so).
            received = sorted(viewer.events, key=lambda e: e["seq"])
            assert [e["seq"] for e in received] == seqs, "each entry exactly once"
            assert [entry_text(e) for e in received] == texts
            # prev links each public event to the one before it: the client sees no gap
            assert [e["prev"] for e in received[1:]] == seqs[:-1]
    finally:
        on_a.close()

    # The viewer drops off B, more is posted through B, and it resumes on A with its last seq.
    last_seen = on_b.events[-1]["seq"]
    on_b.close()
    missed = [f"断线期间 {n}" for n in range(5)]
    missed_seqs = [post_entry(b, b.session("feed_editor"), b.session("admin"), iid, text) for text in missed]
    resumed = Viewer(a.url, iid, last_seq=last_seen)
    try:
        assert [e["seq"] for e in resumed.join_ack["events"]] == missed_seqs
        assert [entry_text(e) for e in resumed.join_ack["events"]] == missed
        assert resumed.join_ack["last_seq"] == missed_seqs[-1]
        late = post_entry(a, editor, admin, iid, "恢复之后")
        assert [e["seq"] for e in resumed.wait_for(1)] == [late]

        # A command-line process (like `flask worker` or `flask obs run` with WORKER=external)
        # records an event: it reaches the viewers through Redis too.
        out = subprocess.run([sys.executable, "-c", RECORD_FROM_CLI, str(iid)], cwd=ROOT, env=a.env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        from_cli = int(out.stdout.strip())
        assert [e["seq"] for e in resumed.wait_for(2)] == [late, from_cli]
        assert resumed.events[-1]["data"]["text"] == "来自命令行进程"
    finally:
        resumed.close()


RECORD_FROM_CLI = """
import sys
from studio.app import create_app
from studio.platform.db import Session
from studio.platform.events import record_event, unchecked_payloads
app = create_app()
with app.app_context(), unchecked_payloads():  # a made-up feed.posted: the log's mechanics
    session = Session()
    event = record_event(session, int(sys.argv[1]), "feed.posted", {"text": "来自命令行进程"})
    session.commit()
    print(event.seq)
"""


def test_an_account_disabled_through_one_process_loses_its_staff_socket_on_the_other(two_processes):
    """The admin disables an editor through A while the editor's staff socket is held by B:
    B drops it (its periodic login check), so no more staff events reach it."""
    a, b = two_processes
    admin = a.session("admin")
    iid = admin.post(a.url + "/api/interviews", json={"title": "停用账号", "state": "preview"},
                     timeout=15).json()["id"]
    editor = b.session("feed_editor")
    cookie = f"fangtan_session={editor.cookies['fangtan_session']}"
    staff = socketio.Client(reconnection=False)
    dropped = threading.Event()
    staff.on("disconnect", lambda *_: dropped.set(), namespace="/studio")
    staff.connect(b.url, namespaces=["/studio"], transports=["websocket"], headers={"Cookie": cookie},
                  wait_timeout=30)
    try:
        assert staff.call("join", {"interview_id": iid}, namespace="/studio", timeout=15)["ok"]
        users = admin.get(a.url + "/api/users", timeout=15).json()["users"]
        editor_id = next(u["id"] for u in users if u["username"] == "feed_editor")
        resp = admin.patch(f"{a.url}/api/users/{editor_id}", json={"active": False}, timeout=15)
        assert resp.status_code == 200, resp.text
        assert dropped.wait(15), "process B kept the disabled account's staff socket"
        # Logging in again is refused too: the account is off, not only its session.
        again = requests.post(b.url + "/api/session", json={"username": "feed_editor",
                                                          "password": PASSWORD}, timeout=15)
        assert again.status_code in (401, 403), again.text
    finally:
        staff.disconnect()
