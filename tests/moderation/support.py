"""Helpers for the moderation integration tests and the benchmark: clients from 127.0.0.x addresses."""
from __future__ import annotations

import threading

import requests
from requests.adapters import HTTPAdapter


class SourceAddressAdapter(HTTPAdapter):
    """Bind outgoing connections to one loopback address, so the server sees a distinct client IP."""

    def __init__(self, source_ip: str, **kwargs):
        self.source_ip = source_ip
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source_ip, 0)
        return super().init_poolmanager(*args, **kwargs)


def netizen_session(source_ip: str) -> requests.Session:
    """A public HTTP client from `source_ip` (keeps its device cookie like a browser)."""
    http = requests.Session()
    adapter = SourceAddressAdapter(source_ip)
    http.mount("http://", adapter)
    return http


def live_interview(server, title: str = "集成测试访谈") -> int:
    """Create an interview through the API as admin and start its live; returns its id."""
    admin = server.session("admin")
    resp = admin.post(server.url + "/api/interviews", json={
        "title": title, "units": [{"name": "县消防大队", "is_lead": True}],
        "guests": [{"name": "王建国", "title": "大队长"}], "hosts": ["张敏"], "state": "preview"}, timeout=10)
    resp.raise_for_status()
    interview_id = resp.json()["id"]
    admin.post(server.url + f"/api/interviews/{interview_id}/state", json={"state": "live"}, timeout=10).raise_for_status()
    return interview_id


def approve_at_once(staff_client, question_id: int, times: int = 6) -> list[int]:
    """Send `times` approvals of one question from parallel threads; returns their status codes."""
    codes: list[int] = []

    def approve() -> None:
        codes.append(staff_client.post(f"/api/questions/{question_id}/approve").status_code)

    threads = [threading.Thread(target=approve) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)
