"""Publishing's event types and their payloads (publishing/jobs.py, routes.py)."""
from __future__ import annotations

from pydantic import Field

from studio.platform.events import EventType, Payload


class PublishJob(Payload):
    """A publishing job (job_json)."""
    id: int
    job_id: int
    interview_id: int
    state: str = Field(description="queued / running / done / failed / cancelled")
    progress: float
    stage: str | None
    attempts: int
    created_at: str | None
    started_at: str | None
    finished_at: str | None
    cancel_requested: bool
    eta_s: float | None = None  # while running, once known
    error: str | None = None  # when it failed
    path: str | None = None  # the cut path (smart / full) once chosen
    reason: str | None = None  # why that cut path
    url: str | None = None  # done: the archive page
    duration_s: float | None = None  # done


class EditSaved(Payload):
    revision: int
    by: str | None = Field(description="who saved it; null for the open day's text-only report")


EVENT_TYPES = (
    EventType("publish.job", False, "a publishing job was queued, started, finished, failed or was cancelled "
              "(staff only)", PublishJob, None, "publishing"),
    EventType("edit.saved", False, "the edit decision of an interview was saved (staff only)", EditSaved, None,
              "publishing"),
)
