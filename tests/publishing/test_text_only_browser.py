"""The editor page publishes a text-only interview (no recording) and shows errors beside the
button that caused them; the archive shows it as 图文直播实录 (issue 8.5). Real server, Chromium."""
from __future__ import annotations

import io

import pytest
import requests
from playwright.sync_api import expect

from .conftest import open_editor, start_publishing_server

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def _photo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 360), (40, 90, 160))
    ImageDraw.Draw(image).rectangle((120, 80, 520, 280), fill=(230, 120, 40))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def text_interview(tmp_path):
    """An ended interview with a feed (lines and a photo) and no recording."""
    server = start_publishing_server(tmp_path / "server", "ultrafast")
    server.create_user("feed", "feed_editor")
    admin, feed = server.session("admin"), server.session("feed")
    url = server.url
    made = admin.post(f"{url}/api/interviews", json={"title": "图文访谈：老旧小区改造", "state": "live",
                                                     "guests": [{"name": "李芳", "title": "住建局副局长"}]}).json()
    iid, guest_id = made["id"], made["guests"][0]["id"]
    image = feed.post(f"{url}/api/interviews/{iid}/images",
                      files={"file": ("site.jpg", _photo(), "image/jpeg")}).json()
    for body in ({"speaker": "host", "text": "各位网友，欢迎收看本期图文直播！"},
                 {"speaker": "guest", "guest_id": guest_id, "text": "今年改造老旧小区 32 个（含加装电梯 15 部）。"},
                 {"speaker": "narrator", "text": "图为改造后的小区：", "image_id": image["id"]}):
        resp = feed.post(f"{url}/api/interviews/{iid}/feed", json=body)
        assert resp.status_code == 201, resp.text
    assert admin.post(f"{url}/api/interviews/{iid}/state", json={"state": "ended"}).status_code == 200
    yield server, iid
    server.kill()


def test_editor_publishes_a_text_only_interview_and_errors_show_beside_the_button(text_interview, browser):
    server, iid = text_interview
    context, page = open_editor(browser, server, iid)
    expect(page.locator("#ed-text-only")).to_be_visible()
    expect(page.locator("#ed-player-card")).to_be_hidden()
    publish = page.locator("#ed-publish")
    expect(publish).to_have_text("发布图文实录（无视频）")
    expect(publish).to_be_enabled()

    # A correction the server refuses (over 20000 characters): the save that publishing starts
    # fails, and the reason appears beside the publish button, on screen, not at the page's top.
    page.locator("#ed-transcript textarea").nth(1).fill("很长" * 10001)
    publish.click()
    error = page.locator("#ed-publish-error")
    expect(error).to_contain_text("保存失败")
    expect(error).to_contain_text("20000")
    expect(error).to_be_in_viewport()
    expect(page.locator("#ed-error")).to_have_text("")
    button_box, error_box = publish.bounding_box(), error.bounding_box()
    assert 0 <= error_box["y"] - button_box["y"] < 120, (button_box, error_box)
    page.screenshot(path=str(server.data_dir / "editor-text-only-error.png"))

    page.locator("#ed-transcript textarea").nth(1).fill("今年改造老旧小区 32 个（含加装电梯 15 部），惠及 6000 户。")
    publish.click()
    expect(page.locator("#ed-job-text")).to_contain_text("发布完成", timeout=60_000)
    expect(error).to_have_text("")
    assert page.locator("#ed-state").inner_text() == "已发布"
    saved = server.session("publisher").get(f"{server.url}/api/interviews/{iid}/edit").json()["edit"]
    assert saved["recording_ids"] == [] and saved["keep"] == []
    page.screenshot(path=str(server.data_dir / "editor-text-only-done.png"), full_page=True)

    archive = context.new_page()
    archive.goto(f"/archive/{iid}/")
    expect(archive.locator(".archive-header .kind-badge")).to_have_text("图文直播实录")
    assert archive.locator("video").count() == 0
    expect(archive.locator(".transcript-lines")).to_contain_text("惠及 6000 户")
    archive.wait_for_function("() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    archive.screenshot(path=str(server.data_dir / "archive-text-only.png"), full_page=True)
    archive.goto("/archive/")
    expect(archive.locator(".archive-list li")).to_contain_text("图文直播实录")
    archive.screenshot(path=str(server.data_dir / "archive-index-text-only.png"), full_page=True)
    for missing in ("/archive/99999/", f"/archive/{iid}/video.mp4"):
        resp = requests.get(server.url + missing, timeout=5)
        assert resp.status_code == 404 and resp.headers["Content-Type"].startswith("text/html"), missing
    archive.goto("/archive/99999/")
    expect(archive.locator("h1")).to_have_text("页面不存在")
    archive.screenshot(path=str(server.data_dir / "archive-404.png"), full_page=True)
    context.close()
