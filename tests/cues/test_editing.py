"""Editing cards: text, title, planned duration; inserting, deleting, reordering; the current card stays."""
from .conftest import staff_events


def cues(client, iid):
    return client.get(f"/api/interviews/{iid}/cues").get_json()


def test_edit_text_title_and_planned_duration(scripted, host, app):
    iid, data = scripted
    card = data["cards"][3]
    resp = host.patch(f"/api/interviews/{iid}/cues/{card['id']}", json={"text": "改过的开场白" * 10, "title": "开场（改）"})
    assert resp.status_code == 200
    edited = resp.get_json()["cards"][3]
    assert edited["text"] == "改过的开场白" * 10 and edited["title"] == "开场（改）"
    resp = host.patch(f"/api/interviews/{iid}/cues/{card['id']}", json={"planned_s": 95})
    edited = resp.get_json()["cards"][3]
    assert edited["planned_s"] == 95 and edited["planned_source"] == "manual"
    last = staff_events(app, iid)[-1]
    assert last["type"] == "cue.cards_changed" and last["data"]["reason"] == "edit"
    assert last["data"]["cards"][3]["planned_s"] == 95
    for body, code in (({"planned_s": -1}, "invalid_field"), ({"planned_s": "90"}, "invalid_field"),
                       ({"text": ""}, "missing_field"), ({"kind": "director"}, "invalid_field"),
                       ({"title": "题" * 201}, "too_long")):
        resp = host.patch(f"/api/interviews/{iid}/cues/{card['id']}", json=body)
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == code, body
    assert host.patch(f"/api/interviews/{iid}/cues/999999", json={"title": "x"}).status_code == 404


def test_estimated_duration_follows_a_text_change(interview, host):
    iid = interview["id"]
    data = host.put(f"/api/interviews/{iid}/script", data="主持人：好。".encode(), content_type="text/plain").get_json()
    card = data["cards"][0]
    assert card["planned_source"] == "estimate"
    edited = host.patch(f"/api/interviews/{iid}/cues/{card['id']}", json={"text": "说" * 120}).get_json()["cards"][0]
    assert edited["planned_s"] == 30


def test_insert_delete_reorder_keep_the_current_card(scripted, host):
    iid, data = scripted
    host.post(f"/api/interviews/{iid}/cue", json={"action": "goto", "index": 5})
    current_id = data["cards"][5]["id"]
    resp = host.post(f"/api/interviews/{iid}/cues", json={"index": 2, "text": "（插入）请导播切到嘉宾近景", "planned_s": 10})
    assert resp.status_code == 201
    after = resp.get_json()
    assert after["card"]["index"] == 2 and after["cards"][2]["text"] == "（插入）请导播切到嘉宾近景"
    assert after["current"] == 6 and after["cards"][6]["id"] == current_id
    appended = host.post(f"/api/interviews/{iid}/cues", json={"text": "结束后合影"}).get_json()
    assert appended["cards"][-1]["text"] == "结束后合影" and appended["current"] == 6
    assert host.post(f"/api/interviews/{iid}/cues", json={"index": 9999, "text": "x"}).status_code == 400
    assert host.post(f"/api/interviews/{iid}/cues", json={"index": 1}).status_code == 400

    # delete a card before the current one, then the current one itself
    after = host.delete(f"/api/interviews/{iid}/cues/{data['cards'][0]['id']}").get_json()
    assert after["current"] == 5 and after["cards"][5]["id"] == current_id
    after = host.delete(f"/api/interviews/{iid}/cues/{current_id}").get_json()
    assert after["current"] == 5 and after["cards"][5]["id"] == data["cards"][6]["id"]
    assert host.delete(f"/api/interviews/{iid}/cues/{current_id}").status_code == 404

    # reorder: move the current card to the front
    ids = [c["id"] for c in after["cards"]]
    now_current = ids[5]
    new_order = [now_current] + ids[:5] + ids[6:]
    after = host.put(f"/api/interviews/{iid}/cues/order", json={"card_ids": new_order}).get_json()
    assert [c["id"] for c in after["cards"]] == new_order and after["current"] == 0
    resp = host.put(f"/api/interviews/{iid}/cues/order", json={"card_ids": new_order[1:]})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "cards_mismatch"
    assert host.put(f"/api/interviews/{iid}/cues/order", json={"card_ids": "1,2"}).status_code == 400
    assert [c["index"] for c in cues(host, iid)["cards"]] == list(range(len(new_order)))


def test_an_edit_from_a_stale_copy_is_refused_with_the_card_as_it_is_now(scripted, host, login):
    iid, data = scripted
    card = data["cards"][2]
    assert card["revision"] == 1
    admin = login("admin")
    # Two people opened the same card at revision 1; the admin saves first.
    first = admin.patch(f"/api/interviews/{iid}/cues/{card['id']}",
                        json={"text": "导播补充的说明", "expected_revision": 1})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["cards"][2]["revision"] == 2
    # The host's save from revision 1 would silently overwrite it: refused, with what is there now.
    stale = host.patch(f"/api/interviews/{iid}/cues/{card['id']}",
                       json={"text": "主持人的修改", "expected_revision": 1})
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "card_changed" and error["card"]["text"] == "导播补充的说明"
    assert error["card"]["revision"] == 2 and error["message"]
    assert cues(host, iid)["cards"][2]["text"] == "导播补充的说明"  # nothing changed
    # Having seen it, the host saves again from revision 2: applied.
    again = host.patch(f"/api/interviews/{iid}/cues/{card['id']}",
                       json={"text": "主持人的修改", "expected_revision": 2})
    assert again.status_code == 200 and again.get_json()["cards"][2]["revision"] == 3
    # Without expected_revision (older clients, scripts) an edit always applies.
    assert host.patch(f"/api/interviews/{iid}/cues/{card['id']}", json={"title": "新标题"}).status_code == 200
    for bad in ("2", True, 1.5):
        resp = host.patch(f"/api/interviews/{iid}/cues/{card['id']}", json={"title": "x", "expected_revision": bad})
        assert resp.status_code == 400 and resp.get_json()["error"]["field"] == "expected_revision", bad
