"""Tables of the year's programme: per-interview deadline overrides and the liaison token, script
versions under review, themed series, and the anonymous viewer counts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from studio.platform.db import Base, UTCDateTime, utcnow

DEADLINE_KINDS = ("preview", "questions_open", "questions_close", "script_final", "publish", "replies")


class ProgrammeSchedule(Base):
    """One interview's own deadlines (NULL: derived from its schedule and the settings) and the
    lead unit's liaison upload token. The states are never stored: they follow from what happened."""

    __tablename__ = "programme_schedules"
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True)
    preview_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    questions_open_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    questions_close_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    script_final_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    publish_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replies_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    liaison_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    liaison_token_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScriptVersion(Base):
    """One submitted version of an interview's script (访谈稿); every version is kept."""

    __tablename__ = "programme_script_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    chars: Mapped[int] = mapped_column(Integer)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    source_kind: Mapped[str] = mapped_column(String(10), default="text")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A staff username, or "联络员" with the liaison's name for an upload through the link.
    submitted_by: Mapped[str] = mapped_column(String(200), default="")
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str | None] = mapped_column(String(10))  # approve / return / NULL (awaiting review)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("interview_id", "version", name="uq_programme_script_version"),)


class Series(Base):
    """A themed series (专题), e.g. 5·15 政务公开日."""

    __tablename__ = "programme_series"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SeriesInterview(Base):
    __tablename__ = "programme_series_interviews"
    series_id: Mapped[int] = mapped_column(ForeignKey("programme_series.id", ondelete="CASCADE"), primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True,
                                              index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ViewerCount(Base):
    """Sockets in an interview's /live room, one row per server process (summed for the total).
    Only a number: no socket id, address or cookie is stored."""

    __tablename__ = "programme_viewer_counts"
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True)
    process: Mapped[str] = mapped_column(String(80), primary_key=True)
    viewers: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InterviewStats(Base):
    """What is kept of an interview's audience: the peak of concurrent viewers, archive page views."""

    __tablename__ = "programme_interview_stats"
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True)
    viewers_peak: Mapped[int] = mapped_column(Integer, default=0)
    viewers_peak_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archive_views: Mapped[int] = mapped_column(Integer, default=0)
