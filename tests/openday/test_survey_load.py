"""50 phones answer one questionnaire at once against a real server process (eventlet): every
answer counted exactly once, and each count reaches a staff /studio socket within 1 s."""
from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
import requests
import socketio

from tests.support.fixtures import start_server

from .test_survey import SURVEY

pytestmark = pytest.mark.integration
PHONES = 50


def test_fifty_phones_at_once(tmp_path):
    server = start_server(tmp_path / "server")
    try:
        admin, host = server.session("admin"), server.session("host")
        iid = admin.post(server.url + "/api/interviews", json={"title": "政府开放日", "kind": "open_day",
                                                               "state": "live"}, timeout=15).json()["id"]
        sid = host.post(f"{server.url}/api/interviews/{iid}/surveys", json=SURVEY, timeout=15).json()["id"]
        host.patch(f"{server.url}/api/surveys/{sid}", json={"state": "open"}, timeout=15).raise_for_status()

        received: list[tuple[float, dict]] = []
        staff = socketio.Client(reconnection=False)
        staff.on("event", lambda ev: received.append((time.time(), ev)), namespace="/studio")
        staff.connect(server.url, namespaces=["/studio"], transports=["websocket"], wait_timeout=30,
                      headers={"Cookie": f"fangtan_session={host.cookies['fangtan_session']}"})
        assert staff.call("join", {"interview_id": iid}, namespace="/studio", timeout=15)["ok"]

        barrier = threading.Barrier(PHONES)
        statuses: list[int] = []

        def phone(n: int) -> None:
            http = requests.Session()  # its own cookie jar: one device
            answers = {"1": n % 3, "2": [n % 3, 2] if n % 2 else [1], "3": f"第{n}位市民的建议"}
            barrier.wait()
            statuses.append(http.post(f"{server.url}/api/surveys/{sid}/responses", json={"answers": answers},
                                      timeout=60).status_code)
            # The same device again is refused: counted once.
            statuses.append(http.post(f"{server.url}/api/surveys/{sid}/responses",
                                      json={"answers": {"1": 0}}, timeout=60).status_code)

        threads = [threading.Thread(target=phone, args=(n,)) for n in range(PHONES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert sorted(statuses) == [201] * PHONES + [409] * PHONES
        deadline = time.time() + 5
        while time.time() < deadline and not any(ev["data"].get("responses") == PHONES for _, ev in received
                                                 if ev["type"] == "survey.answered"):
            time.sleep(0.05)
        staff.disconnect()
        answered = [(t, ev) for t, ev in received if ev["type"] == "survey.answered"]
        assert sorted(ev["data"]["responses"] for _, ev in answered) == list(range(1, PHONES + 1))
        lags = [t - datetime.fromisoformat(ev["at"]).timestamp() for t, ev in answered]
        assert max(lags) < 1.0, f"slowest count reached staff after {max(lags):.2f} s"
        final = max(answered, key=lambda item: item[1]["seq"])[1]["data"]["results"]
        assert final["1"]["counts"] == [sum(1 for n in range(PHONES) if n % 3 == k) for k in range(3)]
        assert final["3"] == {"answers": PHONES}
        results = host.get(f"{server.url}/api/surveys/{sid}/results", timeout=15).json()
        assert results["responses"] == PHONES and len(results["text_answers"]) == PHONES
    finally:
        server.kill()
