"""Themed series (专题): the API, the archive page and RSS, and the interviews' pages linking to it."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from .conftest import fake_published, move_state


def _publish(app, iid, title):
    move_state(app, iid, ["preview", "live", "ended", "published"])
    fake_published(app, iid, title)


def test_series_api_page_feed_and_links(app, admin, pukou, client):
    _publish(app, pukou[0], "全民消防安全宣传教育")
    _publish(app, pukou[2], "发展数字农业，助推乡村产业振兴")
    resp = admin.post("/api/series", json={"slug": "open-day-2024", "title": "5·15 政务公开日",
                                           "description": "政务公开日系列访谈", "interview_ids": [pukou[2], pukou[0], pukou[1]]})
    assert resp.status_code == 201, resp.get_json()
    sid = resp.get_json()["id"]
    assert resp.get_json()["interview_ids"] == [pukou[2], pukou[0], pukou[1]]
    assert client.get("/api/series").get_json()["series"][0]["slug"] == "open-day-2024"

    page = client.get("/archive/series/open-day-2024/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "5·15 政务公开日" in html
    # Only published ones, in the series' order.
    assert html.index("发展数字农业") < html.index("全民消防安全") and "打造知识产权" not in html

    feed = client.get("/archive/series/open-day-2024/feed.xml")
    assert feed.status_code == 200 and feed.mimetype == "application/rss+xml"
    channel = ET.fromstring(feed.get_data()).find("channel")
    assert channel.find("title").text == "5·15 政务公开日 · 访谈回顾"
    assert [i.find("title").text for i in channel.findall("item")] == ["发展数字农业，助推乡村产业振兴", "全民消防安全宣传教育"]

    archive = client.get(f"/archive/{pukou[0]}/").get_data(as_text=True)
    assert '<a href="/archive/series/open-day-2024/">5·15 政务公开日</a>' in archive

    patched = admin.patch(f"/api/series/{sid}", json={"title": "政务公开日", "interview_ids": [pukou[0]]})
    assert patched.status_code == 200 and patched.get_json()["interview_ids"] == [pukou[0]]
    assert "发展数字农业" not in client.get("/archive/series/open-day-2024/").get_data(as_text=True)
    # A page of an interview in no series is served as it is.
    assert "所属专题" not in client.get(f"/archive/{pukou[2]}/").get_data(as_text=True)
    assert client.get("/archive/series/nothing/").status_code == 404
    assert client.get("/archive/series/nothing/feed.xml").status_code == 404


def test_series_input_errors(admin, pukou):
    assert admin.post("/api/series", json={"slug": "Bad Slug", "title": "x"}).get_json()["error"]["code"] == "invalid_slug"
    assert admin.post("/api/series", json={"slug": "ok", "title": ""}).status_code == 400
    assert admin.post("/api/series", json={"slug": "ok", "title": "x", "interview_ids": [999999]}).status_code == 400
    assert admin.post("/api/series", json={"slug": "ok", "title": "x", "interview_ids": "1"}).status_code == 400
    assert admin.post("/api/series", json={"slug": "ok", "title": "x"}).status_code == 201
    assert admin.post("/api/series", json={"slug": "ok", "title": "y"}).status_code == 409
    assert admin.patch("/api/series/12345", json={"title": "y"}).status_code == 404
