"""Publishing tables: the edit decision of an interview and the publishing jobs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from studio.platform.db import Base, UTCDateTime, utcnow

JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
ACTIVE_JOB_STATES = ("queued", "running")


class EditDecision(Base):
    """What to publish: which recordings, which ranges of their joined timeline, and corrections.

    Times are seconds of the joined recordings (recording 1, then 2, … back to back).
    """

    __tablename__ = "edit_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), unique=True)
    recording_ids: Mapped[list] = mapped_column(JSON, default=list)
    keep: Mapped[list] = mapped_column(JSON, default=list)  # [[in_s, out_s], ...] sorted, disjoint
    poster_s: Mapped[float | None] = mapped_column(Float)
    # None: chapters come from the cue-card markers; a list [{at_s, title}] overrides them.
    chapters: Mapped[list | None] = mapped_column(JSON)
    # {entry_id: {speaker_name?, text?, hidden?}}: the feed stays as it was; the transcript shows these.
    corrections: Mapped[dict] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PublishJob(Base):
    """One run of the publishing pipeline; its row is the job's whole state (it survives restarts)."""

    __tablename__ = "publish_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    eta_s: Mapped[float | None] = mapped_column(Float)
    stage: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # "host:pid:random" of the worker running it; lets a restarted worker tell a dead owner.
    claim_token: Mapped[str | None] = mapped_column(String(200))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The edit decision as it was when the job was queued: later edits do not change a running job.
    edit: Mapped[dict] = mapped_column(JSON, default=dict)
    output_path: Mapped[str] = mapped_column(String(1000), default="")
    # How the video was cut: "smart" (stream copy, frames at the cuts encoded) or "full" (all
    # encoded), and why the full encode was used; "" until the pipeline has decided.
    cut_path: Mapped[str] = mapped_column(String(10), default="", server_default="")
    cut_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    duration_s: Mapped[float | None] = mapped_column(Float)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
