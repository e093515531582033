"""Fixtures for the year's programme: the Pukou 2024 plan imported, a settable clock, a faked
published archive folder (the publishing pipeline itself is tested in tests/publishing)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CST = datetime.fromisoformat("2024-01-01T00:00:00+08:00").tzinfo


def at(text: str) -> datetime:
    """'2024-03-02 09:30' in Beijing time."""
    return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=CST)


class Clock:
    def __init__(self):
        self.now = None

    def __call__(self):
        return self.now


@pytest.fixture
def clock(app):
    """clock.now = at('…') moves the programme's clock (PROGRAMME_CLOCK), no sleeping."""
    c = Clock()
    c.now = at("2024-01-15 08:00")
    app.config["PROGRAMME_CLOCK"] = c
    return c


@pytest.fixture
def pukou(app, admin):
    """The Pukou 2024 plan imported: [interview ids] in plan order."""
    data = (FIXTURES / "plans/pukou-2024.csv").read_bytes()
    resp = admin.post("/api/plans/import", data={"year": "2024", "file": (__import__("io").BytesIO(data), "pukou-2024.csv")},
                      content_type="multipart/form-data")
    assert resp.status_code in (200, 201), resp.get_json()
    body = resp.get_json()
    ids = [i["id"] for i in body.get("created", body.get("interviews", []))]
    assert len(ids) == 8, body
    return ids


def move_state(app, interview_id: int, states: list[str], when: datetime | None = None):
    """Walk an interview through states (the real service); the events are dated `when`."""
    from sqlalchemy import update

    from studio.platform.db import Session
    from studio.interviews import change_state, get_interview
    from studio.platform.models import Event

    with app.app_context():
        session = Session()
        interview = get_interview(session, interview_id)
        for state in states:
            before = interview.last_seq
            change_state(session, interview, state)
            if when is not None:
                session.execute(update(Event).where(Event.interview_id == interview_id, Event.seq > before)
                                .values(at=when))
                if state == "live":
                    interview.started_at = when
                if state == "ended":
                    interview.ended_at = when
                if state == "published":
                    interview.published_at = when
        session.commit()


def fake_published(app, interview_id: int, title: str = ""):
    """A published folder as the pipeline leaves it (interview.json + index.html)."""
    from publishing.archive import archive_root

    root = archive_root(app.config["DATA_DIR"])
    folder = root / str(interview_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "interview.json").write_text(json.dumps({"interview": {"id": interview_id, "title": title,
                                                                     "units": [{"name": "消防大队"}],
                                                                     "scheduled_at": "2024-04-15T09:30:00+08:00"}},
                                                      ensure_ascii=False), encoding="utf-8")
    (folder / "index.html").write_text(f"<!doctype html><html><body><main><h1>{title}</h1></main></body></html>",
                                       encoding="utf-8")
    return folder
