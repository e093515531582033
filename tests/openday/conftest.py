"""An open day (kind open_day) announced, for the registration and questionnaire tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def open_day(admin):
    resp = admin.post("/api/interviews", json={
        "title": "2024年政府开放日·走进区住建局", "kind": "open_day", "state": "preview",
        "scheduled_at": "2024-09-20T09:00:00+08:00", "units": [{"name": "区住建局", "is_lead": True}]})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def apply(client, iid, n, **extra):
    body = {"name": f"市民{n}", "phone": f"139{n:08d}", "identity_group": "社区工作者", "reason": "关心老旧小区改造", **extra}
    return client.post(f"/api/interviews/{iid}/registrations", json=body)
