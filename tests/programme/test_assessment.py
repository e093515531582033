"""Assessment (考核) of a seeded year whose figures are known, as JSON and as XLSX (openpyxl)."""
from __future__ import annotations

import io

from .conftest import at, fake_published, move_state


def seed_year(app, admin, login, pukou, clock):
    """Pukou 2024 on 2024-04-20: interview 1 (消防大队★, 江浦街道) went through the year's path with
    three questions; interview 2 (市场监管局★) published its preview late."""
    moderator, host = login("moderator"), login("host")
    first, second = pukou[0], pukou[1]
    admin.patch(f"/api/interviews/{first}", json={"questions_open_at": "2024-03-10T09:00:00+08:00"})
    move_state(app, first, ["preview"], when=at("2024-03-01 09:00"))
    ids = []
    for text in ("消防站什么时候开放参观？", "老旧小区的消防通道怎么整治？", "广告"):
        resp = admin.post(f"/api/interviews/{first}/questions", json={"nickname": "网友", "text": text, "source": "hotline"})
        assert resp.status_code == 201, resp.get_json()
        ids.append(resp.get_json()["id"])
    for qid in ids[:2]:
        assert moderator.post(f"/api/questions/{qid}/approve", json={}).status_code == 200
    assert moderator.post(f"/api/questions/{ids[2]}/reject", json={"reason": "广告"}).status_code == 200
    move_state(app, first, ["live"], when=at("2024-04-01 09:30"))
    assert moderator.post(f"/api/questions/{ids[0]}/push", json={}).status_code == 200
    assert host.post(f"/api/questions/{ids[0]}/on-air", json={}).status_code == 200
    assert host.post(f"/api/questions/{ids[0]}/answered", json={}).status_code == 200
    move_state(app, first, ["ended"], when=at("2024-04-01 11:00"))
    assert moderator.put(f"/api/questions/{ids[1]}/reply", json={"text": "已列入今年改造计划。"}).status_code == 200
    move_state(app, first, ["published"], when=at("2024-04-03 15:00"))
    fake_published(app, first, "全民消防安全宣传教育")
    move_state(app, second, ["preview"], when=at("2024-04-03 10:00"))

    from studio.platform.db import Session
    from studio.programme import stats
    from moderation.models import Question
    with app.app_context():
        session = Session()
        session.get(Question, ids[1]).replied_at = at("2024-04-10 09:00")
        stats.store_count(session, first, 7)
        stats.store_count(session, first, 2)
        session.commit()
    client = app.test_client()
    for _ in range(2):
        assert client.get(f"/archive/{first}/").status_code == 200
    clock.now = at("2024-04-20 09:00")


def test_assessment_of_a_seeded_year(app, admin, login, pukou, clock):
    seed_year(app, admin, login, pukou, clock)
    units = {u["unit"]: u for u in admin.get("/api/assessment?year=2024").get_json()["units"]}
    fire = units["消防大队"]
    assert fire["interviews_led"] == 1 and fire["interviews_joined"] == 0
    assert fire["on_time"] == {"preview": [1, 1], "questions_open": [1, 1], "script_final": [0, 1],
                               "publish": [1, 1], "replies": [1, 1]}
    assert fire["questions"] == {"received": 3, "approved": 2, "answered_live": 1, "replied": 1, "replied_on_time": 1}
    assert fire["viewers_peak"] == 7 and fire["archive_views"] == 2
    market = units["市场监管局"]
    assert market["on_time"] == {"preview": [0, 1], "questions_open": [0, 1], "script_final": [0, 0],
                                 "publish": [0, 0], "replies": [0, 0]}
    assert units["江浦街道"]["interviews_led"] == 0 and units["江浦街道"]["interviews_joined"] == 1
    assert len(units) == 15   # every unit of the plan (row 7 has one)


def test_assessment_xlsx_opened_with_openpyxl(app, admin, login, pukou, clock):
    from openpyxl import load_workbook

    seed_year(app, admin, login, pukou, clock)
    resp = admin.get("/api/assessment.xlsx?year=2024")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("责任单位", "牵头访谈", "参与访谈")
    by_unit = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    fire = by_unit["消防大队"]
    assert fire["牵头访谈"] == 1 and fire["发布预告按时/应完成"] == "1/1" and fire["访谈稿定稿按时/应完成"] == "0/1"
    assert (fire["收到提问"], fire["通过提问"], fire["直播中回答"], fire["书面答复"], fire["按时答复"]) == (3, 2, 1, 1, 1)
    assert fire["最高同时在线"] == 7 and fire["回顾页浏览"] == 2
    assert by_unit["市场监管局"]["发布预告按时/应完成"] == "0/1"
    assert by_unit["江浦街道"]["参与访谈"] == 1
    assert len(rows) == 16
    assert admin.get("/api/assessment.xlsx").status_code == 400
    assert admin.get("/api/assessment?year=abc").status_code == 400
