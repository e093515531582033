"""Viewers counted without tracking people: /live room joins and leaves (peak kept, processes
summed), archive page views (a counter; no cookie set)."""
from __future__ import annotations

from .conftest import fake_published, move_state


def test_concurrent_viewers_peak_and_processes(app, admin, interview, socket_client):
    iid = interview["id"]   # in preview: public
    viewers = [socket_client("/live") for _ in range(3)]
    for v in viewers:
        assert v.emit("join", {"interview_id": iid}, callback=True, namespace="/live")["ok"] is True
    viewers[0].emit("join", {"interview_id": iid}, callback=True, namespace="/live")   # joining twice counts once
    stats = admin.get(f"/api/interviews/{iid}/stats").get_json()
    assert stats["viewers_now"] == 3 and stats["viewers_peak"] == 3
    viewers[1].emit("leave", {"interview_id": iid}, callback=True, namespace="/live")
    viewers[2].disconnect(namespace="/live")
    stats = admin.get(f"/api/interviews/{iid}/stats").get_json()
    assert stats["viewers_now"] == 1 and stats["viewers_peak"] == 3

    # Another server process's row adds to the total (each process writes its own row).
    from studio.platform.db import Session
    from studio.programme import stats as counting
    from studio.programme.models import ViewerCount
    with app.app_context():
        session = Session()
        assert counting.store_count(session, iid, 4, process="other-host:99:abc") == 5
        session.commit()
        # Nothing that names a person is stored: the rows are numbers per process.
        assert {c.name for c in ViewerCount.__table__.columns} == {"interview_id", "process", "viewers", "updated_at"}
    stats = admin.get(f"/api/interviews/{iid}/stats").get_json()
    assert stats["viewers_now"] == 5 and stats["viewers_peak"] == 5
    assert stats["questions"] == {"received": 0, "approved": 0, "answered_live": 0, "replied": 0}


def test_archive_page_views_are_counted_without_a_cookie(app, admin, interview, client):
    iid = interview["id"]
    move_state(app, iid, ["live", "ended", "published"])
    fake_published(app, iid, interview["title"])
    for _ in range(3):
        resp = client.get(f"/archive/{iid}/")
        assert resp.status_code == 200 and "Set-Cookie" not in resp.headers
    client.get(f"/archive/{iid}/interview.json")   # a file of the page is not a view
    assert admin.get(f"/api/interviews/{iid}/stats").get_json()["archive_views"] == 3
