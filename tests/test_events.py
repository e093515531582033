"""The sequenced event log: seq order, public/staff split, replay, resync, after-commit broadcast."""
import pytest

from studio.platform.db import Session
from studio.platform.errors import Gone
from studio.platform.events import PUBLIC, STAFF, prune_events, record_event, replay_events


def _record(app, interview_id, type_, data, commit=True):
    with app.app_context():
        session = Session()
        ev = record_event(session, interview_id, type_, data)
        if commit:
            session.commit()
        else:
            session.rollback()
        return ev.seq


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_seq_is_contiguous_and_public_stream_skips_staff_events(app, interview):
    iid = interview["id"]
    seqs = [_record(app, iid, t, {"n": i}) for i, t in enumerate(
        ["feed.posted", "cue.changed", "feed.posted", "question.submitted", "feed.edited"])]
    assert seqs == sorted(seqs) and seqs == list(range(seqs[0], seqs[0] + 5))
    with app.app_context():
        staff, last = replay_events(Session(), iid, 0, STAFF)
        public, last_public = replay_events(Session(), iid, 0, PUBLIC)
    assert last == last_public == seqs[-1]
    assert [e["seq"] for e in staff][-5:] == seqs
    public_tail = [e for e in public if e["seq"] >= seqs[0]]
    assert [e["type"] for e in public_tail] == ["feed.posted", "feed.posted", "feed.edited"]
    # each public event names the previous public seq, so a client can tell a gap from a skip
    for before, after in zip(public, public[1:]):
        assert after["prev"] == before["seq"]


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_rolled_back_event_is_neither_stored_nor_broadcast(app, interview, socket_client):
    iid = interview["id"]
    viewer = socket_client("/live")
    ack = viewer.emit("join", {"interview_id": iid}, callback=True, namespace="/live")
    assert ack["ok"]
    _record(app, iid, "feed.posted", {"text": "never"}, commit=False)
    seq = _record(app, iid, "feed.posted", {"text": "kept"})
    received = [p["args"][0] for p in viewer.get_received("/live") if p["name"] == "event"]
    assert [e["data"]["text"] for e in received] == ["kept"]
    assert received[0]["seq"] == seq == ack["last_seq"] + 1


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_resume_replays_exactly_the_missed_events(app, interview, socket_client):
    iid = interview["id"]
    first = _record(app, iid, "feed.posted", {"n": 1})
    missed = [_record(app, iid, "feed.posted", {"n": n}) for n in range(2, 7)]
    viewer = socket_client("/live")
    ack = viewer.emit("join", {"interview_id": iid, "last_seq": first}, callback=True, namespace="/live")
    assert ack["ok"] and [e["seq"] for e in ack["events"]] == missed
    assert ack["last_seq"] == missed[-1]


def test_snapshot_join_then_events_equal_fresh_snapshot(app, interview, socket_client):
    iid = interview["id"]
    viewer = socket_client("/live")
    ack = viewer.emit("join", {"interview_id": iid}, callback=True, namespace="/live")
    assert ack["ok"] and "snapshot" in ack and ack["snapshot"]["interview"]["id"] == iid


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_too_old_or_future_seq_requires_resync(app, interview, client):
    iid = interview["id"]
    for n in range(5):
        _record(app, iid, "feed.posted", {"n": n})
    with app.app_context():
        session = Session()
        prune_events(session, iid, keep_last=2)
        session.commit()
        with pytest.raises(Gone):
            replay_events(Session(), iid, 0, PUBLIC)
    assert client.get(f"/api/interviews/{iid}/events?after=0").status_code == 410
    assert client.get(f"/api/interviews/{iid}/events?after=999").get_json()["error"]["code"] == "resync_required"
    assert client.get(f"/api/interviews/{iid}/events?after=abc").status_code == 400


def test_staff_socket_requires_login_and_trusted_origin(app, users, socket_client):
    from studio.platform.extensions import socketio

    anonymous = socketio.test_client(app, namespace="/studio")
    assert not anonymous.is_connected("/studio")
    staff = socket_client("/studio", role="moderator")
    assert staff.is_connected("/studio")


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_public_socket_leaves_the_room_when_the_interview_stops_being_public(app, admin, interview, socket_client):
    """Issue 16.2: preview → planned removes the /live sockets from the interview's room; staff stay."""
    iid = interview["id"]
    viewer = socket_client("/live")
    staff = socket_client("/studio", role="moderator")
    assert viewer.emit("join", {"interview_id": iid}, callback=True, namespace="/live")["ok"]
    assert staff.emit("join", {"interview_id": iid}, callback=True, namespace="/studio")["ok"]
    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "planned"}).status_code == 200
    seen = [p["args"][0]["type"] for p in viewer.get_received("/live") if p["name"] == "event"]
    assert seen == ["interview.state_changed"]  # the viewer learns why, then hears nothing more
    staff.get_received("/studio")
    _record(app, iid, "feed.posted", {"text": "计划中访谈的内部内容"})
    assert [p for p in viewer.get_received("/live") if p["name"] == "event"] == []
    assert [p["args"][0]["data"] for p in staff.get_received("/studio") if p["name"] == "event"] \
        == [{"text": "计划中访谈的内部内容"}]
    again = viewer.emit("join", {"interview_id": iid}, callback=True, namespace="/live")
    assert again["ok"] is False and again["error"]["code"] == "interview_not_found"


@pytest.mark.usefixtures("made_up_event_payloads")  # log mechanics, made-up payloads
def test_viewers_joining_at_once_share_one_public_snapshot_per_seq(app, interview, socket_client, monkeypatch):
    """A burst of /live joins builds the public snapshot once while the seq stands still (one
    indexed read each after that); a new event, or the reuse window passing, builds it again.
    Staff joins always build their own."""
    from studio.platform import events as events_module
    from studio.platform.signals import snapshot_parts

    iid = interview["id"]
    builds = []

    def counting_part(session, interview, audience):
        builds.append(audience)
        return {}

    snapshot_parts.connect(counting_part)
    monkeypatch.setattr(events_module, "PUBLIC_SNAPSHOT_REUSE", 60.0)
    try:
        acks = [socket_client("/live").emit("join", {"interview_id": iid}, callback=True, namespace="/live")
                for _ in range(10)]
        assert builds == ["public"] and all(a["ok"] for a in acks)
        assert len({a["last_seq"] for a in acks}) == 1
        assert all(a["snapshot"] == acks[0]["snapshot"] for a in acks)
        seq = _record(app, iid, "feed.posted", {"text": "新的一条"})
        ack = socket_client("/live").emit("join", {"interview_id": iid}, callback=True, namespace="/live")
        assert builds == ["public", "public"] and ack["last_seq"] == seq  # the seq moved: built again
        socket_client("/studio", role="moderator").emit("join", {"interview_id": iid}, callback=True,
                                                        namespace="/studio")
        socket_client("/studio", role="moderator").emit("join", {"interview_id": iid}, callback=True,
                                                        namespace="/studio")
        assert builds == ["public", "public", "staff", "staff"]
        monkeypatch.setattr(events_module, "PUBLIC_SNAPSHOT_REUSE", 0.0)
        socket_client("/live").emit("join", {"interview_id": iid}, callback=True, namespace="/live")
        assert builds[-1] == "public" and len(builds) == 5  # the window passed: built again
    finally:
        snapshot_parts.disconnect(counting_part)


def test_a_join_checks_the_interview_as_get_interview_does(app, interview, socket_client):
    """The join's check (one column) refuses what get_interview refuses, with its error."""
    from studio.platform.db import Session
    from studio.platform.errors import NotFound
    from studio.platform.streams import check_interview

    viewer = socket_client("/live")
    for bad in (0, -1, 2**31, 999999, True):
        ack = viewer.emit("join", {"interview_id": bad}, callback=True, namespace="/live")
        assert ack["ok"] is False and ack["error"]["code"] in ("interview_not_found", "invalid_interview_id"), bad
    with app.app_context():
        session = Session()
        assert check_interview(session, interview["id"], staff=False) == "preview"
        from studio.platform.models import Interview
        session.get(Interview, interview["id"]).state = "planned"
        session.commit()
        with pytest.raises(NotFound):
            check_interview(session, interview["id"], staff=False)
        assert check_interview(session, interview["id"], staff=True) == "planned"
        Session.remove()
