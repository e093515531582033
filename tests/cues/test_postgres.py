"""The cue-state lock on PostgreSQL: concurrent clickers move one card, timers and edits work."""
import threading

import pytest

from tests.scale.conftest import postgres_url  # noqa: F401  (fixture: a fresh database per test)

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


@pytest.fixture
def app_config(app_config, postgres_url):  # noqa: F811
    return {**app_config, "DATABASE_URL": postgres_url}


def test_concurrent_moves_and_edits_on_postgres(scripted, login):
    iid, data = scripted
    clients = [login("host"), login("director"), login("admin")]
    for _ in range(3):
        start = clients[0].get(f"/api/interviews/{iid}/cues").get_json()["current"]
        barrier = threading.Barrier(len(clients))
        results = []

        def press(client):
            barrier.wait()
            results.append(client.post(f"/api/interviews/{iid}/cue", json={"action": "next", "expected": start}))
        threads = [threading.Thread(target=press, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(r.status_code for r in results) == [200, 409, 409]
        assert clients[0].get(f"/api/interviews/{iid}/cues").get_json()["current"] == start + 1
    # without `expected` every press counts: three concurrent presses move three cards, none lost
    start = clients[0].get(f"/api/interviews/{iid}/cues").get_json()["current"]
    barrier = threading.Barrier(len(clients))
    results = []

    def press_blind(client):
        barrier.wait()
        results.append(client.post(f"/api/interviews/{iid}/cue", json={"action": "next"}))
    threads = [threading.Thread(target=press_blind, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [r.status_code for r in results] == [200, 200, 200]
    state = clients[0].get(f"/api/interviews/{iid}/cues").get_json()
    assert state["current"] == start + 3
    host = clients[0]
    edited = host.patch(f"/api/interviews/{iid}/cues/{data['cards'][2]['id']}", json={"planned_s": 42}).get_json()
    assert edited["cards"][2]["planned_s"] == 42
    assert host.post(f"/api/interviews/{iid}/cues", json={"index": 0, "text": "插入"}).status_code == 201
    assert host.get(f"/api/interviews/{iid}/cues").get_json()["current"] == state["current"] + 1
