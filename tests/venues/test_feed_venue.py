"""Feed entries may name their venue (主会场 + N): stored, public, checked against the interview's
venues, editable, and carried to the viewer page's server-rendered entries."""
from __future__ import annotations


def _open_day(admin, title="政府开放日·图文"):
    return admin.post("/api/interviews", json={"title": title, "kind": "open_day", "state": "live"}).get_json()


def test_an_entry_names_its_venue(admin, login, client):
    iid = _open_day(admin)["id"]
    site = admin.post(f"/api/interviews/{iid}/venues", json={"name": "城东项目工地"}).get_json()
    feed = login("feed_editor")
    resp = feed.post(f"/api/interviews/{iid}/feed", json={"speaker": "narrator", "text": "来到工地现场。", "venue_id": site["id"]})
    assert resp.status_code == 201, resp.get_json()
    entry = resp.get_json()
    assert entry["venue_id"] == site["id"]
    public = client.get(f"/api/interviews/{iid}/feed").get_json()
    entries = public["entries"] if isinstance(public, dict) else public
    assert [e["venue_id"] for e in entries] == [site["id"]]
    html = client.get(f"/i/{iid}").get_data(as_text=True)
    assert f'data-venue-id="{site["id"]}"' in html and 'id="venues"' in html
    # Moved to no venue, by an edit.
    edited = feed.patch(f"/api/feed/{entry['id']}", json={"venue_id": None})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["venue_id"] is None and edited.get_json()["revision"] == 2


def test_a_venue_of_another_interview_or_bad_id_is_refused(admin, login):
    iid = _open_day(admin)["id"]
    other = _open_day(admin, "另一场开放日")["id"]
    theirs = admin.post(f"/api/interviews/{other}/venues", json={"name": "主会场"}).get_json()
    feed = login("feed_editor")
    resp = feed.post(f"/api/interviews/{iid}/feed", json={"speaker": "narrator", "text": "x", "venue_id": theirs["id"]})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "venue_not_found"
    for bad in ("1", True, -3, 2**40):
        resp = feed.post(f"/api/interviews/{iid}/feed", json={"speaker": "narrator", "text": "x", "venue_id": bad})
        assert resp.status_code == 400 and resp.get_json()["error"]["field"] == "venue_id", bad
