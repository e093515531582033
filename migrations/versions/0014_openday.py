"""Government open day (issue 13): registration settings, applications, questionnaires and
their responses (one per device).

Revision ID: 0014_openday
Revises: 0013_interview_kind
"""
import sqlalchemy as sa
from alembic import op

import studio.platform.db

revision = "0014_openday"
down_revision = "0013_interview_kind"
branch_labels = None
depends_on = None


def _dt(name, nullable=True):
    return sa.Column(name, studio.platform.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "openday_settings",
        sa.Column("interview_id", sa.Integer(), sa.ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        _dt("registration_closes_at"),
        sa.Column("report_text", sa.Text(), nullable=False),
        sa.Column("feedback_text", sa.Text(), nullable=False),
        _dt("feedback_published_at"),
        _dt("updated_at", nullable=False),
    )
    op.create_table(
        "openday_applications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("interview_id", sa.Integer(), sa.ForeignKey("interviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("phone_key", sa.String(64), nullable=False),
        sa.Column("identity_group", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("client_key", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        _dt("created_at", nullable=False),
        _dt("decided_at"),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.UniqueConstraint("interview_id", "phone_key", name="uq_openday_application_phone"),
    )
    for column in ("interview_id", "status", "client_key", "ip", "created_at"):
        op.create_index(f"ix_openday_applications_{column}", "openday_applications", [column])
    op.create_table(
        "openday_surveys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("interview_id", sa.Integer(), sa.ForeignKey("interviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("results_public", sa.Boolean(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        _dt("created_at", nullable=False), _dt("opened_at"), _dt("closed_at"),
    )
    op.create_index("ix_openday_surveys_interview_id", "openday_surveys", ["interview_id"])
    op.create_table(
        "openday_survey_responses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("survey_id", sa.Integer(), sa.ForeignKey("openday_surveys.id", ondelete="CASCADE"), nullable=False),
        sa.Column("device_key", sa.String(64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        _dt("created_at", nullable=False),
        sa.UniqueConstraint("survey_id", "device_key", name="uq_openday_response_device"),
    )
    op.create_index("ix_openday_survey_responses_survey_id", "openday_survey_responses", ["survey_id"])


def downgrade() -> None:
    op.drop_table("openday_survey_responses")
    op.drop_table("openday_surveys")
    op.drop_table("openday_applications")
    op.drop_table("openday_settings")
