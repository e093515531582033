"""Tables of the government open day (政府开放日, issue 13): registration with its cap and
deadline, applications under review, questionnaires (问卷调查) and one response per device."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from studio.platform.db import Base, UTCDateTime, utcnow

# The seeds' list of who is invited (群众代表), in the notice's order.
IDENTITY_GROUPS = ("专家学者", "企业职工", "企业家", "社区工作者", "政务公开义务监督员", "新闻媒体", "网民代表")
APPLICATION_STATUSES = ("pending", "accepted", "waitlisted", "declined")
QUESTION_TYPES = ("single", "multiple", "text")
SURVEY_STATES = ("draft", "open", "closed")


class OpenDaySettings(Base):
    """One open day's registration: how many may come and until when one may apply."""

    __tablename__ = "openday_settings"
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer, default=30)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_text: Mapped[str] = mapped_column(Text, default="")
    feedback_text: Mapped[str] = mapped_column(Text, default="")
    feedback_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Application(Base):
    """One citizen's application (报名). The phone is for the organisers only, never public."""

    __tablename__ = "openday_applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(40))
    phone_key: Mapped[str] = mapped_column(String(64))  # folded digits, hashed: one application per phone
    identity_group: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    __table_args__ = (UniqueConstraint("interview_id", "phone_key", name="uq_openday_application_phone"),)


class Survey(Base):
    """A questionnaire (问卷调查) staff open and close during the event."""

    __tablename__ = "openday_surveys"
    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10), default="draft")
    results_public: Mapped[bool] = mapped_column(Boolean, default=False)
    questions: Mapped[list] = mapped_column(JSON, default=list)  # [{id, type, text, options}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyResponse(Base):
    """One device's answers; the unique key is what makes "one answer per device" hold under load."""

    __tablename__ = "openday_survey_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("openday_surveys.id", ondelete="CASCADE"), index=True)
    device_key: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # {question id: index | [indexes] | text}
    flags: Mapped[list] = mapped_column(JSON, default=list)    # sensitive words in free text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("survey_id", "device_key", name="uq_openday_response_device"),)
