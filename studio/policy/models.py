"""Caption lines of a policy explainer timed by the publisher (seconds of the joined recordings)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from studio.platform.db import Base, UTCDateTime, utcnow


class CaptionTiming(Base):
    __tablename__ = "policy_caption_timings"
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True)
    lines: Mapped[list] = mapped_column(JSON, default=list)  # [{text, start_s, end_s|null}] by start
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
