"""After the open day: the activity report (feed content and photos) published to the archive as a
text item within the programme's 3 days, the opinions collected (questions and free-text answers)
grouped and exported as XLSX, and the feedback (意见反馈) published within 15 days on the viewer page."""
from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image as PILImage

from studio.platform.db import Session
from studio.interviews import get_interview
from studio.platform.timefmt import parse_iso

from .test_survey import SURVEY


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _ended_with_feed(admin, login, iid):
    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "live"}).status_code == 200
    feed = login("feed_editor")
    image = feed.post(f"/api/interviews/{iid}/images", data={"file": (io.BytesIO(_png()), "site.png")},
                      content_type="multipart/form-data")
    assert image.status_code == 201, image.get_json()
    for body in ({"speaker": "narrator", "text": "代表们走进区政务服务中心，参观“一窗通办”。"},
                 {"speaker": "narrator", "text": "图为代表在工地现场：", "image_id": image.get_json()["id"]}):
        assert feed.post(f"/api/interviews/{iid}/feed", json=body).status_code == 201
    assert admin.post(f"/api/interviews/{iid}/state", json={"state": "ended"}).status_code == 200


def _deadline(data, kind):
    return next(d for d in data["deadlines"] if d["kind"] == kind)


def test_report_publishes_as_a_text_item_within_three_days(app, admin, login, client, open_day):
    from publishing import worker

    iid = open_day["id"]
    _ended_with_feed(admin, login, iid)
    publisher = login("publisher")
    resp = publisher.put(f"/api/interviews/{iid}/openday/after", json={"report_text": "9月20日，15位市民代表走进区住建局。"})
    assert resp.status_code == 200, resp.get_json()
    report = _deadline(resp.get_json(), "report")
    with app.app_context():
        ended_at = get_interview(Session(), iid).ended_at
    assert report["days"] == 3 and report["state"] == "due" and report["done_at"] is None
    assert abs(parse_iso(report["due_at"]) - (ended_at + timedelta(days=3))) < timedelta(seconds=1)
    assert 'id="openday-after"' not in client.get(f"/i/{iid}").get_data(as_text=True)  # not yet published

    resp = publisher.post(f"/api/interviews/{iid}/openday/report/publish")
    assert resp.status_code == 202, resp.get_json()
    with app.app_context():
        worker.work_once(app)
    folder = Path(app.config["DATA_DIR"]) / "archive" / str(iid)
    meta = json.loads((folder / "interview.json").read_text())
    assert not meta.get("video") and not list(folder.glob("*.mp4"))  # a text item
    page = client.get(f"/archive/{iid}/").get_data(as_text=True)
    assert "代表们走进区政务服务中心" in page and "图文直播实录" in page
    assert any(p.suffix == ".png" for p in folder.rglob("*"))  # the feed's photo went with it
    after = publisher.get(f"/api/interviews/{iid}/openday/after").get_json()
    assert _deadline(after, "report")["state"] == "done"
    viewer = client.get(f"/i/{iid}").get_data(as_text=True)
    assert "活动报道" in viewer and "15位市民代表走进区住建局" in viewer


def test_feedback_published_within_fifteen_days_on_the_viewer_page(app, admin, login, client, open_day, socket_client):
    from studio.openday import after

    iid = open_day["id"]
    _ended_with_feed(admin, login, iid)
    publisher = login("publisher")
    resp = publisher.post(f"/api/interviews/{iid}/openday/feedback/publish")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "empty_feedback"
    text = "关于代表提出的“加装电梯补贴”意见：区住建局已于10月起简化申请材料。"
    publisher.put(f"/api/interviews/{iid}/openday/after", json={"feedback_text": text})
    assert text not in client.get(f"/i/{iid}").get_data(as_text=True)  # saved, not published
    with app.app_context():
        session = Session()
        interview = get_interview(session, iid)
        late = after.deadlines(session, interview, app.config, now=interview.ended_at + timedelta(days=16))
    assert _deadline({"deadlines": late}, "feedback")["state"] == "overdue"
    viewer = socket_client("/live")
    viewer.emit("join", {"interview_id": iid}, namespace="/live", callback=True)
    resp = publisher.post(f"/api/interviews/{iid}/openday/feedback/publish")
    assert resp.status_code == 200 and resp.get_json()["feedback_text"] == text
    events = [e["args"][0] for e in viewer.get_received("/live") if e["name"] == "event"]
    assert [e["data"]["text"] for e in events if e["type"] == "openday.feedback_published"] == [text]
    page = client.get(f"/i/{iid}").get_data(as_text=True)
    assert "意见反馈" in page and "加装电梯补贴" in page  # typed punctuation kept
    data = publisher.get(f"/api/interviews/{iid}/openday/after").get_json()
    assert _deadline(data, "feedback")["state"] == "done" and _deadline(data, "feedback")["days"] == 15


def test_opinions_grouped_and_exported(app, admin, login, open_day):
    from moderation.models import Question
    from moderation.text import match_key
    from openpyxl import load_workbook

    iid = open_day["id"]
    with app.app_context():
        session = Session()
        rows = [Question(interview_id=iid, nickname=n, text=t, match_key=match_key(t), status=s, receipt=f"R{i:05d}")
                for i, (n, t, s) in enumerate([("甲", "老旧小区什么时候加装电梯？", "approved"),
                                               ("乙", "老旧小区什么时候加装电梯", "pending"),
                                               ("丙", "物业费标准是多少？", "answered"),
                                               ("丁", "广告", "rejected")])]
        session.add_all(rows)
        session.commit()
    host = login("host")
    sid = host.post(f"/api/interviews/{iid}/surveys", json=SURVEY).get_json()["id"]
    host.patch(f"/api/surveys/{sid}", json={"state": "open"})
    for text in ("希望多开展这样的活动", "希望多开展这样的活动！", "停车难问题请关注"):
        assert app.test_client().post(f"/api/surveys/{sid}/responses", json={"answers": {"1": 0, "3": text}}).status_code == 201
    resp = login("publisher").get(f"/api/interviews/{iid}/openday/opinions")
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    questions = data["questions"]
    assert [(g["count"], len(g["items"])) for g in questions] == [(2, 2), (1, 1)]  # the same question twice
    assert "广告" not in repr(questions)
    [survey] = data["survey"]
    assert survey["title"] == "开放日满意度调查：您的意见和建议" and survey["count"] == 3
    assert [(i["text"], i["same"]) for i in survey["items"]] == [("希望多开展这样的活动", 2), ("停车难问题请关注", 1)]
    resp = login("moderator").get(f"/api/interviews/{iid}/openday/opinions.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["来源", "分组", "人数", "内容", "相同意见数"]
    assert ["问卷调查", "开放日满意度调查：您的意见和建议", 3, "希望多开展这样的活动", 2] in values
    assert sum(1 for v in values if v[0] == "网友提问") == 3


@pytest.mark.parametrize("role", ["host", "moderator", "director", "feed_editor", None])
def test_only_publishers_publish_the_report_and_feedback(app, login, open_day, role):
    client = login(role) if role else app.test_client()
    for path in ("report/publish", "feedback/publish"):
        resp = client.post(f"/api/interviews/{open_day['id']}/openday/{path}")
        assert resp.status_code == (401 if role is None else 403), (path, role)


def test_not_an_open_day_and_before_the_end(admin, login, open_day):
    other = admin.post("/api/interviews", json={"title": "普通访谈"}).get_json()
    publisher = login("publisher")
    assert publisher.get(f"/api/interviews/{other['id']}/openday/after").status_code == 409
    resp = publisher.post(f"/api/interviews/{open_day['id']}/openday/report/publish")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_publishable"
    resp = publisher.put(f"/api/interviews/{open_day['id']}/openday/after", json={"other": 1})
    assert resp.status_code == 400
