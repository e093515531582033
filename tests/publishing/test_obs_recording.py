"""A real OBS recording (OBS Studio under Xvfb, from tests/support/obs.py) goes through the
whole publishing pipeline once: by smart cut (OBS's x264 with 2 s keyframes is stream-copied),
and Chromium plays the result across the cut."""
from __future__ import annotations

import json
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from studio.platform.db import Session, utcnow
from studio.feed.models import FeedEntry
from studio.recordings import add_marker
from tests.support.obs import obs_private  # noqa: F401  (fixture: an OBS of this test alone)

pytestmark = [pytest.mark.integration, pytest.mark.obs, pytest.mark.ffmpeg, pytest.mark.browser]


@pytest.fixture
def app_config(app_config, obs_private):
    app_config["RECORDINGS_DIR"] = str(obs_private.recordings)
    return app_config


def _record(obs, seconds: float) -> tuple[Path, object]:
    obs.request("StartRecord")
    started_at = utcnow()
    time.sleep(seconds)
    path = Path(obs.request("StopRecord")["outputPath"])
    deadline = time.time() + 30
    while time.time() < deadline:  # the file is whole once OBS's muxer stopped and ffprobe reads it
        if not obs.request("GetRecordStatus")["outputActive"] and path.exists():
            probe = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-of", "json", str(path)],
                                   capture_output=True, text=True)
            if probe.returncode == 0 and json.loads(probe.stdout).get("format", {}).get("duration"):
                return path, started_at
        time.sleep(0.5)
    raise AssertionError(f"OBS did not finish {path}")


def test_obs_recording_publishes(app, login, ended_interview, obs_private, browser):
    from publishing import worker

    path, started_at = _record(obs_private, 9)  # keyframes every 2 s: the second range copies 4–8 s
    publisher = login("publisher")
    iid = ended_interview["id"]
    resp = publisher.post(f"/api/interviews/{iid}/recordings",
                          json={"path": str(path), "started_at": started_at.isoformat()})
    assert resp.status_code == 201, resp.get_json()
    rec = resp.get_json()
    assert rec["video_codec"] == "h264" and rec["duration_s"] > 4
    with app.app_context():
        session = Session()
        session.add(FeedEntry(interview_id=iid, speaker="host", text="欢迎收看。", seq=1,
                              created_at=started_at + timedelta(seconds=2), updated_at=started_at))
        add_marker(session, iid, "cue", "开场", at=started_at + timedelta(seconds=1.5))
        session.commit()
    keep = [[1.0, 2.5], [3.0, rec["duration_s"] - 0.5]]
    assert publisher.put(f"/api/interviews/{iid}/edit", json={"recording_ids": [rec["id"]], "keep": keep}).status_code == 200
    job_id = publisher.post(f"/api/interviews/{iid}/publish").get_json()["job_id"]
    with app.app_context():
        result = worker.work_once(app)
    assert result["state"] == "done", result
    folder = Path(app.config["DATA_DIR"]) / "archive" / str(iid)
    meta = json.loads((folder / "interview.json").read_text())
    expected = keep[0][1] - keep[0][0] + keep[1][1] - keep[1][0]
    assert abs(meta["video"]["duration_s"] - expected) < 0.2, meta["video"]
    assert (folder / "hls" / "index.m3u8").is_file() and (folder / "poster.jpg").is_file()
    assert "欢迎收看" in (folder / "captions.vtt").read_text()
    assert "开场" in (folder / "chapters.vtt").read_text()
    job = publisher.get(f"/api/jobs/{job_id}").get_json()
    assert job["state"] == "done" and job["path"] == "smart", job
    assert meta["cut"]["copied_s"] > 0, meta["cut"]
    packets = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=dts",
                              "-of", "csv=p=0", str(folder / "video.mp4")], capture_output=True, text=True,
                             check=True).stdout.split()
    dts = [int(d.strip(",")) for d in packets]
    assert all(b > a for a, b in zip(dts, dts[1:])), "DTS rises across the cut"
    _plays_across_the_cut(app, browser, iid, keep[0][1] - keep[0][0], expected)


def _plays_across_the_cut(app, browser, iid: int, cut_s: float, duration: float) -> None:
    """Chromium plays the archive page's video from start to end, through the cut."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # bypass_csp: the page's CSP forbids eval, which Playwright's evaluate() uses.
        context = browser.new_context(base_url=f"http://127.0.0.1:{server.server_port}", locale="zh-CN",
                                      bypass_csp=True)
        page = context.new_page()
        page.goto(f"/archive/{iid}/")
        state = page.evaluate("""async (cut) => {
            const v = document.getElementById('archive-video');
            v.muted = true;
            const seen = [];
            v.addEventListener('timeupdate', () => seen.push(v.currentTime));
            await v.play();
            const end = Date.now() + 30000;
            while (!v.ended && !v.error && Date.now() < end) await new Promise(r => setTimeout(r, 100));
            const ended = v.ended;
            v.currentTime = Math.max(cut - 0.5, 0);
            await new Promise(r => v.addEventListener('seeked', r, {once: true}));
            await v.play();
            while (v.currentTime < cut + 0.5 && !v.error && Date.now() < end + 10000) await new Promise(r => setTimeout(r, 50));
            return {ended, duration: v.duration, passed: seen.some(t => t > cut + 0.2), after: v.currentTime,
                    error: v.error && v.error.code};
        }""", cut_s)
        context.close()
    finally:
        server.shutdown()
    assert state["error"] is None and state["ended"] and state["passed"] and state["after"] > cut_s + 0.5, state
    assert abs(state["duration"] - duration) < 0.2, state
