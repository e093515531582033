"""Recordings that differ from the first one (OBS restarted with other output settings between
them): a larger frame and another frame rate are scaled and rate-converted into the first
recording's format, and one without sound gets silence, so the joined video plays through."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import register_recording
from .media import make_coded_clip, read_frame_numbers

pytestmark = [pytest.mark.integration, pytest.mark.ffmpeg]
FPS = 25
B_FPS = 30
# Joined timeline: A (320x240, 25 fps, sound) is 0–6 s, B (640x480, 30 fps, silent) 6–10 s.
KEEP = [[1.0, 5.0], [6.0, 9.0]]


def _probe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    return json.loads(out)


@pytest.fixture(scope="module")
def mixed_clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mixed")
    return {"a": make_coded_clip(folder / "a.mkv", 6, offset=0),
            "b": make_coded_clip(folder / "b.mkv", 4, fps=B_FPS, offset=10000, audio=False, scale=2)}


def test_a_larger_faster_silent_recording_joins_in_the_first_ones_format(app, login, ended_interview,
                                                                          mixed_clips):
    from publishing import worker

    publisher = login("publisher")
    interview_id = ended_interview["id"]
    ids = [register_recording(app, publisher, interview_id, mixed_clips[name], f"{name}.mkv", offset)["id"]
           for name, offset in (("a", 0.0), ("b", 6.0))]
    resp = publisher.put(f"/api/interviews/{interview_id}/edit", json={"recording_ids": ids, "keep": KEEP})
    assert resp.status_code == 200, resp.get_json()
    assert publisher.post(f"/api/interviews/{interview_id}/publish").status_code == 202
    with app.app_context():
        result = worker.work_once(app)
    assert result is not None and result["state"] == "done", result

    video = Path(app.config["DATA_DIR"]) / "archive" / str(interview_id) / "video.mp4"
    info = _probe(video)
    streams = {s["codec_type"]: s for s in info["streams"]}
    assert (streams["video"]["width"], streams["video"]["height"]) == (320, 240)
    assert streams["video"]["avg_frame_rate"] == f"{FPS}/1"
    # Sound through the whole video, the silent recording's part included.
    assert abs(float(streams["audio"]["duration"]) - 7.0) < 0.1

    numbers = read_frame_numbers(video)
    assert abs(len(numbers) - 7 * FPS) <= 1
    from_a, from_b = numbers[:4 * FPS], numbers[4 * FPS:]
    assert from_a == list(range(1 * FPS, 5 * FPS))  # A's 1–5 s, frame-exact
    # B's first 3 s at 25 of its 30 frames a second: rising, starting at its start, ending near 3 s.
    assert from_b == sorted(from_b) and len(set(from_b)) == len(from_b), from_b
    assert abs(from_b[0] - 10000) <= 1 and abs(from_b[-1] - (10000 + 3 * B_FPS - 1)) <= 2, from_b
