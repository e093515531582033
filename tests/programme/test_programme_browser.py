"""The year's dashboard, a series page (with an interview published for real, text only) and the
assessment charts in real Chromium against a real server. Screenshots go to test-artifacts/."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.support.browser import login_context
from tests.support.server import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PLAN = ROOT / "tests" / "fixtures" / "plans" / "pukou-2024.csv"


def _api(session, method, url, **kw):
    resp = session.request(method, url, timeout=30, **kw)
    assert resp.status_code < 400, (url, resp.status_code, resp.text[:300])
    return resp.json() if resp.content and resp.headers.get("Content-Type", "").startswith("application/json") else resp


def test_dashboard_series_and_assessment_in_chromium(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    year = datetime.now().year
    ids = [int(i) for i in live_server.flask("plan", "import", str(PLAN), "--year", str(year)).split()]
    base = live_server.url
    s = live_server.session("admin")
    soon = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    # A spread of states on the real clock: a done preview, a due (overridden) publish, overdue rest.
    _api(s, "PATCH", f"{base}/api/interviews/{ids[7]}", json={"state": "preview", "liaison_email": "tuanqu@example.gov.cn"})
    _api(s, "PATCH", f"{base}/api/interviews/{ids[6]}/deadlines", json={"publish": soon, "script_final": soon})
    # Interview 1 published for real (a text broadcast: the feed, no video), in a series.
    first = ids[0]
    _api(s, "PATCH", f"{base}/api/interviews/{first}", json={"state": "preview"})
    _api(s, "POST", f"{base}/api/interviews/{first}/state", json={"state": "live"})
    _api(s, "POST", f"{base}/api/interviews/{first}/feed", json={"speaker": "host", "text": "各位网友大家好，欢迎收看本期访谈。"})
    for n, text in enumerate(("消防站什么时候开放参观？", "老旧小区的消防通道怎么整治？", "电动车能不能进楼充电？")):
        qid = _api(s, "POST", f"{base}/api/interviews/{first}/questions",
                   json={"nickname": f"网友{n}", "text": text, "source": "hotline"})["id"]
        if n < 2:
            _api(s, "POST", f"{base}/api/questions/{qid}/approve", json={})
    _api(s, "POST", f"{base}/api/interviews/{first}/state", json={"state": "ended"})
    _api(s, "PUT", f"{base}/api/interviews/{first}/edit", json={"recording_ids": []})
    job = _api(s, "POST", f"{base}/api/interviews/{first}/publish")["job_id"]
    for _ in range(120):
        state = _api(s, "GET", f"{base}/api/jobs/{job}")["state"]
        if state in ("done", "failed"):
            break
        time.sleep(0.5)
    assert state == "done", _api(s, "GET", f"{base}/api/jobs/{job}")
    _api(s, "POST", f"{base}/api/series", json={"slug": "open-day", "title": "5·15 政务公开日",
                                                "description": "政务公开日系列访谈：走进部门，回应关切。",
                                                "interview_ids": [first, ids[1]]})
    link = _api(s, "GET", f"{base}/api/interviews/{first}/liaison-link")

    context = login_context(browser, base, "admin", PASSWORD)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"/admin/programme?year={year}")
    assert page.locator(".tl-row").count() == 8
    assert page.locator(".tl-track .dot-overdue").count() > 0 and page.locator(".tl-track .dot-due").count() == 2
    first_row = page.locator("#deadlines tbody tr").first
    assert "已逾期" in first_row.inner_text()   # overdue first
    assert page.locator("#upcoming li", has_text="提高老山生态系统稳定性").count() == 2
    page.screenshot(path=str(ARTIFACTS / "programme-dashboard.png"), full_page=True)
    page.select_option("select[name=state]", "due")
    page.click(".prog-filters button[type=submit]")
    assert page.locator("#deadlines tbody tr").count() == 2

    page.goto("/archive/series/open-day/")
    assert page.locator(".archive-list li").count() == 1   # only the published one
    assert "5·15 政务公开日" in page.locator("h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "programme-series.png"), full_page=True)
    page.click(".archive-list li a")
    page.wait_for_url(f"**/archive/{first}/")
    assert page.locator("nav.archive-series a", has_text="5·15 政务公开日").count() == 1

    page.goto(f"/admin/assessment?year={year}")
    page.wait_for_selector("body[data-charts-ready='1']", timeout=15_000)
    assert page.locator("#chart-ontime svg").count() == 1 and page.locator("#assessment-table tbody tr").count() == 15
    page.screenshot(path=str(ARTIFACTS / "programme-assessment.png"), full_page=True)

    anonymous = browser.new_context(base_url=base, locale="zh-CN").new_page()
    anonymous.goto(link["url"].replace("http://localhost", base) if link["url"].startswith("http://localhost") else link["url"])
    assert "提交访谈稿" in anonymous.locator("h1").inner_text()
    anonymous.set_input_files("#liaison-file", {"name": "访谈稿.txt", "mimeType": "text/plain",
                                                "buffer": ("主持人：各位网友好。\n嘉宾：" + "消防安全" * 1800).encode()})
    anonymous.click("#liaison-form button[type=submit]")
    anonymous.wait_for_selector("#liaison-result:has-text('已提交第 1 版')")
    assert "不足 8000 字" in anonymous.locator("#liaison-result").inner_text()   # 7,208 汉字
    anonymous.wait_for_selector("td:has-text('第 1 版')")
    anonymous.screenshot(path=str(ARTIFACTS / "programme-liaison.png"), full_page=True)
    assert not errors, errors
    context.close()
