"""The screening flow on PostgreSQL: row locks, optimistic versions and JSON columns behave as on SQLite."""
from __future__ import annotations

import pytest

from tests.scale.conftest import postgres_url  # noqa: F401  (fixture)

from .support import approve_at_once

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def app_config(app_config, postgres_url):  # noqa: F811
    return {**app_config, "DATABASE_URL": postgres_url}


def test_screening_flow_on_postgres(app, live_interview, ask, login, words, client):
    words("赌博")
    iid = live_interview["id"]
    mod, host = login("moderator"), login("host")
    flagged = ask(iid, "網上 賭 博 怎么举报").get_json()["id"]
    a = ask(iid, "县城消防站什么时候建成投入使用").get_json()["id"]
    b = ask(iid, "请问县城的消防站什么时候能建成投入使用").get_json()["id"]
    listed = {q["id"]: q for q in mod.get(f"/api/interviews/{iid}/questions").get_json()["questions"]}
    assert listed[flagged]["flags"][0]["matched"] == "賭 博"
    assert any(f.get("question_id") == a for f in listed[b]["flags"])
    assert mod.post(f"/api/questions/{b}/merge", json={"into": a}).get_json()["askers"] == 2

    # Many concurrent approvals of one question: exactly one wins, the others get 409 (not 500).
    assert approve_at_once(mod, a) == [200] + [409] * 5
    assert mod.post(f"/api/questions/{a}/push").status_code == 200
    assert host.post(f"/api/questions/{a}/on-air").status_code == 200
    assert host.post(f"/api/questions/{a}/answered").get_json()["status"] == "answered"
    public = client.get(f"/api/interviews/{iid}/questions/public").get_json()["questions"]
    assert [q["id"] for q in public] == [a] and public[0]["askers"] == 2
