"""verify_action for the feed: snapshot + the events an action recorded == a fresh snapshot,
for the staff (feed editor) and the public (viewer) audience."""
from __future__ import annotations

from tests.support.event_apply import verify_action


def _ok(resp, status=200):
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def test_feed_actions(app, login, interview):
    editor = login("feed_editor")
    iid = interview["id"]
    url = f"/api/interviews/{iid}/feed"
    types = []

    def run(action):
        events, result = verify_action(app, iid, action)
        types.append([e["type"] for e in events])
        return result

    entry = run(lambda: _ok(editor.post(url, json={"speaker": "host", "text": "各位网友，大家好"}), 201))
    guest = interview["guests"][0]["id"]
    second = run(lambda: _ok(editor.post(url, json={"speaker": "guest", "guest_id": guest, "text": "大家好"}), 201))
    run(lambda: _ok(editor.patch(f"/api/feed/{entry['id']}", json={"text": "各位网友，大家上午好"})))
    run(lambda: _ok(editor.patch(f"/api/feed/{entry['id']}", json={"pinned": True})))
    run(lambda: _ok(editor.patch(f"/api/feed/{second['id']}", json={"text": "大家好！", "pinned": True})))
    run(lambda: _ok(editor.delete(f"/api/feed/{entry['id']}")))
    assert types == [["feed.posted"], ["feed.posted"], ["feed.edited"], ["feed.pinned"],
                     ["feed.edited", "feed.pinned"], ["feed.deleted"]]
