"""Fixtures for the cue-card tests: the realistic script, an interview with it uploaded."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCRIPT_PATH = FIXTURES / "xiaofang_script.txt"


@pytest.fixture(scope="session")
def script_text() -> str:
    """An 8,000+ character interview script (消防安全), sections, host, guest and netizen lines."""
    return SCRIPT_PATH.read_text(encoding="utf-8")


def make_docx(text: str) -> bytes:
    """A .docx of the script as a unit would send it: headings in Word heading styles."""
    import docx

    from studio.cues.parsing import match_heading

    document = docx.Document()
    for line in text.split("\n"):
        heading = match_heading(line) if line.strip() else None
        if heading:
            document.add_heading(line.strip(), level=heading[0])
        else:
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def host(login):
    return login("host")


@pytest.fixture
def scripted(interview, host, script_text):
    """The interview fixture with the realistic script uploaded; returns (interview_id, cue state)."""
    resp = host.put(f"/api/interviews/{interview['id']}/script", data=script_text.encode("utf-8"),
                    content_type="text/plain; charset=utf-8")
    assert resp.status_code == 200, resp.get_json()
    return interview["id"], resp.get_json()


def staff_events(app, interview_id, after=0):
    """Every event of an interview after seq `after`, as the staff see them."""
    from studio.platform.db import Session
    from studio.platform.events import STAFF, replay_events

    with app.app_context():
        events, _ = replay_events(Session(), interview_id, after, STAFF)
        Session.remove()
    return events
