"""The CLI publishes with a progress bar; Chromium plays the archive page with its tracks; the
editor page works with the keys."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import requests
from playwright.sync_api import expect

from tests.support.server import ROOT

from .conftest import at, iso, open_editor, start_publishing_server

pytestmark = [pytest.mark.integration, pytest.mark.ffmpeg, pytest.mark.browser]


@pytest.fixture
def published_server(tmp_path, coded_clips):
    """A real server with one interview published through `flask --app server publish`."""
    server = start_publishing_server(tmp_path / "server", "ultrafast")
    admin, publisher = server.session("admin"), server.session("publisher")
    url = server.url
    iid = admin.post(f"{url}/api/interviews", json={"title": "页面测试访谈", "state": "live",
                                                    "guests": [{"name": "王建国", "title": "局长"}]}).json()["id"]
    admin.post(f"{url}/api/interviews/{iid}/state", json={"state": "ended"})
    (server.data_dir / "recordings").mkdir()
    os.link(coded_clips["a"], server.data_dir / "recordings" / "a.mkv")
    rec = publisher.post(f"{url}/api/interviews/{iid}/recordings",
                         json={"path": "a.mkv", "started_at": iso(at(0))}).json()
    edit = {"recording_ids": [rec["id"]], "keep": [[1, 9], [11, 19]], "poster_s": 3,
            "chapters": [{"at_s": 1.5, "title": "开场"}, {"at_s": 12, "title": "政策解读"}]}
    assert publisher.put(f"{url}/api/interviews/{iid}/edit", json=edit).status_code == 200
    yield server, iid
    server.kill()


def _flask(server, *args):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "server", *args], cwd=ROOT, env=server.env,
                          capture_output=True, text=True, timeout=300)


def test_cli_publishes_and_archive_plays_in_chromium(published_server, browser):
    server, iid = published_server
    result = _flask(server, "publish", str(iid))
    assert result.returncode == 0, result.stderr
    assert "100.0%" in result.stdout and f"/archive/{iid}/" in result.stdout
    # A progress bar, not one line: piped, it prints a line at each stage, in order, rising.
    bars = re.findall(r"^\[[#-]+\]\s+([\d.]+)% (\w+)$", result.stdout, flags=re.M)
    stages = list(dict.fromkeys(stage for _, stage in bars))
    assert stages == ["probe", "encode", "hls", "pictures", "texts"], result.stdout
    percents = [float(value) for value, _ in bars]
    assert percents == sorted(percents) and percents[0] < 1 and percents[-1] == 100.0, result.stdout
    failed = _flask(server, "publish", "99999")
    assert failed.returncode != 0 and "访谈不存在" in failed.stderr

    feed = ET.fromstring(requests.get(f"{server.url}/archive/feed.xml", timeout=5).content)
    assert [i.findtext("title") for i in feed.findall("./channel/item")] == ["页面测试访谈"]

    context = browser.new_context(base_url=server.url, locale="zh-CN")
    page = context.new_page()
    page.goto(f"/archive/{iid}/")
    # The video loads on demand (preload="none", issue 15): nothing fetched until play.
    assert page.evaluate("() => document.getElementById('archive-video').preload") == "none"
    state = page.evaluate("""async () => {
        const v = document.getElementById('archive-video');
        v.muted = true;
        await v.play();
        await new Promise(r => setTimeout(r, 1500));
        const tracks = Array.from(v.textTracks);
        const els = Array.from(v.querySelectorAll('track'));
        const wait = Date.now() + 10000;
        while (els.some(t => t.readyState < 2) && Date.now() < wait) await new Promise(r => setTimeout(r, 100));
        return {time: v.currentTime, duration: v.duration, error: v.error && v.error.code,
                kinds: tracks.map(t => t.kind), ready: els.map(t => t.readyState),
                chapters: (tracks.find(t => t.kind === 'chapters').cues || []).length,
                chapterTitles: Array.from(tracks.find(t => t.kind === 'chapters').cues || []).map(c => c.text)};
    }""")
    assert state["error"] is None and state["time"] > 0.5, state
    assert abs(state["duration"] - 16.0) < 0.2, state
    assert state["kinds"] == ["captions", "chapters"] and state["ready"] == [2, 2], state
    assert state["chapterTitles"] == ["开场", "政策解读"], state
    page.click(".chapters .seek >> nth=1")
    page.wait_for_function("() => Math.abs(document.getElementById('archive-video').currentTime - 9) < 1.5")
    page.screenshot(path=str(server.data_dir / "archive-page.png"), full_page=True)
    index = context.new_page()
    index.goto("/archive/")
    assert index.locator(".archive-list li").count() == 1
    context.close()


def test_editor_keys_edit_the_timeline(published_server, browser):
    server, iid = published_server
    context, page = open_editor(browser, server, iid)
    assert page.locator("#ed-keep tr").count() == 2
    assert page.locator("#ed-chapters li").count() == 2
    # Type a selection inside the first kept range and remove it with X.
    page.fill("#ed-in", "00:00:03.000")
    page.press("#ed-in", "Tab")
    page.fill("#ed-out", "00:00:05.000")
    page.press("#ed-out", "Tab")
    page.click("h2")  # focus off the inputs so the keys go to the editor
    page.keyboard.press("x")
    assert page.locator("#ed-keep tr").count() == 3
    # Seek with the timeline keys, set the poster with P, save.
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("p")
    page.click("#ed-save")
    expect(page.locator("#ed-save-state")).to_contain_text("第 2 版")
    saved = server.session("publisher").get(f"{server.url}/api/interviews/{iid}/edit").json()["edit"]
    assert saved["keep"] == [[1.0, 3.0], [5.0, 9.0], [11.0, 19.0]] and saved["poster_s"] is not None
    page.screenshot(path=str(server.data_dir / "editor-page.png"), full_page=True)
    # Publishing from the page shows the job to its end.
    page.click("#ed-publish")
    expect(page.locator("#ed-job-text")).to_contain_text("发布完成", timeout=180_000)
    assert page.locator("#ed-state").inner_text() == "已发布"
    context.close()
