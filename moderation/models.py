"""Tables of the moderation package: questions, submission log, sensitive words, audit, settings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from studio.platform.db import Base, UTCDateTime, utcnow

# pending 待审核 → approved 已通过 → pushed 已推送 (host queue) → on_air → answered 已回答;
# rejected 已驳回 and merged (folded into another question) end a question's screening.
QUESTION_STATUSES = ("pending", "approved", "pushed", "on_air", "answered", "rejected", "merged")
PUBLIC_STATUSES = ("approved", "pushed", "on_air", "answered")
QUESTION_SOURCES = ("web", "hotline", "onsite")


class Question(Base):
    """A netizen question (网友提问). `contact` is never shown outside the screening staff."""

    __tablename__ = "questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    nickname: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    original_text: Mapped[str | None] = mapped_column(Text)  # set on the first edit
    match_key: Mapped[str] = mapped_column(Text, default="")
    text_hash: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    source: Mapped[str] = mapped_column(String(20), default="web")
    flags: Mapped[list] = mapped_column(JSON, default=list)
    labels: Mapped[list] = mapped_column(JSON, default=list)
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    queue_position: Mapped[int | None] = mapped_column(Integer)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    askers: Mapped[int] = mapped_column(Integer, default=1)
    receipt: Mapped[str] = mapped_column(String(16), unique=True)
    contact: Mapped[str] = mapped_column(String(120), default="")
    client_key: Mapped[str] = mapped_column(String(64), default="")
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_air_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written reply (答复) after the live, by the responsible unit.
    reply_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_text: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic lock: every UPDATE checks and bumps it, so two moderators never both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_questions_interview_status", "interview_id", "status"),
        Index("ix_questions_dedupe", "interview_id", "client_key", "text_hash"),
    )


class QuestionAttempt(Base):
    """One accepted netizen submission, for the per-client rate limit (kept in the database so
    every server process sees the same counts)."""

    __tablename__ = "question_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    # The window's count is a range scan of one index, whatever the table holds.
    __table_args__ = (
        Index("ix_question_attempts_client_at", "client_key", "at"),
        Index("ix_question_attempts_ip_at", "ip", "at"),
    )


class WordlistVersion(Base):
    """One row: bumped by every change of the word list, so each process's compiled matcher
    (moderation.wordlist) knows with one primary-key read whether it is still current."""

    __tablename__ = "wordlist_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SensitiveWord(Base):
    __tablename__ = "sensitive_words"
    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(100), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModerationAudit(Base):
    """Who did what to which question, with the state before and after (问题审核记录)."""

    __tablename__ = "moderation_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(80), default="")
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interviews.id", ondelete="SET NULL"), index=True)
    question_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)


class QuestionSettings(Base):
    """Per-interview question settings."""

    __tablename__ = "question_settings"
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True)
    post_answered_to_feed: Mapped[bool] = mapped_column(Boolean, default=False)
    reply_days: Mapped[int] = mapped_column(Integer, default=15)
