"""A publishing job killed with the server (SIGKILL mid-encode) ends done or failed after the
restart, never stuck running, and the archive stays whole before, during and after."""
from __future__ import annotations

import os
import signal
import threading
import time

from pathlib import Path

import pytest
import requests

from .conftest import at, iso, start_publishing_server
from .media import read_frame_numbers

pytestmark = [pytest.mark.integration, pytest.mark.ffmpeg]


def _wait_job(http, url, job_id, until, timeout=240):
    deadline = time.time() + timeout
    job = None
    while time.time() < deadline:
        try:
            job = http.get(f"{url}/api/jobs/{job_id}", timeout=5).json()
        except requests.RequestException:
            job = None
        if job and until(job):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not reach the expected state: {job}")


def _ffmpeg_in_group(pgid: int) -> list[int]:
    """The pids of ffmpeg processes in the server's process group (read from /proc)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        if comm == "ffmpeg" and int(fields[2]) == pgid:  # fields: state, ppid, pgrp, ...
            pids.append(int(stat.parent.name))
    return pids


def _hold_encode_mid_way(http, url, job_id, pgid, timeout=120):
    """Freeze the job's ffmpeg (SIGSTOP) as soon as it starts, then let it run in 50 ms steps
    until the job reports some progress: the kill then lands mid-encode on a machine of any
    speed, instead of hoping the encode is slower than the poll."""
    deadline = time.time() + timeout
    pids: list[int] = []
    while not pids:
        assert time.time() < deadline, "the publishing job never started ffmpeg"
        pids = _ffmpeg_in_group(pgid)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    while True:
        job = http.get(f"{url}/api/jobs/{job_id}", timeout=5).json()
        if job["state"] == "running" and job["stage"] == "encode" and job["progress"] > 0.05:
            return job
        assert job["state"] == "running" and time.time() < deadline, job
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.05)
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        time.sleep(0.2)  # let the server read and store the progress ffmpeg printed


def test_job_killed_with_the_server_recovers_and_archive_stays_whole(tmp_path, coded_clips):
    # The full encode: its one long ffmpeg is what the test freezes and kills mid-way (a smart
    # cut runs many short ffmpeg steps; the recovery after a kill is the same code either way).
    server = start_publishing_server(tmp_path / "server", "veryfast", PUBLISH_SMART_CUT="never")
    try:
        admin, publisher = server.session("admin"), server.session("publisher")
        url = server.url
        iid = admin.post(f"{url}/api/interviews", json={"title": "重启测试", "state": "live"}).json()["id"]
        assert admin.post(f"{url}/api/interviews/{iid}/state", json={"state": "ended"}).status_code == 200
        folder = server.data_dir / "recordings"
        folder.mkdir()
        ids = []
        for name, offset in (("a", 0.0), ("b", 20.0)):
            os.link(coded_clips[name], folder / f"{name}.mkv")
            resp = publisher.post(f"{url}/api/interviews/{iid}/recordings",
                                  json={"path": f"{name}.mkv", "started_at": iso(at(offset))})
            assert resp.status_code == 201, resp.text
            ids.append(resp.json()["id"])

        # Version 1: only A's first 10 s.
        assert publisher.put(f"{url}/api/interviews/{iid}/edit",
                             json={"recording_ids": ids, "keep": [[0, 10]]}).status_code == 200
        first = publisher.post(f"{url}/api/interviews/{iid}/publish").json()["job_id"]
        done = _wait_job(publisher, url, first, lambda j: j["state"] in ("done", "failed"))
        assert done["state"] == "done", done
        archive_link = server.data_dir / "archive" / str(iid)
        v1 = archive_link.resolve()

        # Watch the archive from outside the whole time: every answer is a whole folder.
        seen, stop = [], threading.Event()

        def watch():
            while not stop.is_set():
                try:
                    resp = requests.get(f"{url}/archive/{iid}/interview.json", timeout=3)
                    seen.append((resp.status_code, resp.json()["video"]["duration_s"] if resp.ok else None))
                except (requests.RequestException, ValueError):
                    seen.append(("down", None))
                meta = archive_link / "interview.json"
                seen.append(("disk", meta.is_file() and (archive_link / "video.mp4").is_file()))
                time.sleep(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()

        # Version 2: everything (32 s); kill the server mid-encode.
        assert publisher.put(f"{url}/api/interviews/{iid}/edit",
                             json={"recording_ids": ids, "keep": [[0, 32]]}).status_code == 200
        second = publisher.post(f"{url}/api/interviews/{iid}/publish").json()["job_id"]
        running = _hold_encode_mid_way(publisher, url, second, server.proc.pid)
        assert running["progress"] < 1.0, running
        server.kill()  # SIGKILL to the process group: the server and its (stopped) ffmpeg die at once
        assert archive_link.resolve() == v1 and (v1 / "interview.json").is_file()
        assert list((server.data_dir / "archive").glob(".tmp-*")), "the killed job left its work folder"

        server.start()
        publisher = server.session("publisher")
        final = _wait_job(publisher, url, second, lambda j: j["state"] in ("done", "failed"))
        assert final["state"] in ("done", "failed")
        time.sleep(0.5)
        stop.set()
        watcher.join(5)

        assert final["state"] == "done" and final["attempts"] == 2, final
        v2 = archive_link.resolve()
        assert v2 != v1 and (v2 / "interview.json").is_file()
        assert len(read_frame_numbers(v2 / "video.mp4")) == 800  # 32 s at 25 fps, whole
        assert not list((server.data_dir / "archive").glob(".tmp-*")), "work folders are cleaned up"
        statuses = {s for s, _ in seen if s not in ("down", "disk")}
        assert statuses == {200}, seen
        assert all(ok for kind, ok in seen if kind == "disk")
        durations = [d for s, d in seen if s == 200]
        assert set(durations) <= {10.0, 32.0} and durations[-1] == 32.0
        # No job of this interview is left running.
        listed = publisher.get(f"{url}/api/interviews/{iid}/jobs").json()["jobs"]
        assert all(j["state"] != "running" for j in listed)
    finally:
        server.kill()
