"""A policy explainer (政策解读) from an uploaded video with a known script: the publisher times the
script's lines on the editor page by pressing T (Playwright presses it at known video times),
previews them over the video, saves; after a cut, the published captions land at those times
remapped through the cut (±1 frame); the archive page links the policy document and plays the
video with the captions."""
from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.publishing.conftest import open_editor, start_publishing_server
from tests.support.server import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.ffmpeg, pytest.mark.browser]

FRAME = 1 / 25
SCRIPT = "各位网友，大家好。今天解读《县城老旧小区改造实施方案》。\n方案明确了改造范围。补贴标准按户计算。"
LINES = ["各位网友，大家好。", "今天解读《县城老旧小区改造实施方案》。", "方案明确了改造范围。", "补贴标准按户计算。"]
PRESS_AT = [1.0, 4.8, 6.4, 8.0]          # video seconds at which T is pressed
KEEP = [[0.0, 2.0], [4.0, 10.0]]         # the cut removes 2–4 s
EXPECTED = [1.0, 2.8, 4.4, 6.0]          # PRESS_AT through the cut
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _clip(path: Path) -> Path:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=320x240:rate=25:duration=10", "-f", "lavfi", "-i", "sine=duration=10",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    "-movflags", "+faststart", str(path)], check=True, timeout=120)
    return path


def _vtt_cues(text: str) -> list[tuple[float, str]]:
    def seconds(stamp):
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    return [(seconds(m.group(1)), m.group(3).strip())
            for m in re.finditer(r"(\d+:\d\d:\d\d\.\d+) --> (\d+:\d\d:\d\d\.\d+)\n(.+)", text)]


def test_key_press_timed_captions_land_after_the_cut(tmp_path, browser):
    server = start_publishing_server(tmp_path / "server", "ultrafast")
    context = None
    try:
        server.create_user("host", "host")
        admin, publisher, host = server.session("admin"), server.session("publisher"), server.session("host")
        interview = admin.post(server.url + "/api/interviews", json={
            "title": "《县城老旧小区改造实施方案》政策解读", "kind": "policy_video",
            "policy_title": "县城老旧小区改造实施方案", "policy_url": "https://www.example.gov.cn/zcwj/2024/15.html"},
            timeout=10).json()
        iid = interview["id"]
        assert host.put(f"{server.url}/api/interviews/{iid}/script", data=SCRIPT.encode(),
                        headers={"Content-Type": "text/plain; charset=utf-8"}, timeout=10).status_code == 200
        for state in ("preview", "live", "ended"):
            resp = admin.post(f"{server.url}/api/interviews/{iid}/state", json={"state": state}, timeout=10)
            assert resp.status_code == 200, resp.text
        with open(_clip(tmp_path / "explainer.mp4"), "rb") as f:
            resp = publisher.post(f"{server.url}/api/interviews/{iid}/recordings", files={"file": ("explainer.mp4", f, "video/mp4")},
                                  data={"started_at": "2024-05-10T09:00:00+08:00"}, timeout=60)
        assert resp.status_code == 201, resp.text
        recording = resp.json()

        context, page = open_editor(browser, server, iid)
        page.wait_for_selector("#ed-captions[data-ready='true']", timeout=10_000)
        assert page.locator("#cap-lines tr").count() == len(LINES)  # the script, sentence by sentence
        for t in PRESS_AT:
            page.evaluate("t => { FangtanEditor.video.pause(); FangtanEditor.seek(t); }", t)
            page.wait_for_function(f"() => Math.abs(FangtanEditor.joinedNow() - {t}) < 0.001 && !FangtanEditor.video.seeking",
                                   timeout=10_000)
            page.locator("body").click(position={"x": 5, "y": 5})  # focus out of any field
            page.keyboard.press("t")
        starts = page.eval_on_selector_all(".cap-start", "els => els.map(e => Number(e.value))")
        assert starts == pytest.approx(PRESS_AT, abs=FRAME)
        # The preview shows the line under the playhead.
        page.evaluate("() => FangtanEditor.seek(5.5)")
        page.wait_for_function(f"() => document.getElementById('cap-overlay').textContent === {LINES[1]!r}", timeout=5_000)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "policy-editor-captions.png"), full_page=True)
        page.click("#cap-save")
        page.wait_for_function("() => document.getElementById('cap-state').textContent.indexOf('已保存') === 0", timeout=10_000)
        saved = publisher.get(f"{server.url}/api/interviews/{iid}/caption-timings", timeout=10).json()
        assert [line["text"] for line in saved["lines"]] == LINES
        context.close()
        context = None

        resp = publisher.put(f"{server.url}/api/interviews/{iid}/edit",
                             json={"recording_ids": [recording["id"]], "keep": KEEP}, timeout=10)
        assert resp.status_code == 200, resp.text
        job = publisher.post(f"{server.url}/api/interviews/{iid}/publish", timeout=10).json()["job_id"]
        deadline = time.time() + 240
        while time.time() < deadline:
            state = publisher.get(f"{server.url}/api/jobs/{job}", timeout=10).json()
            if state["state"] in ("done", "failed", "cancelled"):
                break
            time.sleep(1)
        assert state["state"] == "done", state

        cues = _vtt_cues(requests.get(f"{server.url}/archive/{iid}/captions.vtt", timeout=10).content.decode())
        firsts = {text: start for start, text in reversed(cues)}
        for line, expected in zip(LINES, EXPECTED):
            chunk = next(text for text in firsts if line.startswith(text) or text.startswith(line[:4]))
            assert firsts[chunk] == pytest.approx(expected, abs=FRAME), (line, cues)

        # The timed script is the transcript too (no feed for an explainer).
        transcript = requests.get(f"{server.url}/archive/{iid}/transcript.txt", timeout=10).content.decode()
        assert all(line in transcript for line in LINES), transcript

        context = browser.new_context(base_url=server.url, locale="zh-CN")
        page = context.new_page()
        page.goto(f"/archive/{iid}/")
        link = page.locator("#policy-doc a")
        assert link.inner_text() == "县城老旧小区改造实施方案"
        assert link.get_attribute("href") == "https://www.example.gov.cn/zcwj/2024/15.html"
        page.evaluate("() => { const v = document.getElementById('archive-video'); v.muted = true; v.preload = 'auto'; "
                      "v.textTracks[0].mode = 'showing'; v.currentTime = 2.9; v.play(); }")
        page.wait_for_function("() => document.getElementById('archive-video').currentTime > 3.6", timeout=20_000)
        shown = page.evaluate("() => Array.from(document.getElementById('archive-video').textTracks[0].activeCues || []).map(c => c.text)")
        assert shown and LINES[1].startswith(shown[0][:4]), shown
        page.screenshot(path=str(SHOTS / "policy-archive.png"), full_page=True)
        # The archive list filtered by kind.
        listing = requests.get(f"{server.url}/archive/?kind=policy_video", timeout=10).text
        assert "政策解读" in listing and f'href="{iid}/"' in listing
        assert f'href="{iid}/"' not in requests.get(f"{server.url}/archive/?kind=open_day", timeout=10).text
        assert requests.get(f"{server.url}/archive/?kind=nope", timeout=10).status_code == 400
    finally:
        if context:
            context.close()
        server.stop()
