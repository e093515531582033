"""Admin pages in real Chromium against a real server: log in, the list after a plan import,
edit an interview (nothing lost on an error), start the live, accounts, log out.
Screenshots go to test-artifacts/ (gitignored) for a person to look at."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.support.browser import login_context
from tests.support.server import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
PLAN = ROOT / "tests" / "fixtures" / "plans" / "pukou-2024.csv"  # in the repository (its README)


def test_admin_pages_in_chromium(live_server, browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    ids = live_server.flask("plan", "import", str(PLAN), "--year", "2024").split()
    assert len(ids) == 8
    context = login_context(browser, live_server.url, "admin", PASSWORD)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations of state changes
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto("/admin/?year=2024")
    assert page.locator("table.interview-table tbody tr").count() == 8
    assert page.locator("tr", has_text="瞄准低空经济赛道").locator(".unit.lead").inner_text().startswith("高新区")
    page.screenshot(path=str(ARTIFACTS / "admin-list.png"), full_page=True)

    # 新建访谈 opens the new interview's edit page
    page.click("#new-interview-btn")
    page.fill("#new-title", "政务公开日特别访谈")
    page.click("#new-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/interviews/\d+$"))
    assert page.input_value("#f-title") == "政务公开日特别访谈" and page.input_value("#f-year") == "2024"
    page.click("#delete-btn")  # planned and never announced: may be deleted
    page.wait_for_url(re.compile(r".*/admin/\?year=2024$"))
    assert page.locator("table.interview-table tbody tr").count() == 8

    # preview a plan import in the page (the same file again: everything is skipped)
    page.set_input_files("#plan-file", str(PLAN))
    page.click("#plan-preview-btn")
    page.wait_for_selector("#plan-result h3")
    assert "将跳过 8 场" in page.inner_text("#plan-result")

    first = ids[0]
    page.goto(f"/admin/interviews/{first}")
    page.fill("#f-scheduled_at", "2024-04-18T09:30")
    page.fill("#f-liaison_name", "赵强")
    page.fill("#f-liaison_phone", "13800000000")
    page.fill("#f-hosts", "张敏、刘洋")
    page.fill("#f-description", "围绕全民消防安全宣传教育，邀请消防大队负责同志走进直播间。")
    page.click("#add-guest")
    guest = page.locator(".guest-row").last
    guest.locator(".g-name").fill("王建国")
    guest.locator(".g-title").fill("消防大队大队长")
    guest.locator(".g-bio").fill("从事消防工作二十年。")
    photo = tmp_path / "guest.png"
    Image.new("RGB", (300, 400), (180, 40, 40)).save(photo)
    guest.locator(".g-file").set_input_files(str(photo))  # POST /api/interviews/<id>/images
    expect(guest.locator("img.g-photo")).to_be_visible()
    # an error keeps everything typed: an empty title is refused, the rest stays in the form
    page.fill("#f-title", "")
    page.click("#save-btn")
    assert "访谈主题不能为空" in page.inner_text("#save-error")
    assert guest.locator(".g-name").input_value() == "王建国"
    page.fill("#f-title", "全民消防安全宣传教育")
    page.click("#save-btn")
    expect(page.locator("#save-status")).to_have_text(re.compile("^已保存"))
    saved = live_server.session("admin").get(f"{live_server.url}/api/interviews/{first}").json()
    assert saved["guests"][0]["name"] == "王建国" and saved["hosts"] == ["张敏", "刘洋"]
    assert saved["guests"][0]["photo_image_id"]
    assert saved["scheduled_at"] == "2024-04-18T09:30:00.000+08:00"
    # a server-side refusal also keeps the form: two ★ leads
    page.locator(".unit-row .u-lead").nth(1).check()
    page.fill("#f-liaison_email", "not-an-email@@")
    page.fill("#f-questions_open_at", "2024-04-10T09:00")
    page.fill("#f-questions_close_at", "2024-04-01T09:00")
    page.click("#save-btn")
    assert "结束时间必须晚于开始时间" in page.inner_text("#save-error")
    assert page.input_value("#f-liaison_email") == "not-an-email@@"
    page.fill("#f-questions_close_at", "2024-04-17T18:00")
    page.click("#save-btn")
    expect(page.locator("#save-error")).to_contain_text("电子邮箱格式不正确")  # refused by the server
    assert page.input_value("#f-questions_close_at") == "2024-04-17T18:00"
    page.fill("#f-liaison_email", "zhao@example.gov.cn")
    page.click("#save-btn")
    expect(page.locator("#save-status")).to_have_text(re.compile("^已保存"))
    saved = live_server.session("admin").get(f"{live_server.url}/api/interviews/{first}").json()
    assert [u["is_lead"] for u in saved["units"]] == [False, True]

    page.click("button[data-state=preview]")
    expect(page.locator("#state-badge")).to_have_text("预告")
    page.click("button[data-state=live]")
    expect(page.locator("#state-badge")).to_have_text("直播中")
    assert page.locator("button[data-state=ended]").count() == 1
    expect(page.locator("#state-times")).to_contain_text("开始：")
    # the page follows /studio: a live ended elsewhere (the director's console) shows at once
    ended = live_server.session("director").post(f"{live_server.url}/api/interviews/{first}/state",
                                                  json={"state": "ended"})
    assert ended.status_code == 200
    expect(page.locator("#state-badge")).to_have_text("已结束")
    page.click("button[data-state=live]")  # resume
    expect(page.locator("#state-badge")).to_have_text("直播中")
    page.add_style_tag(content=".save-bar { position: static; }")  # sticky bars overlap full-page shots
    page.screenshot(path=str(ARTIFACTS / "admin-edit.png"), full_page=True)

    # logged out in another tab while typing: the save is refused, the text stays, and after
    # logging in again (in that other tab) the same form saves
    page.fill("#f-notes", "联络人下周出差，改由办公室对接。")
    other = context.new_page()
    other.goto("/admin/")
    other.click("#logout-btn")
    other.wait_for_url(re.compile(r".*/login$"))
    page.click("#save-btn")
    expect(page.locator("#save-error")).to_contain_text("登录已失效")
    assert page.input_value("#f-notes") == "联络人下周出差，改由办公室对接。"
    other.fill("#username", "admin")
    other.fill("#password", PASSWORD)
    other.click("button[type=submit]")
    other.wait_for_url(re.compile(r".*/admin/$"))
    other.close()
    page.click("#save-btn")
    expect(page.locator("#save-status")).to_have_text(re.compile("^已保存"))
    assert live_server.session("admin").get(f"{live_server.url}/api/interviews/{first}").json()["notes"] \
        == "联络人下周出差，改由办公室对接。"

    page.goto("/admin/users")
    page.fill("#c-username", "liu")
    page.fill("#c-display_name", "刘编辑")
    page.select_option("#c-role", "publisher")
    page.fill("#c-password", "publisher-pass")
    page.click("#create-form button[type=submit]")
    page.wait_for_selector("tr[data-username=liu]")
    page.screenshot(path=str(ARTIFACTS / "admin-users.png"), full_page=True)

    page.click("#logout-btn")
    page.wait_for_url(re.compile(r".*/login$"))
    assert live_server.session("liu", "publisher-pass")  # the new account works
    assert not errors, errors
    context.close()

    editor = login_context(browser, live_server.url, "feed_editor", PASSWORD)
    page = editor.new_page()
    page.goto("/admin/?year=2024")
    links = page.locator(f"tr[data-id='{first}'] td.links a").all_inner_texts()
    assert links == ["图文直播", "观众页"]
    page.screenshot(path=str(ARTIFACTS / "admin-list-feed-editor.png"), full_page=True)
    editor.close()
