"""Every event type declares its payload schema, in its own area, and docs/events.md is what the
declarations generate (`flask --app server events docs` rewrites it)."""
from __future__ import annotations

from pathlib import Path

import pytest

EVENTS_MD = Path(__file__).resolve().parent.parent / "docs" / "events.md"


def test_every_event_type_declares_a_payload_in_an_area(app):
    from studio.platform.events import EVENT_TYPES

    assert EVENT_TYPES
    missing = [name for name, spec in EVENT_TYPES.items() if spec.payload is None or not spec.area]
    assert not missing, f"event types without a payload schema or area: {missing}"


def test_docs_events_md_is_generated_from_the_declarations(app):
    from studio.platform.events import event_docs_markdown

    assert EVENTS_MD.read_text(encoding="utf-8") == event_docs_markdown(), \
        "docs/events.md is stale: run `.venv/bin/flask --app server events docs`"


def test_events_docs_command(app, tmp_path):
    out = tmp_path / "events.md"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["events", "docs", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["events", "docs", "--output", str(out), "--check"]).exit_code == 0
    out.write_text("stale", encoding="utf-8")
    assert runner.invoke(args=["events", "docs", "--output", str(out), "--check"]).exit_code == 1


def test_a_payload_that_does_not_match_fails_in_tests(app):
    from studio.platform.events import EVENT_TYPES, EventPayloadError, check_payload

    spec = EVENT_TYPES["question.withdrawn"]
    check_payload(spec, {"id": 1, "interview_id": 2})
    for bad in ({"id": "1", "interview_id": 2}, {"id": 1}, {"id": 1, "interview_id": 2, "text": "x"}):
        with pytest.raises(EventPayloadError):
            check_payload(spec, bad)
    # A public event's stored data may become its redacted form (replay forgets the text).
    check_payload(EVENT_TYPES["question.approved"], {"id": 1, "interview_id": 2, "withdrawn": True}, redacted=True)
    with pytest.raises(EventPayloadError):
        check_payload(EVENT_TYPES["question.approved"], {"id": 1, "interview_id": 2, "withdrawn": True})


def test_validation_is_off_outside_tests(app, monkeypatch):
    from studio.platform import events

    monkeypatch.delenv("FANGTAN_TESTING", raising=False)
    with app.app_context():
        assert events.validating()  # TESTING app
        app.config["TESTING"] = False
        try:
            assert not events.validating()
        finally:
            app.config["TESTING"] = True
