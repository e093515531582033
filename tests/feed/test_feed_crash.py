"""A real server process is killed with SIGKILL while entries are being posted, then restarted.

Every entry that got a 201 is still there, the sequence continues without a hole, and a viewer
(a python-socketio client behaving like static/js/live.js) resumes with last_seq and gets exactly
the events it missed, each once.
"""
from __future__ import annotations

import threading
import time

import pytest
import requests
import socketio

pytestmark = pytest.mark.integration


class ResumingViewer:
    """Follows /live like live.js: applies each seq once; re-joins with last_seq on a gap."""

    def __init__(self, url: str, interview_id: int):
        self.url, self.interview_id = url, interview_id
        self.last_seq: int | None = None
        self.applied: list[dict] = []
        self.dropped_duplicates = 0
        self.lock = threading.RLock()
        self.sio: socketio.Client | None = None

    def connect(self) -> dict:
        """Connect and join (with last_seq once we have one); returns the join ack."""
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("event", self._on_event, namespace="/live")
        self.sio.connect(self.url, namespaces=["/live"], transports=["websocket"], wait_timeout=10)
        return self.join()

    def join(self) -> dict:
        payload = {"interview_id": self.interview_id}
        with self.lock:
            if self.last_seq is not None:
                payload["last_seq"] = self.last_seq
        ack = self.sio.call("join", payload, namespace="/live", timeout=10)
        assert ack["ok"], ack
        with self.lock:
            if "snapshot" in ack:
                self.last_seq = ack["last_seq"]
            for ev in ack["events"]:
                self._apply(ev)
            self.last_seq = max(self.last_seq, ack["last_seq"])
        return ack

    def _on_event(self, ev):
        with self.lock:
            if self.last_seq is None:
                return
            if ev["prev"] > self.last_seq:  # a gap: the server replays it on a re-join
                self.sio.start_background_task(self.join)
                return
            self._apply(ev)

    def _apply(self, ev):
        if ev["seq"] <= self.last_seq:
            self.dropped_duplicates += 1
            return
        self.applied.append(ev)
        self.last_seq = ev["seq"]

    def disconnect(self):
        if self.sio is not None:
            try:
                self.sio.disconnect()
            except Exception:  # noqa: BLE001 - the server may already be gone
                pass


def _poster(server, interview_id, editor, name, acked, unanswered, stop):
    """Post numbered entries until told to stop or the server is gone; remember every 201."""
    n = 0
    while not stop.is_set():
        n += 1
        text = f"{name}-{n}：企业开办全程网办，材料从12份减到5份。"
        try:
            resp = editor.post(f"{server.url}/api/interviews/{interview_id}/feed",
                               json={"speaker": "narrator", "text": text}, timeout=5)
        except requests.RequestException:
            unanswered.append(text)
            return
        if resp.status_code == 201:
            acked.append(resp.json())
        else:
            unanswered.append(text)
            return


def test_sigkill_mid_feed_loses_no_acknowledged_entry_and_viewers_resume(live_server):
    server = live_server
    admin, editor = server.session("admin"), server.session("feed_editor")
    interview = admin.post(server.url + "/api/interviews", timeout=10, json={
        "title": "政务服务“一网通办”", "hosts": ["张敏"], "guests": [{"name": "王建国"}], "state": "preview"}).json()
    iid = interview["id"]
    assert admin.post(f"{server.url}/api/interviews/{iid}/state", json={"state": "live"}, timeout=10).ok

    viewer = ResumingViewer(server.url, iid)        # connected until the crash
    viewer.connect()
    early_leaver = ResumingViewer(server.url, iid)  # its phone lost the network mid-feed
    early_leaver.connect()

    acked: list[dict] = []
    unanswered: list[str] = []
    stop = threading.Event()
    posters = [threading.Thread(target=_poster, args=(server, iid, server.session("feed_editor"), name,
                                                       acked, unanswered, stop), daemon=True)
               for name in ("甲", "乙")]
    for thread in posters:
        thread.start()
    deadline = time.time() + 60
    while len(acked) < 12 and time.time() < deadline:
        time.sleep(0.05)
    early_leaver.disconnect()
    while len(acked) < 30 and time.time() < deadline:
        time.sleep(0.05)
    assert len(acked) >= 30, f"only {len(acked)} entries acknowledged in 60 s"
    server.kill()  # SIGKILL while both posters are still sending
    killed_at_acked = len(acked)
    for thread in posters:
        thread.join(timeout=10)
    assert all(not t.is_alive() for t in posters)
    stop.set()
    assert unanswered, "the posters should have been cut off mid-feed"
    viewer.disconnect()
    seen_before_kill = viewer.last_seq

    server.start()

    # every acknowledged entry survived, with its text and seq
    entries = {e["id"]: e for e in requests.get(f"{server.url}/api/interviews/{iid}/feed", timeout=10).json()["entries"]}
    lost = [a for a in acked if a["id"] not in entries or entries[a["id"]]["text"] != a["text"]
            or entries[a["id"]]["seq"] != a["seq"]]
    assert not lost, f"{len(lost)} acknowledged entries lost: {lost[:3]}"
    assert len(acked) >= killed_at_acked

    # the event log has no hole and the sequence continues after the restart
    log = editor.get(f"{server.url}/api/interviews/{iid}/events?after=0", timeout=10).json()
    seqs = [e["seq"] for e in log["events"]]
    assert seqs == list(range(1, log["last_seq"] + 1))
    missed_texts = [f"重启后第{n}条" for n in (1, 2, 3)]
    after_restart = [editor.post(f"{server.url}/api/interviews/{iid}/feed", timeout=10,
                                 json={"speaker": "host", "text": text}).json() for text in missed_texts]
    assert [e["seq"] for e in after_restart] == [log["last_seq"] + 1, log["last_seq"] + 2, log["last_seq"] + 3]

    # each viewer resumes with its last_seq and gets exactly what it missed, each event once
    public_all = requests.get(f"{server.url}/api/interviews/{iid}/events?after=0", timeout=10).json()["events"]
    assert early_leaver.last_seq < seen_before_kill  # it really missed part of the pre-crash feed
    replayed = {}
    for name, follower in (("viewer", viewer), ("early_leaver", early_leaver)):
        resume_from = follower.last_seq
        expected = requests.get(f"{server.url}/api/interviews/{iid}/events?after={resume_from}", timeout=10).json()
        ack = follower.connect()
        assert [e["seq"] for e in ack["events"]] == [e["seq"] for e in expected["events"]], name
        assert [e["data"]["text"] for e in ack["events"]][-3:] == missed_texts
        first_applied = follower.applied[0]["seq"]
        assert [e["seq"] for e in follower.applied] == [e["seq"] for e in public_all if e["seq"] >= first_applied]
        applied_posted_ids = {e["data"]["id"] for e in follower.applied if e["type"] == "feed.posted"}
        assert {a["id"] for a in acked} <= applied_posted_ids, name
        replayed[name] = len(ack["events"])
    print(f"acknowledged before SIGKILL: {len(acked)}, cut off: {len(unanswered)}, "
          f"replayed on resume: {replayed}, duplicates dropped: {viewer.dropped_duplicates + early_leaver.dropped_duplicates}")

    # and the live stream goes on after the resume
    editor.post(f"{server.url}/api/interviews/{iid}/feed", json={"speaker": "host", "text": "继续直播"}, timeout=10)
    deadline = time.time() + 10
    while time.time() < deadline and viewer.applied[-1]["data"].get("text") != "继续直播":
        time.sleep(0.05)
    assert viewer.applied[-1]["data"]["text"] == "继续直播"
    viewer.disconnect()
    early_leaver.disconnect()
