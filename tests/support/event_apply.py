"""A reference client: apply an audience's events to its snapshot, as the pages' JS does.

verify_action (tests/*/test_event_actions.py, after Zulip's zerver/tests/test_events.py) takes a
snapshot, runs an action, applies the events the action recorded with `apply_events` and
compares with a fresh snapshot (`normalized` on both sides). One small pure function per event
type, each mirroring its page:

- feed.*: FeedView.applyEvent (studio/feed/static/viewer.js; the feed editor keeps withdrawn
  entries, the viewer drops them);
- question.*: viewer_questions.js (public) and moderation.js (staff: staff events replace the
  item, public ones merge into it keeping a pushed status);
- interview.*: viewer.js applyState / applyInterview; the cue clock and the on-air question are
  what the host console and viewer derive from interview.state_changed (they reload / mark);
- cue.*, host.message*: host.js; obs.state: director.js; stream.state: viewer_video.js;
  venue.on_air: viewer_venues.js.

Events that change no snapshot part (publish.job, edit.saved, survey.*, openday.*, script.*)
are applied as nothing: their consoles read over HTTP; the test then proves the action changed
no snapshot part either.
"""
from __future__ import annotations

import copy
from datetime import datetime

PUBLIC_STATUSES = ("approved", "on_air", "answered")

# Fields a fresh snapshot has that no client keeps from events, left out of the comparison:
# the snapshot's own bookkeeping and clocks (why each is here is said beside it).
def normalized(snapshot: dict, audience: str) -> dict:
    snap = copy.deepcopy(snapshot)
    interview = snap.get("interview") or {}
    interview.pop("last_seq", None)  # the join ack's last_seq is what clients keep
    if audience == "staff":
        # Written by the admin's edit form (HTTP) and by the row's onupdate: no page follows it.
        interview.pop("updated_at", None)
    if snap.get("cues"):
        snap["cues"].pop("server_now", None)  # the clock the answer was made at
    if snap.get("obs"):
        snap["obs"].pop("server_time", None)
        snap["obs"].pop("stats", None)  # obs.telemetry brings them, about once a second
        for part in ("stream", "record"):  # running timecodes: the page counts them itself
            snap["obs"][part].pop("timecode", None)
            snap["obs"][part].pop("timecode_s", None)
    questions = snap.get("questions")
    if questions:
        items = sorted(questions.get("items", []), key=lambda q: (q.get("created_at") or "", q["id"]))
        if audience == "staff":
            for q in items:
                # Known gap: public question events (approved / on_air / answered) carry the
                # public form only; the console keeps its handler and time until it reloads.
                q.pop("handled_by", None)
                q.pop("updated_at", None)
        else:
            for q in items:
                # The row's version moves with backstage changes too (claims, labels, the
                # queue) that the public never sees; the viewer sends no versioned writes.
                q.pop("version", None)
        questions["items"] = items
    return snap


def apply_events(snapshot: dict, events: list[dict], audience: str) -> dict:
    state = copy.deepcopy(snapshot)
    for ev in events:
        handler = APPLY.get(ev["type"])
        assert handler is not None or ev["type"] in NO_STATE, f"no reference applier for {ev['type']}"
        if handler is not None:
            handler(state, ev, audience)
    return state


# ---- feed -----------------------------------------------------------------------------------

def _feed_upsert(state, ev, audience):
    entries = state["feed"]["entries"]
    data = ev["data"]
    for i, entry in enumerate(entries):
        if entry["id"] == data["id"]:
            entries[i] = dict(data)
            return
    entries.append(dict(data))
    entries.sort(key=lambda e: (e["seq"], e["id"]))


def _feed_deleted(state, ev, audience):
    entries = state["feed"]["entries"]
    data = ev["data"]
    if audience == "public":
        state["feed"]["entries"] = [e for e in entries if e["id"] != data["id"]]
        return
    for entry in entries:  # the editor keeps it struck through
        if entry["id"] == data["id"]:
            entry.update(deleted=True, pinned=False, revision=data["revision"], updated_at=data["updated_at"])


# ---- interviews -----------------------------------------------------------------------------

def _intake(interview: dict) -> dict:
    """What the question form says for an interview's state (moderation's intake rule for the
    states a live programme moves through; `preview` keeps what the snapshot said)."""
    base = {"opens_at": interview.get("questions_open_at"), "closes_at": interview.get("questions_close_at")}
    if interview["state"] == "live":
        return {"accepting": True, "message": "直播进行中，欢迎提问", **base}
    return {"accepting": False, "message": "提问征集已结束", **base}


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _state_changed(state, ev, audience):
    data = ev["data"]
    interview = state["interview"]
    interview.update(state=data["state"], started_at=data["started_at"], ended_at=data["ended_at"],
                     published_at=data["published_at"])
    if "questions" in state and data["state"] != "preview":
        state["questions"]["intake"] = _intake(interview)
    if data["state"] in ("ended", "published") and "questions" in state:
        # The question on air is taken as answered when the live ends (no event of its own).
        for q in state["questions"]["items"]:
            if q["status"] == "on_air":
                q.update(status="answered", answered_at=ev["at"], version=q["version"] + 1)
                if audience == "staff":
                    q["queue_position"] = None
                    state["questions"]["counts"]["on_air"] -= 1
                    state["questions"]["counts"]["answered"] += 1
    cues = state.get("cues")
    if cues and data["state"] == "live":
        # The show clock (re)starts when the live starts (the host console reloads its cues).
        if data["from"] == "ended" and cues["show_started_at"] is not None:
            if cues["show_ended_at"] is not None:
                cues.update(show_ended_at=None, card_started_at=ev["at"], started_at=ev["at"])
        else:
            for card in cues["cards"]:
                card["actual_s"] = 0.0
            for key in ("card", "next_card"):
                if cues[key]:
                    cues[key]["actual_s"] = 0.0
            cues.update(show_started_at=ev["at"], card_started_at=ev["at"], started_at=ev["at"])
            cues["show_ended_at"] = None
        cues["version"] += 1
    elif cues and data["state"] == "ended" and cues.get("version") is not None \
            and (cues["show_started_at"] is not None or cues["version"] > 0):
        if cues["show_started_at"] is not None and cues["show_ended_at"] is None:
            # Ending stops the show clock; the current card keeps the time spent on it.
            if cues["cards"] and cues["card_started_at"] is not None:
                spent = max(0.0, (_time(ev["at"]) - _time(cues["card_started_at"])).total_seconds())
                card = cues["cards"][cues["current"]]
                card["actual_s"] = round(card["actual_s"] + spent, 1)
                if cues["card"] and cues["card"]["id"] == card["id"]:
                    cues["card"]["actual_s"] = card["actual_s"]
            cues["show_ended_at"] = ev["at"]
        cues["version"] += 1
    if "stream" in state:
        state["stream"]["ended"] = data["state"] in ("ended", "published")


def _interview_updated(state, ev, audience):
    data = {k: v for k, v in ev["data"].items() if k != "last_seq"}
    state["interview"].update(data)


# ---- questions ------------------------------------------------------------------------------

def _q_items(state):
    return state["questions"]["items"]


def _q_find(state, qid):
    for q in _q_items(state):
        if q["id"] == qid:
            return q
    return None


def _recount(state):
    counts = state["questions"].get("counts")
    if counts is not None:
        for status in counts:
            counts[status] = sum(1 for q in _q_items(state) if q["status"] == status)


def _q_staff_upsert(state, data):
    current = _q_find(state, data["id"])
    if current is None:
        _q_items(state).append(dict(data))
    else:
        current.update(data)
    _recount(state)


def _q_staff(state, ev, audience):
    """moderation.js upsert(d, true): staff events carry the whole staff form."""
    if audience == "staff":
        _q_staff_upsert(state, ev["data"])


def _q_merged(state, ev, audience):
    if audience == "staff":
        data = dict(ev["data"])
        into = data.pop("into")
        _q_staff_upsert(state, into)
        _q_staff_upsert(state, data)


def _q_public(state, ev, audience):
    data = ev["data"]
    if data.get("withdrawn"):
        return  # a redacted (tombstoned) event replayed: a later question.withdrawn removes it
    if ev["type"] == "question.on_air":
        for q in _q_items(state):
            if q["status"] == "on_air" and q["id"] != data["id"]:
                q["status"] = "answered"
    if audience == "public":
        current = _q_find(state, data["id"])
        if current is None:
            _q_items(state).append(dict(data))
        else:
            current.clear()
            current.update(data)
        return
    # moderation.js mergePublic: public fields into the staff item; a pushed one stays pushed
    # (approved in public), and a change of status ends a claim.
    current = _q_find(state, data["id"])
    assert current is not None, "the console fetches a question it does not know (refreshQuestion)"
    keep = current["status"] == "pushed" and data["status"] == "approved" \
        and ev["type"] in ("question.approved", "question.answered", "question.updated", "question.replied")
    if ev["type"] in ("question.updated", "question.replied"):
        keep = True
    status = current["status"]
    if data["status"] != current["status"]:
        current["claimed_by"] = None
        current["claimed_until"] = None
    current.update(data)
    if keep:
        current["status"] = status
    if current["status"] != "pushed":
        current["queue_position"] = None
    _recount(state)


def _q_withdrawn(state, ev, audience):
    if audience == "public":
        state["questions"]["items"] = [q for q in _q_items(state) if q["id"] != ev["data"]["id"]]


def _q_reordered(state, ev, audience):
    if audience != "staff":
        return
    data = ev["data"]
    for index, qid in enumerate(data["order"], start=1):
        q = _q_find(state, qid)
        if q:
            q["queue_position"] = index
            q["version"] = data["versions"].get(str(qid), q["version"])


def _q_claimed(state, ev, audience):
    if audience != "staff":
        return
    data = ev["data"]
    q = _q_find(state, data["id"])
    if q:
        q.update(claimed_by=data["claimed_by"], claimed_until=data["claimed_until"], version=data["version"])


# ---- cues -----------------------------------------------------------------------------------

POSITION_KEYS = ("current", "count", "version", "card", "next_card", "started_at", "card_started_at",
                 "show_started_at", "show_ended_at", "planned_offset_s", "planned_total_s")


def _cue_changed(state, ev, audience):
    cues = state["cues"]
    data = ev["data"]
    for key in POSITION_KEYS:
        cues[key] = copy.deepcopy(data[key])
    if data["action"] == "reset":
        # A reset zeroes every card's time; `action` says so (host_state.js does the same).
        for card in cues["cards"]:
            card["actual_s"] = 0.0
    left = data["left"]
    if left:
        for card in cues["cards"]:
            if card["id"] == left["id"]:
                card["actual_s"] = left["actual_s"]


def _cue_cards_changed(state, ev, audience):
    cues = state["cues"]
    data = ev["data"]
    for key in (*POSITION_KEYS, "cards", "script"):
        cues[key] = copy.deepcopy(data[key])


def _host_message(state, ev, audience):
    messages = state["cues"]["host_messages"]
    if not any(m["id"] == ev["data"]["id"] for m in messages):
        messages.append(dict(ev["data"]))


def _host_message_dismissed(state, ev, audience):
    ids = ev["data"]["ids"]
    state["cues"]["host_messages"] = [m for m in state["cues"]["host_messages"] if m["id"] not in ids]


# ---- obs, stream, venues --------------------------------------------------------------------

def _obs_state(state, ev, audience):
    state["obs"] = copy.deepcopy(ev["data"])


def _stream_state(state, ev, audience):
    data = ev["data"]
    stream = state["stream"]
    stream["active"] = data["active"]
    stream.pop("hls_url", None)
    if data.get("hls_url"):
        stream["hls_url"] = data["hls_url"]


def _venue_on_air(state, ev, audience):
    data = ev["data"]
    for venue in state["venues"]:
        venue["on_air"] = venue["id"] == data["id"]
        if venue["id"] == data["id"]:
            venue.update({k: v for k, v in data.items() if k in venue})


APPLY = {
    "feed.posted": _feed_upsert, "feed.edited": _feed_upsert, "feed.pinned": _feed_upsert,
    "feed.deleted": _feed_deleted,
    "interview.state_changed": _state_changed, "interview.updated": _interview_updated,
    "question.submitted": _q_staff, "question.rejected": _q_staff, "question.edited": _q_staff,
    "question.marked": _q_staff, "question.pushed": _q_staff, "question.unpushed": _q_staff,
    "question.reply_assigned": _q_staff, "question.merged": _q_merged,
    "question.approved": _q_public, "question.on_air": _q_public, "question.answered": _q_public,
    "question.updated": _q_public, "question.replied": _q_public,
    "question.withdrawn": _q_withdrawn, "question.reordered": _q_reordered, "question.claimed": _q_claimed,
    "cue.changed": _cue_changed, "cue.cards_changed": _cue_cards_changed,
    "host.message": _host_message, "host.message_dismissed": _host_message_dismissed,
    "obs.state": _obs_state, "stream.state": _stream_state, "venue.on_air": _venue_on_air,
}
# Types no snapshot part holds.
NO_STATE = {"publish.job", "edit.saved", "survey.changed", "survey.answered", "survey.results",
            "openday.application_submitted", "openday.application_reviewed", "openday.feedback_published",
            "script.version_submitted", "script.version_reviewed"}


def verify_action(app, interview_id: int, action, audiences=("staff", "public")):
    """Zulip's verify_action: snapshot before (each audience), run `action()`, apply the events
    it recorded to the snapshot, compare with a fresh snapshot. Returns the events (staff)."""
    from studio.platform.db import Session
    from studio.platform.events import build_snapshot, replay_events

    with app.app_context():
        before = {a: build_snapshot(interview_id, a) for a in audiences}
    result = action()
    with app.app_context():
        recorded = {}
        for audience in audiences:
            snapshot, seq = before[audience]
            events, _last = replay_events(Session(), interview_id, seq, audience)
            recorded[audience] = events
            applied = apply_events(snapshot, events, audience)
            fresh, _ = build_snapshot(interview_id, audience)
            assert normalized(applied, audience) == normalized(fresh, audience), (
                f"{audience}: snapshot + {[e['type'] for e in events]} != fresh snapshot\n"
                + _diff(normalized(applied, audience), normalized(fresh, audience)))
        Session.remove()
    return recorded.get("staff", recorded.get("public")), result


def _diff(a, b, path="") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        return "".join(_diff(a.get(k), b.get(k), f"{path}.{k}") for k in sorted(set(a) | set(b), key=str))
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return "".join(_diff(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b)))
    return "" if a == b else f"  {path}: applied {a!r} != fresh {b!r}\n"


def ok(resp, status=(200, 201, 202)):
    """The JSON of a successful test-client answer."""
    assert resp.status_code in ((status,) if isinstance(status, int) else status), resp.get_json()
    return resp.get_json()


class Actions:
    """Runs named actions through verify_action and keeps the event types each recorded."""

    def __init__(self, app, interview_id: int):
        self.app, self.interview_id, self.seen = app, interview_id, {}

    def run(self, name: str, action, audiences=("staff", "public")):
        events, result = verify_action(self.app, self.interview_id, action, audiences)
        self.seen[name] = [e["type"] for e in events]
        return result
