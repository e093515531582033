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


def test_a_burst_of_joins_is_a_few_writes_with_the_right_count_and_peak(app, admin, interview, monkeypatch):
    """Sockets joining while a count is being stored only mark it: the running write stores
    the latest count again, so 40 joins at once are a few transactions, not 40 COMMITs each
    queuing for the database's writer; the count and the peak come out right."""
    import threading
    import time

    from studio.programme import stats as counting
    from studio.programme import viewers

    iid = interview["id"]
    real_store, writes = counting.store_count, []

    def slow_store(session, interview_id, count, **kwargs):
        writes.append(count)
        time.sleep(0.05)  # a commit waiting its turn on a busy database
        return real_store(session, interview_id, count, **kwargs)

    monkeypatch.setattr(counting, "store_count", slow_store)
    barrier = threading.Barrier(40)

    def join(n):
        with app.app_context():
            barrier.wait()
            viewers.on_live_room(f"burst-{n}", iid, True)

    threads = [threading.Thread(target=join, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= len(writes) <= 10, writes
    stats = admin.get(f"/api/interviews/{iid}/stats").get_json()
    assert stats["viewers_now"] == 40 and stats["viewers_peak"] == 40
    with app.app_context():
        for n in range(39):  # they leave one after another: each leave stores at once
            viewers.on_live_room(f"burst-{n}", None, False)
    stats = admin.get(f"/api/interviews/{iid}/stats").get_json()
    assert stats["viewers_now"] == 1 and stats["viewers_peak"] == 40


def test_the_peak_of_a_burst_between_two_writes_is_kept(app, admin, interview):
    """A count that rose and fell again before it was stored still raises the peak."""
    from studio.platform.db import Session
    from studio.programme import stats as counting

    iid = interview["id"]
    database = app.config["DATABASE_URL"]
    for n in range(5):
        counting.joined(f"peak-{n}", iid, database)
    for n in range(4):
        counting.left(f"peak-{n}", iid, database)
    with app.app_context():
        session = Session()
        for interview_id, (count, high) in counting.to_store(database, [iid]).items():
            assert (count, high) == (1, 5)
            counting.store_count(session, interview_id, count, high=high)
        session.commit()
        assert counting.to_store(database, [iid]) == {iid: (1, 1)}  # the high was reset
    stats = admin.get(f"/api/interviews/{iid}/stats").get_json()
    assert stats["viewers_now"] == 1 and stats["viewers_peak"] == 5


def test_archive_page_views_are_counted_without_a_cookie(app, admin, interview, client):
    iid = interview["id"]
    move_state(app, iid, ["live", "ended", "published"])
    fake_published(app, iid, interview["title"])
    for _ in range(3):
        resp = client.get(f"/archive/{iid}/")
        assert resp.status_code == 200 and "Set-Cookie" not in resp.headers
    client.get(f"/archive/{iid}/interview.json")   # a file of the page is not a view
    assert admin.get(f"/api/interviews/{iid}/stats").get_json()["archive_views"] == 3
