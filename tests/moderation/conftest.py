"""Fixtures for the moderation tests: an interview that is live, and helpers to ask questions."""
from __future__ import annotations

import itertools

import pytest

_ips = itertools.count(10)


@pytest.fixture
def live_interview(admin, interview):
    resp = admin.post(f"/api/interviews/{interview['id']}/state", json={"state": "live"})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


@pytest.fixture
def netizen(app):
    """netizen(ip=None) -> a public test client from its own loopback address (its own device)."""
    def _make(ip: str | None = None):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = ip or f"127.0.0.{next(_ips) % 250 + 2}"
        return client
    return _make


@pytest.fixture
def ask(netizen):
    """ask(interview_id, text, **fields) -> response of a public submission from a fresh client."""
    def _ask(interview_id, text, client=None, **fields):
        client = client or netizen()
        return client.post(f"/api/interviews/{interview_id}/questions",
                           json={"nickname": fields.pop("nickname", "热心网友"), "text": text, **fields})
    return _ask


@pytest.fixture
def words(admin):
    def _set(*items):
        resp = admin.put("/api/wordlist", data="\n".join(items), content_type="text/plain; charset=utf-8")
        assert resp.status_code == 200, resp.get_json()
    return _set
