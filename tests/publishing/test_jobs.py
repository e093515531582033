"""Jobs: recordings API rules, edit validation over HTTP, state rules, cancel, corrupt input."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from studio.platform.db import Session

from .conftest import register_recording


def test_register_path_outside_allowed_folders_is_refused(app, login, interview, tmp_path):
    publisher = login("publisher")
    outside = tmp_path / "elsewhere.mkv"
    outside.write_bytes(b"x")
    for path in (str(outside), "../secret_key", "/etc/passwd", "recordings/../../secret_key"):
        resp = publisher.post(f"/api/interviews/{interview['id']}/recordings",
                              json={"path": path, "started_at": "2024-04-15T09:30:00+08:00"})
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] in ("path_not_allowed", "file_not_found"), path
    resp = publisher.post(f"/api/interviews/{interview['id']}/recordings", json={"path": "a.mkv"})
    assert resp.status_code == 400


@pytest.mark.integration
@pytest.mark.ffmpeg  # ffprobe reads the file
def test_register_unreadable_file_is_400(app, login, interview):
    folder = Path(app.config["DATA_DIR"]) / "recordings"
    folder.mkdir(parents=True)
    (folder / "junk.mkv").write_bytes(b"not a video at all" * 100)
    resp = login("publisher").post(f"/api/interviews/{interview['id']}/recordings",
                                   json={"path": "junk.mkv", "started_at": "2024-04-15T09:30:00+08:00"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "unreadable_media"


@pytest.mark.integration
@pytest.mark.ffmpeg
def test_upload_and_edit_validation(app, login, ended_interview, coded_clips):
    publisher = login("publisher")
    iid = ended_interview["id"]
    with open(coded_clips["b"], "rb") as handle:
        resp = publisher.post(f"/api/interviews/{iid}/recordings", content_type="multipart/form-data",
                              data={"file": (handle, "studio.mkv"), "started_at": "2024-04-15T09:30:00+08:00"})
    assert resp.status_code == 201, resp.get_json()
    rec = resp.get_json()
    assert rec["source"] == "upload" and abs(rec["duration_s"] - 12.0) < 0.1
    listed = publisher.get(f"/api/interviews/{iid}/recordings").get_json()
    assert [r["id"] for r in listed] == [rec["id"]]
    for body, field in (({"recording_ids": [rec["id"]], "keep": [[0, 5], [3, 8]]}, "keep"),
                        ({"recording_ids": [rec["id"]], "keep": [[0, 50]]}, "keep"),
                        ({"recording_ids": [999], "keep": [[0, 5]]}, "recording_ids"),
                        ({"recording_ids": [rec["id"]], "keep": [[0, 5]], "poster_s": 99}, "poster_s"),
                        ({"recording_ids": [rec["id"]], "keep": [[0, 5]], "corrections": {"12345": {"text": "x"}}},
                         "corrections")):
        resp = publisher.put(f"/api/interviews/{iid}/edit", json=body)
        assert resp.status_code == 400 and resp.get_json()["error"]["field"] == field, resp.get_json()
    assert publisher.put(f"/api/interviews/{iid}/edit", data="nonsense").status_code == 400
    resp = publisher.put(f"/api/interviews/{iid}/edit", json={"recording_ids": [rec["id"]], "keep": [[1, 5]],
                                                             "chapters": [{"at_s": 1.5, "title": "开场"}]})
    assert resp.status_code == 200 and resp.get_json()["revision"] == 1
    material = publisher.get(f"/api/interviews/{iid}/edit").get_json()
    assert material["saved"] and material["edit"]["keep"] == [[1.0, 5.0]] and material["total_s"] == 12.0


def test_publish_needs_an_ended_interview_and_an_edit(app, login, admin, interview):
    publisher = login("publisher")
    iid = interview["id"]
    resp = publisher.post(f"/api/interviews/{iid}/publish")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_publishable"
    for state in ("live", "ended"):
        admin.patch(f"/api/interviews/{iid}", json={"state": state})
    resp = publisher.post(f"/api/interviews/{iid}/publish")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "no_edit_decision"
    resp = publisher.delete(f"/api/interviews/{iid}/publish")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_published"
    assert publisher.get("/api/jobs/424242").status_code == 404


def _edit_ready(app, login, ended_interview, clip, keep):
    publisher = login("publisher")
    rec = register_recording(app, publisher, ended_interview["id"], clip, "rec.mkv")
    resp = publisher.put(f"/api/interviews/{ended_interview['id']}/edit",
                         json={"recording_ids": [rec["id"]], "keep": keep})
    assert resp.status_code == 200, resp.get_json()
    return publisher, rec


@pytest.mark.integration
@pytest.mark.ffmpeg
def test_queued_job_cancels_and_one_job_at_a_time(app, login, ended_interview, coded_clips):
    publisher, _ = _edit_ready(app, login, ended_interview, coded_clips["b"], [[0, 4]])
    iid = ended_interview["id"]
    job_id = publisher.post(f"/api/interviews/{iid}/publish").get_json()["job_id"]
    again = publisher.post(f"/api/interviews/{iid}/publish")
    assert again.status_code == 409 and again.get_json()["error"]["job_id"] == job_id
    resp = publisher.post(f"/api/jobs/{job_id}/cancel")
    assert resp.status_code == 200 and resp.get_json()["state"] == "cancelled"
    assert publisher.post(f"/api/jobs/{job_id}/cancel").status_code == 409
    from publishing import worker
    with app.app_context():
        assert worker.work_once(app) is None  # nothing queued any more


@pytest.mark.integration
@pytest.mark.ffmpeg
def test_corrupt_input_fails_with_the_reason_and_publishes_nothing(app, login, ended_interview, coded_clips):
    from publishing import worker

    publisher, rec = _edit_ready(app, login, ended_interview, coded_clips["b"], [[0, 10]])
    Path(rec["path"]).unlink()  # the hard link: the session's clip stays
    Path(rec["path"]).write_bytes(b"\x1aE\xdf\xa3 garbage " * 500)
    iid = ended_interview["id"]
    job_id = publisher.post(f"/api/interviews/{iid}/publish").get_json()["job_id"]
    with app.app_context():
        result = worker.work_once(app)
    assert result["state"] == "failed" and "ffprobe" in result["error"], result
    job = publisher.get(f"/api/jobs/{job_id}").get_json()
    assert job["state"] == "failed" and job["error"]
    archive_dir = Path(app.config["DATA_DIR"]) / "archive"
    assert not (archive_dir / str(iid)).exists()
    assert not list(archive_dir.glob(".tmp-*"))
    assert publisher.get(f"/api/interviews/{iid}").get_json()["state"] == "ended"
    assert login("publisher").get(f"/archive/{iid}/").status_code == 404


@pytest.mark.integration
@pytest.mark.ffmpeg
def test_cancel_kills_a_running_encode(app, login, ended_interview, coded_clips):
    from publishing import jobs, worker

    app.config["PUBLISH_PRESET"] = "veryslow"  # slow enough to be caught mid-encode
    publisher, _ = _edit_ready(app, login, ended_interview, coded_clips["a"], [[0, 20]])
    iid = ended_interview["id"]
    job_id = publisher.post(f"/api/interviews/{iid}/publish").get_json()["job_id"]
    results = {}

    def run():
        with app.app_context():
            results["job"] = worker.work_once(app)
            Session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.time() + 60
    while time.time() < deadline:
        job = publisher.get(f"/api/jobs/{job_id}").get_json()
        if job["state"] == "running" and job["stage"] == "encode":
            break
        time.sleep(0.2)
    assert publisher.post(f"/api/jobs/{job_id}/cancel").status_code == 200
    started = time.time()
    thread.join(60)
    assert not thread.is_alive()
    assert results["job"]["state"] == "cancelled" and time.time() - started < 15
    assert not (Path(app.config["DATA_DIR"]) / "archive" / str(iid)).exists()
    assert not list((Path(app.config["DATA_DIR"]) / "archive").glob(".tmp-*"))
    assert jobs.MAX_ATTEMPTS >= 2
