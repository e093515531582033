"""verify_action for publishing: saving the edit (edit.saved), queuing, running and cancelling a
publishing job (publish.job) and the publish itself (interview.state_changed to published), for
a text-only interview (no ffmpeg needed)."""
from __future__ import annotations

from tests.publishing.test_text_only import seed_text_feed
from tests.support.event_apply import Actions, ok as _ok


def test_publishing_actions(app, login, ended_interview):
    from publishing import worker

    iid = ended_interview["id"]
    seed_text_feed(app, iid)
    publisher = login("publisher")
    actions = Actions(app, iid)
    run, seen = actions.run, actions.seen

    run("save edit", lambda: _ok(publisher.put(f"/api/interviews/{iid}/edit", json={"recording_ids": []})))
    job = {}
    run("queue", lambda: job.update(_ok(publisher.post(f"/api/interviews/{iid}/publish"))))
    job_id = job.get("job_id") or job.get("id") or job["job"]["id"]
    run("cancel", lambda: _ok(publisher.post(f"/api/jobs/{job_id}/cancel")))
    run("queue again", lambda: _ok(publisher.post(f"/api/interviews/{iid}/publish")))

    def work():
        with app.app_context():
            return worker.work_once(app)
    run("run the job", work)
    run("unpublish", lambda: _ok(publisher.delete(f"/api/interviews/{iid}/publish")))
    assert seen["save edit"] == ["edit.saved"] and seen["queue"] == ["publish.job"]
    assert seen["cancel"] == ["publish.job"]
    assert seen["unpublish"] == ["interview.state_changed"]
    assert "interview.state_changed" in seen["run the job"] and seen["run the job"][-1] == "publish.job"
