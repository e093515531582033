"""The platform's tables: units, interviews (the stream), guests, staff accounts and sessions, the event log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Boolean, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, UTCDateTime, utcnow

ROLES = ("admin", "host", "moderator", "director", "feed_editor", "publisher")
STAFF_ROLES = frozenset(ROLES)

# planned -> preview -> live -> ended -> published (and back from published by unpublishing)
INTERVIEW_STATES = ("planned", "preview", "live", "ended", "published")
# interview: the monthly live interview; policy_video (政策解读): a recorded explainer, no live
# questions; open_day (政府开放日): registration, questionnaire, several venues (issue 13).
INTERVIEW_KINDS = ("interview", "policy_video", "open_day")


class Unit(Base):
    """A responsible unit (责任单位): a county department, township or company."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(Base):
    """A server-side login session: logging out or disabling an account ends it at once."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(Base):
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Interview(Base):
    __tablename__ = "interviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    plan_no: Mapped[int | None] = mapped_column(Integer)
    # A plan may give only the month ("4月"): scheduled_month is set, scheduled_at stays empty
    # until the exact date is agreed.
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_month: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="planned", index=True)
    hosts: Mapped[list] = mapped_column(JSON, default=list)
    liaison_name: Mapped[str] = mapped_column(String(120), default="")
    liaison_phone: Mapped[str] = mapped_column(String(60), default="")
    liaison_email: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    questions_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    questions_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20), default="interview", server_default="interview")
    policy_title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    policy_url: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sequence counters of the event log; bumped under the row lock in studio.platform.events.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_public_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    units: Mapped[list["InterviewUnit"]] = relationship(
        order_by="InterviewUnit.position", cascade="all, delete-orphan", lazy="selectin")
    guests: Mapped[list["Guest"]] = relationship(
        order_by="Guest.position", cascade="all, delete-orphan", lazy="selectin")


class InterviewUnit(Base):
    __tablename__ = "interview_units"
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)  # ★ first responsible unit
    position: Mapped[int] = mapped_column(Integer, default=0)
    unit: Mapped[Unit] = relationship(lazy="joined")


class Guest(Base):
    """A guest (嘉宾) of one interview."""

    __tablename__ = "guests"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    photo_image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Event(Base):
    """One visible change of an interview, in per-interview sequence order (see studio.platform.events)."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    # The previous public event's seq, so /live clients can tell a gap from a skipped staff event.
    prev_public_seq: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(60))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        UniqueConstraint("interview_id", "seq", name="uq_events_interview_seq"),
        Index("ix_events_interview_public_seq", "interview_id", "public", "seq"),
    )
