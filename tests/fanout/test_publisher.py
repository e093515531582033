"""The nchan publisher: public events once, after commit, in seq order; retried; never staff-only."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from studio.fanout.publisher import Message, NchanPublisher, PublishError


class FakeNchan:
    """A publisher location on a free port: records each POST (and, in `calls`, each DELETE, in
    arrival order); can fail the first N POSTs."""

    def __init__(self, fail_first: int = 0):
        self.received: list[tuple[str, dict]] = []
        self.calls: list[tuple[str, str, str]] = []  # (method, path, event type or "")
        self.attempts = 0
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.attempts += 1
                if outer.attempts <= outer.fail_first:
                    self.send_response(502)
                else:
                    outer.received.append((self.path, json.loads(body)))
                    outer.calls.append(("POST", self.path, json.loads(body)["type"]))
                    self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_DELETE(self):  # noqa: N802 - http.server's name
                outer.calls.append(("DELETE", self.path, ""))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/internal/nchan/pub"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def fake_nchan():
    fake = FakeNchan()
    yield fake
    fake.close()


@pytest.fixture
def app_config(app_config, fake_nchan):
    app_config.update(PUBLIC_FANOUT="nchan", NCHAN_PUBLISH_URL=fake_nchan.url)
    return app_config


def _publisher():
    from studio.fanout import current_publisher

    publisher = current_publisher()
    assert publisher is not None
    return publisher


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_public_events_are_published_once_in_seq_order_and_staff_only_never(app, login, interview, fake_nchan):
    from studio.platform.db import Session
    from studio.platform.events import record_event

    editor, admin = login("feed_editor"), login("admin")
    iid = interview["id"]
    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "live"}).status_code == 200
    for n in range(1, 6):
        assert editor.post(f"/api/interviews/{iid}/feed", json={"speaker": "host", "text": f"第{n}条"}).status_code == 201
    with app.app_context():
        session = Session()
        record_event(session, iid, "cue.changed", {"secret": "主持人提词卡"})  # staff only
        record_event(session, iid, "question.submitted", {"text": "未审核的问题"})  # staff only
        session.commit()
    assert editor.post(f"/api/interviews/{iid}/feed", json={"speaker": "narrator", "text": "最后一条"}).status_code == 201
    assert _publisher().flush(10)

    paths = {path for path, _ in fake_nchan.received}
    assert paths == {f"/internal/nchan/pub/{iid}"}
    published = [body for _, body in fake_nchan.received]
    seqs = [body["seq"] for body in published]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    assert not {"cue.changed", "question.submitted"} & {body["type"] for body in published}
    assert "主持人提词卡" not in json.dumps(published, ensure_ascii=False)
    # Exactly the public log, with the /live payload {seq, type, at, data, prev}
    public_log = app.test_client().get(f"/api/interviews/{iid}/events?after=0").get_json()["events"]
    assert published == public_log
    texts = [body["data"]["text"] for body in published if body["type"] == "feed.posted"]
    assert texts == [f"第{n}条" for n in range(1, 6)] + ["最后一条"]


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_nothing_is_published_for_a_rolled_back_change(app, login, interview, fake_nchan):
    from studio.platform.db import Session
    from studio.platform.events import record_event

    assert _publisher().flush(5)
    fake_nchan.received.clear()  # the fixture's own state change
    with app.app_context():
        session = Session()
        record_event(session, interview["id"], "feed.posted", {"text": "回滚"})
        session.rollback()
    assert _publisher().flush(5)
    assert fake_nchan.received == []


def test_events_of_an_unannounced_interview_are_not_published(app, login, fake_nchan):
    admin = login("admin")
    planned = admin.post("/api/interviews", json={"title": "尚未公布的访谈", "hosts": ["张敏"]}).get_json()
    assert planned["state"] == "planned"
    assert admin.patch(f"/api/interviews/{planned['id']}", json={"description": "内部稿"}).status_code == 200
    assert _publisher().flush(5)
    assert fake_nchan.received == []  # as /live refuses joins to it, nchan never carries it
    assert admin.post(f"/api/interviews/{planned['id']}/state", json={"state": "preview"}).status_code == 200
    assert _publisher().flush(5)
    assert [body["type"] for _, body in fake_nchan.received] == ["interview.state_changed"]


def _message(seq: int, interview_id: int = 7, deadline: float = 30.0) -> Message:
    body = json.dumps({"seq": seq}).encode()
    return Message(interview_id, seq, "feed.posted", body, time.monotonic() + deadline)


def test_a_failed_publish_is_retried_with_backoff_and_order_is_kept():
    posted, attempts = [], {}

    def post(url, body, timeout):
        seq = json.loads(body)["seq"]
        attempts[seq] = attempts.get(seq, 0) + 1
        if seq == 2 and attempts[seq] <= 3:
            raise PublishError("connection refused")
        posted.append((url, seq))

    publisher = NchanPublisher("http://nginx/internal/nchan/pub/", post=post, first_backoff=0.01)
    started = time.monotonic()
    publisher.enqueue([_message(1), _message(2), _message(3)])
    publisher.enqueue([_message(4, interview_id=8)])
    assert publisher.flush(5)
    assert posted == [("http://nginx/internal/nchan/pub/7", 1), ("http://nginx/internal/nchan/pub/7", 2),
                      ("http://nginx/internal/nchan/pub/7", 3), ("http://nginx/internal/nchan/pub/8", 4)]
    assert attempts[2] == 4 and publisher.stats["retries"] == 3
    assert time.monotonic() - started >= 0.01 + 0.02 + 0.04  # it backed off between attempts


def test_a_publish_that_keeps_failing_is_given_up_and_the_queue_goes_on():
    posted = []

    def post(url, body, timeout):
        seq = json.loads(body)["seq"]
        if seq == 1:
            raise PublishError("nginx down")
        posted.append(seq)

    publisher = NchanPublisher("http://nginx/pub", post=post, first_backoff=0.02)
    publisher.enqueue([_message(1, deadline=0.2), _message(2)])
    assert publisher.flush(5)
    assert posted == [2] and publisher.stats["dropped"] == 1


def test_enqueue_never_waits_for_a_slow_nchan():
    release = threading.Event()

    def post(url, body, timeout):
        release.wait(5)

    publisher = NchanPublisher("http://nginx/pub", post=post)
    started = time.monotonic()
    for seq in range(1, 201):
        publisher.enqueue([_message(seq)])
    assert time.monotonic() - started < 0.5  # the request that committed never waits for nginx
    release.set()
    assert publisher.flush(10)
    assert publisher.stats["published"] == 200


def test_the_queue_is_bounded_dropping_the_oldest():
    gate = threading.Event()
    posted = []

    def post(url, body, timeout):
        gate.wait(5)
        posted.append(json.loads(body)["seq"])

    publisher = NchanPublisher("http://nginx/pub", post=post, max_queue=3)
    publisher.enqueue([_message(1)])
    time.sleep(0.1)  # 1 is being sent
    publisher.enqueue([_message(n) for n in (2, 3, 4, 5)])
    gate.set()
    assert publisher.flush(5)
    assert posted == [1, 3, 4, 5] and publisher.stats["dropped"] == 1


def test_a_redacting_commit_purges_the_channel_after_its_own_events_and_no_other_commit_does(
        app, login, interview, fake_nchan):
    """Issue 16.2 x 14: nchan's buffer keeps what redact_public_events rewrote in the DB."""
    editor, admin = login("feed_editor"), login("admin")
    iid = interview["id"]
    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "live"}).status_code == 200
    first = editor.post(f"/api/interviews/{iid}/feed", json={"speaker": "host", "text": "家住幸福路8号"}).get_json()
    editor.post(f"/api/interviews/{iid}/feed", json={"speaker": "host", "text": "第二条"})
    assert editor.patch(f"/api/feed/{first['id']}", json={"pinned": True}).status_code == 200
    assert _publisher().flush(10)
    assert not [c for c in fake_nchan.calls if c[0] == "DELETE"]  # nothing redacted yet: no purge

    fake_nchan.calls.clear()
    assert editor.delete(f"/api/feed/{first['id']}").status_code == 200
    editor.post(f"/api/interviews/{iid}/feed", json={"speaker": "host", "text": "第三条"})
    assert _publisher().flush(10)
    channel = f"/internal/nchan/pub/{iid}"
    assert fake_nchan.calls == [("POST", channel, "feed.deleted"), ("DELETE", channel, ""),
                                ("POST", channel, "feed.posted")]
    assert _publisher().stats["purged"] == 1


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_a_rolled_back_redaction_purges_nothing(app, login, interview, fake_nchan):
    from studio.platform.db import Session
    from studio.platform.events import redact_public_events

    editor = login("feed_editor")
    editor.post(f"/api/interviews/{interview['id']}/feed", json={"speaker": "host", "text": "要撤回的话"})
    assert _publisher().flush(5)
    fake_nchan.calls.clear()
    with app.app_context():
        session = Session()
        assert redact_public_events(session, interview["id"], lambda _t, _d: True, lambda _t, d: {"id": d.get("id")})
        session.rollback()
        session.commit()  # a later commit in the same session must not purge for the rolled-back one
    assert _publisher().flush(5)
    assert fake_nchan.calls == []


def test_the_purge_keeps_its_place_in_the_queue_and_is_never_dropped():
    from studio.fanout.publisher import PURGE

    calls = []
    gate = threading.Event()

    def post(url, body, timeout):
        gate.wait(5)
        calls.append(("POST", url, json.loads(body)["seq"]))

    def delete(url, timeout):
        calls.append(("DELETE", url, None))

    class Ev:  # the after-commit listener reads these attributes of an Event row
        def __init__(self, seq):
            self.interview_id, self.seq, self.type, self.public = 7, seq, "feed.posted", True
            self.prev_public_seq, self.data, self.at = seq - 1, {"id": seq}, None

    publisher = NchanPublisher("http://nginx/pub", post=post, delete=delete, max_queue=3)
    publisher.enqueue([_message(1)])
    time.sleep(0.1)  # 1 is being sent, the rest queue behind it
    publisher.after_commit([Ev(2)], {"redacted_interviews": [7]})
    assert [m.kind for m in publisher._queue] == ["publish", PURGE]
    publisher.after_commit([Ev(3), Ev(4)], {"redacted_interviews": []})  # full: 2 goes, not the purge
    gate.set()
    assert publisher.flush(5)
    assert calls == [("POST", "http://nginx/pub/7", 1), ("DELETE", "http://nginx/pub/7", None),
                     ("POST", "http://nginx/pub/7", 3), ("POST", "http://nginx/pub/7", 4)]
    assert publisher.stats["dropped"] == 1 and publisher.stats["purged"] == 1
