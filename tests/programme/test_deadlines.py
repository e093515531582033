"""Deadlines derived from the schedule (month-only plan dates too) and their states from what
happened, on a test clock."""
from __future__ import annotations

from .conftest import at, move_state

# The Pukou 2024 plan: every row is month-only ("4月" … "11月"), counted from the 1st, 09:30.
# (preview −30 d, questions open −20 d, close at the start, script −3 d, publish +3 d, replies +15 d)
EXPECTED = [
    # preview,  questions_open, questions_close, script_final, publish, replies
    ("03-02", "03-12", "04-01", "03-29", "04-04", "04-16"),
    ("04-01", "04-11", "05-01", "04-28", "05-04", "05-16"),
    ("05-02", "05-12", "06-01", "05-29", "06-04", "06-16"),
    ("06-01", "06-11", "07-01", "06-28", "07-04", "07-16"),
    ("07-02", "07-12", "08-01", "07-29", "08-04", "08-16"),
    ("08-02", "08-12", "09-01", "08-29", "09-04", "09-16"),
    ("09-01", "09-11", "10-01", "09-28", "10-04", "10-16"),
    ("10-02", "10-12", "11-01", "10-29", "11-04", "11-16"),
]
KINDS = ("preview", "questions_open", "questions_close", "script_final", "publish", "replies")


def _deadlines(admin, iid):
    resp = admin.get(f"/api/interviews/{iid}/deadlines")
    assert resp.status_code == 200, resp.get_json()
    return {d["kind"]: d for d in resp.get_json()["deadlines"]}


def test_pukou_plan_gives_each_interview_its_deadlines(admin, pukou, clock):
    for iid, expected in zip(pukou, EXPECTED):
        rows = _deadlines(admin, iid)
        for kind, day in zip(KINDS, expected):
            assert rows[kind]["due_at"] == f"2024-{day}T09:30:00.000+08:00", (iid, kind, rows[kind])
            assert rows[kind]["estimated"] is True  # month-only dates


def test_exact_date_and_settings_and_override(app, admin, pukou, clock):
    iid = pukou[0]
    resp = admin.patch(f"/api/interviews/{iid}", json={"scheduled_at": "2024-04-18T14:30:00+08:00"})
    assert resp.status_code == 200, resp.get_json()
    rows = _deadlines(admin, iid)
    assert rows["preview"]["due_at"] == "2024-03-19T14:30:00.000+08:00"
    assert rows["script_final"]["due_at"] == "2024-04-15T14:30:00.000+08:00"
    assert rows["preview"]["estimated"] is False
    app.config["DEADLINE_SCRIPT_DAYS"] = 5   # the setting
    assert _deadlines(admin, iid)["script_final"]["due_at"] == "2024-04-13T14:30:00.000+08:00"
    # The interview's own deadline wins, and null goes back to the derived one.
    resp = admin.patch(f"/api/interviews/{iid}/deadlines", json={"script_final": "2024-04-10T18:00:00+08:00"})
    assert resp.status_code == 200, resp.get_json()
    row = {d["kind"]: d for d in resp.get_json()["deadlines"]}["script_final"]
    assert row["due_at"] == "2024-04-10T18:00:00.000+08:00" and row["overridden"] is True
    admin.patch(f"/api/interviews/{iid}/deadlines", json={"script_final": None})
    assert _deadlines(admin, iid)["script_final"]["due_at"] == "2024-04-13T14:30:00.000+08:00"
    bad = admin.patch(f"/api/interviews/{iid}/deadlines", json={"nonsense": None})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_kind"


def test_the_clock_turns_deadlines_due_overdue_done_late(app, admin, pukou, clock):
    iid = pukou[0]                                   # preview due 2024-03-02 09:30
    clock.now = at("2024-02-20 09:00")
    assert _deadlines(admin, iid)["preview"]["state"] == "pending"
    clock.now = at("2024-02-26 09:00")               # within 7 days
    assert _deadlines(admin, iid)["preview"]["state"] == "due"
    clock.now = at("2024-03-03 09:00")
    assert _deadlines(admin, iid)["preview"]["state"] == "overdue"
    overdue = admin.get("/api/deadlines?year=2024&state=overdue").get_json()["deadlines"]
    assert [(d["interview_id"], d["kind"]) for d in overdue] == [(iid, "preview")]
    assert overdue[0]["title"] == "全民消防安全宣传教育"

    move_state(app, iid, ["preview"], when=at("2024-03-01 10:00"))   # published in time
    assert _deadlines(admin, iid)["preview"]["state"] == "done"
    assert _deadlines(admin, iid)["preview"]["done_at"] == "2024-03-01T10:00:00.000+08:00"

    other = pukou[1]                                 # preview due 2024-04-01 09:30
    clock.now = at("2024-04-05 09:00")
    move_state(app, other, ["preview"], when=at("2024-04-03 10:00"))  # two days late
    assert _deadlines(admin, other)["preview"]["state"] == "late"
    # The live and its end move the after-the-show deadlines with the real end.
    move_state(app, iid, ["live", "ended"], when=at("2024-04-02 11:00"))
    clock.now = at("2024-04-04 09:00")
    rows = _deadlines(admin, iid)
    assert rows["publish"]["due_at"] == "2024-04-05T11:00:00.000+08:00" and rows["publish"]["state"] == "due"
    assert rows["questions_close"]["state"] == "late"  # the show started after its planned start
    assert rows["replies"]["state"] == "done"          # no question was owed a reply
    move_state(app, iid, ["published"], when=at("2024-04-06 09:00"))
    clock.now = at("2024-04-07 09:00")
    assert _deadlines(admin, iid)["publish"]["state"] == "late"


def test_replies_done_only_when_every_approved_unanswered_question_has_its_reply(app, admin, pukou, clock, login):
    from studio.platform.db import Session

    iid = pukou[0]
    admin.patch(f"/api/interviews/{iid}", json={"questions_open_at": "2024-03-10T09:00:00+08:00"})
    move_state(app, iid, ["preview"], when=at("2024-03-01 09:00"))
    clock.now = at("2024-03-15 09:00")
    q = admin.post(f"/api/interviews/{iid}/questions", json={"nickname": "网友", "text": "消防站什么时候开放参观？",
                                                             "source": "hotline"})
    assert q.status_code == 201, q.get_json()
    qid = q.get_json()["id"]
    assert login("moderator").post(f"/api/questions/{qid}/approve", json={}).status_code == 200
    move_state(app, iid, ["live", "ended"], when=at("2024-04-01 11:00"))
    clock.now = at("2024-04-20 09:00")
    assert _deadlines(admin, iid)["replies"]["state"] == "overdue"   # due 04-16 11:00, unreplied
    resp = login("moderator").put(f"/api/questions/{qid}/reply", json={"text": "每月第一个周六开放。"})
    assert resp.status_code == 200, resp.get_json()
    with app.app_context():  # the reply was written "now" (2026): it is after the due time
        from moderation.models import Question
        s = Session()
        s.get(Question, qid).replied_at = at("2024-04-10 09:00")
        s.commit()
    rows = _deadlines(admin, iid)
    assert rows["replies"]["state"] == "done", rows["replies"]
    assert rows["questions_open"]["state"] == "done"  # open (03-10) before its due (03-12 09:30)
