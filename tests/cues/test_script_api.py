"""PUT /api/interviews/<id>/script in every accepted form, the refusals, and what re-uploading does."""
import io

import pytest

from .conftest import make_docx, staff_events


def test_plain_text_upload_answers_the_cards_and_stores_the_script(scripted, host, app):
    iid, data = scripted
    assert len(data["cards"]) == data["count"] >= 45
    assert data["current"] == 0 and data["show_started_at"] is None and data["version"] >= 1
    assert data["script"]["source_kind"] == "text" and data["script"]["chars"] > 7000
    assert data["planned_total_s"] == sum(c["planned_s"] for c in data["cards"])
    assert [c["index"] for c in data["cards"]] == list(range(len(data["cards"])))
    # the guests' names come from the interview: "王建国：" lines are guest cards
    assert any(c["speaker"] == "王建国" and c["kind"] == "guest" for c in data["cards"])
    stored = host.get(f"/api/interviews/{iid}/script").get_json()
    assert stored["text"].startswith("《全民消防 生命至上》在线访谈稿") and stored["revision"] == 1
    assert host.get(f"/api/interviews/{iid}/cues").get_json()["cards"] == data["cards"]
    events = staff_events(app, iid)
    assert events[-1]["type"] == "cue.cards_changed" and events[-1]["data"]["reason"] == "script"
    assert len(events[-1]["data"]["cards"]) == len(data["cards"])


def test_docx_and_txt_uploads(interview, host, script_text):
    iid = interview["id"]
    resp = host.put(f"/api/interviews/{iid}/script", data={"file": (io.BytesIO(make_docx(script_text)), "访谈稿.docx")},
                    content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    docx_cards = resp.get_json()["cards"]
    assert resp.get_json()["script"]["source_kind"] == "docx"
    assert resp.get_json()["script"]["source_name"] == "访谈稿.docx"
    resp = host.put(f"/api/interviews/{iid}/script", data={"file": (io.BytesIO(script_text.encode("gbk")), "稿.txt")},
                    content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    txt_cards = resp.get_json()["cards"]
    assert [(c["kind"], c["text"]) for c in txt_cards] == [(c["kind"], c["text"]) for c in docx_cards]
    assert host.get(f"/api/interviews/{iid}/script").get_json()["revision"] == 2
    resp = host.put(f"/api/interviews/{iid}/script", json={"text": "主持人：你好。", "name": "短稿"})
    assert resp.status_code == 200 and resp.get_json()["count"] == 1


@pytest.mark.parametrize("kwargs, status, code", [
    ({"data": b"", "content_type": "text/plain"}, 400, "empty_script"),
    ({"data": "  \n \n".encode(), "content_type": "text/plain"}, 400, "empty_script"),
    ({"data": bytes(range(256)) * 8, "content_type": "text/plain"}, 400, "unreadable_script"),
    ({"data": "主".encode() * 200_001, "content_type": "text/plain"}, 413, "script_too_large"),
    ({"data": b"<xml/>", "content_type": "application/xml"}, 415, "unsupported_media_type"),
    ({"json": {"text": 5}}, 400, "invalid_field"),
    ({"data": b"{not json", "content_type": "application/json"}, 400, "invalid_json"),
    ({"data": {"file": (io.BytesIO(b"garbage"), "a.docx")}, "content_type": "multipart/form-data"}, 400, "invalid_docx"),
    ({"data": {"file": (io.BytesIO(b"\xd0\xcf\x11\xe0"), "a.doc")}, "content_type": "multipart/form-data"}, 415,
     "unsupported_script_type"),
    ({"data": {"other": "x"}, "content_type": "multipart/form-data"}, 400, "missing_file"),
])
def test_bad_uploads_get_a_clear_4xx_and_change_nothing(scripted, host, kwargs, status, code):
    iid, before = scripted
    resp = host.put(f"/api/interviews/{iid}/script", **kwargs)
    assert resp.status_code == status, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == code and error["message"]
    after = host.get(f"/api/interviews/{iid}/cues").get_json()
    assert after["cards"] == before["cards"] and after["version"] == before["version"]


def test_upload_over_the_size_limit_is_413(app_config, interview, host):
    limit = app_config.get("MAX_UPLOAD_MB", 10)
    resp = host.put(f"/api/interviews/{interview['id']}/script", data=b"a" * (limit * 1024 * 1024 + 1),
                    content_type="text/plain")
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "script_too_large"


def test_unknown_interview_is_404(host):
    resp = host.put("/api/interviews/999999/script", data="主持人：好".encode(), content_type="text/plain")
    assert resp.status_code == 404


def test_reupload_before_the_show_goes_back_to_the_first_card(scripted, host):
    iid, _ = scripted
    host.post(f"/api/interviews/{iid}/cue", json={"action": "reset"})
    host.post(f"/api/interviews/{iid}/cue", json={"action": "goto", "index": 5})
    host.post(f"/api/interviews/{iid}/cue", json={"action": "reset"})  # not started any more
    assert host.get(f"/api/interviews/{iid}/cues").get_json()["current"] == 0
    resp = host.put(f"/api/interviews/{iid}/script", data="主持人：一。\n主持人：二。".encode(), content_type="text/plain")
    assert resp.get_json()["current"] == 0


def test_reupload_during_the_show_stays_on_the_same_card(scripted, host, script_text):
    iid, data = scripted
    target = next(c["index"] for c in data["cards"] if c["index"] >= 8 and c["kind"] == "host")
    host.post(f"/api/interviews/{iid}/cue", json={"action": "start"})  # moves alone do not start it
    host.post(f"/api/interviews/{iid}/cue", json={"action": "goto", "index": target})
    current_text = data["cards"][target]["text"]
    started = host.get(f"/api/interviews/{iid}/cues").get_json()["card_started_at"]
    # a corrected script with one more card before the current one
    edited = script_text.replace("【开场】（3分钟）", "【开场】（3分钟）\n\n主持人：（补充）请导播切全景。", 1)
    after = host.put(f"/api/interviews/{iid}/script", data=edited.encode(), content_type="text/plain").get_json()
    assert after["cards"][after["current"]]["text"] == current_text
    assert after["current"] == target + 1
    assert after["card_started_at"] == started  # same card: its timer keeps running
    # a script without that card: same section's first card
    shorter = script_text.replace(current_text, "")
    after = host.put(f"/api/interviews/{iid}/script", data=shorter.encode(), content_type="text/plain").get_json()
    assert after["cards"][after["current"]]["section"] == data["cards"][target]["section"]
    assert after["card_started_at"] != started
