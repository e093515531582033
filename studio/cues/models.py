"""Tables of the host console: the script, its cue cards, where the show is, backstage messages."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from studio.platform.db import Base, UTCDateTime, utcnow


class CueScript(Base):
    """The latest uploaded script (访谈稿) of an interview; uploading again replaces it."""

    __tablename__ = "cue_scripts"
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    source_kind: Mapped[str] = mapped_column(String(10), default="text")  # text, txt, docx
    text: Mapped[str] = mapped_column(Text, default="")
    char_count: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # how many times it was uploaded
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CueCard(Base):
    """One cue card (主持人提示卡): a host line, a guest's prepared answer, a netizen question or a note."""

    __tablename__ = "cue_cards"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 0-based, contiguous within an interview
    kind: Mapped[str] = mapped_column(String(20), default="note")  # host, guest, netizen, note
    speaker: Mapped[str] = mapped_column(String(120), default="")
    section: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    planned_s: Mapped[int] = mapped_column(Integer, default=0)
    planned_source: Mapped[str] = mapped_column(String(10), default="estimate")  # marker/section/estimate/manual
    # Seconds the card has been current so far, added up each time the show leaves it.
    actual_s: Mapped[float] = mapped_column(Float, default=0.0)
    # Raised by every edit of the card's content; an edit sent with an older one is refused.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    __table_args__ = (Index("ix_cue_cards_interview_position", "interview_id", "position"),)


class CueState(Base):
    """Where the show is: the current card and the start times every screen computes timers from."""

    __tablename__ = "cue_states"
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True)
    current_index: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped on every change (compare-and-set): two clickers pressed at once move one card, not two.
    version: Mapped[int] = mapped_column(Integer, default=0)
    card_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    show_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    show_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HostMessage(Base):
    """A short backstage message (≤200 characters) to the host, shown until the host dismisses it."""

    __tablename__ = "host_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sender_name: Mapped[str] = mapped_column(String(120), default="")  # kept if the account goes
    sender_role: Mapped[str] = mapped_column(String(20), default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
