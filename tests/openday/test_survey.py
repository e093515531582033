"""Questionnaires: staff open and close them, one answer per device, counts live to staff and (when
shown) to viewers, free text screened with the word list, XLSX export."""
from __future__ import annotations

import io

SURVEY = {"title": "开放日满意度调查", "questions": [
    {"type": "single", "text": "您对本次活动是否满意？", "options": ["满意", "基本满意", "不满意"]},
    {"type": "multiple", "text": "您最关注哪些方面？", "options": ["老旧小区改造", "物业管理", "保障房"]},
    {"type": "text", "text": "您的意见和建议"}]}


def _create(login, iid):
    resp = login("host").post(f"/api/interviews/{iid}/surveys", json=SURVEY)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_open_answer_once_per_device_and_close(app, admin, login, open_day, socket_client):
    iid = open_day["id"]
    sid = _create(login, iid)["id"]
    phone = app.test_client()
    answer = {"answers": {"1": 0, "2": [0, 2], "3": "希望多开展这样的活动"}}
    resp = phone.post(f"/api/surveys/{sid}/responses", json=answer)
    assert resp.status_code == 403 and resp.get_json()["error"] == {"code": "survey_closed", "message": "问卷未开放"}
    # A draft is invisible to the public.
    assert app.test_client().get(f"/api/interviews/{iid}/surveys").get_json()["surveys"] == []
    staff = socket_client("/studio", role="host")
    staff.emit("join", {"interview_id": iid}, namespace="/studio", callback=True)
    viewer = socket_client("/live")
    viewer.emit("join", {"interview_id": iid}, namespace="/live", callback=True)
    login("host").patch(f"/api/surveys/{sid}", json={"state": "open"})
    assert phone.post(f"/api/surveys/{sid}/responses", json=answer).status_code == 201
    resp = phone.post(f"/api/surveys/{sid}/responses", json={"answers": {"1": 1}})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "already_answered"
    assert app.test_client().post(f"/api/surveys/{sid}/responses", json={"answers": {"1": 2, "2": [1]}}).status_code == 201
    staff_events = [e["args"][0] for e in staff.get_received("/studio") if e["name"] == "event"]
    answered = [e for e in staff_events if e["type"] == "survey.answered"]
    assert answered[-1]["data"]["responses"] == 2
    assert answered[-1]["data"]["results"] == {"1": {"counts": [1, 0, 1]}, "2": {"counts": [1, 1, 1]},
                                               "3": {"answers": 1}}
    viewer_types = [e["args"][0]["type"] for e in viewer.get_received("/live") if e["name"] == "event"]
    assert "survey.changed" in viewer_types and "survey.answered" not in viewer_types
    assert "survey.results" not in viewer_types  # not shown to viewers yet
    # Staff show the results: viewers get counts, never the typed text.
    login("host").patch(f"/api/surveys/{sid}", json={"results_public": True})
    public = app.test_client().get(f"/api/interviews/{iid}/surveys").get_json()["surveys"][0]
    assert public["results"]["1"]["counts"] == [1, 0, 1] and "希望" not in repr(public)
    assert app.test_client().post(f"/api/surveys/{sid}/responses", json={"answers": {"1": 1}}).status_code == 201
    viewer_events = [e["args"][0] for e in viewer.get_received("/live") if e["name"] == "event"]
    assert [e for e in viewer_events if e["type"] == "survey.results"][-1]["data"]["responses"] == 3
    login("host").patch(f"/api/surveys/{sid}", json={"state": "closed"})
    resp = app.test_client().post(f"/api/surveys/{sid}/responses", json={"answers": {"1": 1}})
    assert resp.status_code == 403 and resp.get_json()["error"]["message"] == "问卷已结束"


def test_free_text_screened_and_export(app, admin, login, open_day):
    from openpyxl import load_workbook

    iid = open_day["id"]
    admin.put("/api/wordlist", data="法轮功\n", content_type="text/plain")
    sid = _create(login, iid)["id"]
    login("host").patch(f"/api/surveys/{sid}", json={"state": "open"})
    # Spaced and full-width, as in questions: the folded match still finds it; stored as typed.
    typed = "希望整治，法 轮 功宣传单到处贴！"
    assert app.test_client().post(f"/api/surveys/{sid}/responses", json={"answers": {"3": typed}}).status_code == 201
    results = login("host").get(f"/api/surveys/{sid}/results").get_json()
    (answer,) = results["text_answers"]
    assert answer["text"] == typed
    assert answer["flags"][0]["type"] == "sensitive_word" and answer["flags"][0]["word"] == "法轮功"
    resp = login("moderator").get(f"/api/surveys/{sid}/results.xlsx")
    assert resp.status_code == 200
    rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("题号", "类型", "题目", "选项 / 回答", "人数")
    assert (1, "单选", "您对本次活动是否满意？", "满意", 0) in rows and (3, "填空", "您的意见和建议", typed, 1) in rows


def test_bad_surveys_and_answers_are_clear_400s(app, login, open_day):
    iid = open_day["id"]
    host = login("host")
    for body in ({"title": "x", "questions": []}, {"title": "x", "questions": [{"type": "single", "text": "a",
                                                                               "options": ["only"]}]},
                 {"title": "", "questions": SURVEY["questions"]}, {"title": "x", "questions": [{"type": "rank"}]}):
        resp = host.post(f"/api/interviews/{iid}/surveys", json=body)
        assert resp.status_code == 400, (body, resp.get_json())
    sid = _create(login, iid)["id"]
    host.patch(f"/api/surveys/{sid}", json={"state": "open"})
    for answers in ({"1": 5}, {"1": True}, {"2": []}, {"2": [9]}, {"3": 3}, {}):
        resp = app.test_client().post(f"/api/surveys/{sid}/responses", json={"answers": answers})
        assert resp.status_code == 400, (answers, resp.get_json())
    assert host.patch(f"/api/surveys/{sid}", json={"state": "paused"}).status_code == 400
