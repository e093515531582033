"""verify_action for the open day: registration, review, questionnaires and the feedback record
events no snapshot part holds (their pages read over HTTP): applying them changes nothing, and a
fresh snapshot must not have changed either (staff and public)."""
from __future__ import annotations

from tests.openday.conftest import apply
from tests.openday.test_survey import SURVEY
from tests.support.event_apply import Actions, ok as _ok


def test_open_day_actions(app, admin, login, open_day):
    iid = open_day["id"]
    host = login("host")
    actions = Actions(app, iid)
    run, seen = actions.run, actions.seen

    application = run("apply", lambda: _ok(apply(app.test_client(), iid, 1)))
    run("review", lambda: _ok(admin.post(f"/api/registrations/{application['id']}/review",
                                         json={"decision": "decline", "reason": "当天名额已满"})))
    survey = run("create survey", lambda: _ok(host.post(f"/api/interviews/{iid}/surveys", json=SURVEY)))
    sid = survey["id"]
    run("open survey", lambda: _ok(host.patch(f"/api/surveys/{sid}", json={"state": "open"})))
    run("answer", lambda: _ok(app.test_client().post(f"/api/surveys/{sid}/responses",
                                                     json={"answers": {"1": 0, "2": [0, 2]}})))
    run("show results", lambda: _ok(host.patch(f"/api/surveys/{sid}", json={"results_public": True})))
    run("answer shown", lambda: _ok(app.test_client().post(f"/api/surveys/{sid}/responses", json={"answers": {"1": 1}})))
    run("close survey", lambda: _ok(host.patch(f"/api/surveys/{sid}", json={"state": "closed"})))
    _ok(admin.post(f"/api/interviews/{iid}/state", json={"state": "live"}))
    _ok(admin.post(f"/api/interviews/{iid}/state", json={"state": "ended"}))
    publisher = login("publisher")
    run("feedback text", lambda: _ok(publisher.put(f"/api/interviews/{iid}/openday/after",
                                                   json={"feedback_text": "已转交区住建局研究办理。"})))
    run("publish feedback", lambda: _ok(publisher.post(f"/api/interviews/{iid}/openday/feedback/publish")))
    run("correct feedback", lambda: _ok(publisher.put(f"/api/interviews/{iid}/openday/after",
                                                      json={"feedback_text": "已转交区住建局、区城管局研究办理。"})))
    assert seen["apply"] == ["openday.application_submitted"]
    assert seen["review"] == ["openday.application_reviewed"]
    assert seen["answer shown"] == ["survey.answered", "survey.results"]
    assert seen["open survey"] == ["survey.changed"]
    assert seen["publish feedback"] == seen["correct feedback"] == ["openday.feedback_published"]
    assert len(seen) == 11
