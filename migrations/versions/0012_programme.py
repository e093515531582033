"""The year's programme (issue 12): deadline overrides and the liaison token per interview,
script versions under review, themed series (专题), anonymous viewer counts and archive views.

Revision ID: 0012_programme
Revises: 0011_publishing_cut_path
"""
import sqlalchemy as sa
from alembic import op

import studio.platform.db

revision = "0012_programme"
down_revision = "0011_publishing_cut_path"
branch_labels = None
depends_on = None


def _dt(name, nullable=True):
    return sa.Column(name, studio.platform.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "programme_schedules",
        sa.Column("interview_id", sa.Integer(), nullable=False),
        _dt("preview_due_at"), _dt("questions_open_due_at"), _dt("questions_close_due_at"),
        _dt("script_final_due_at"), _dt("publish_due_at"), _dt("replies_due_at"),
        sa.Column("liaison_token", sa.String(length=64), nullable=True),
        _dt("liaison_token_at"),
        _dt("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("interview_id"),
        sa.UniqueConstraint("liaison_token"),
    )
    op.create_table(
        "programme_script_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("chars", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("source_kind", sa.String(length=10), nullable=False),
        _dt("submitted_at", nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_by_user_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        _dt("reviewed_at"),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submitted_by_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("interview_id", "version", name="uq_programme_script_version"),
    )
    op.create_index("ix_programme_script_versions_interview_id", "programme_script_versions", ["interview_id"])
    op.create_table(
        "programme_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _dt("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "programme_series_interviews",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["series_id"], ["programme_series.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("series_id", "interview_id"),
    )
    op.create_index("ix_programme_series_interviews_interview_id", "programme_series_interviews", ["interview_id"])
    op.create_table(
        "programme_viewer_counts",
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("process", sa.String(length=80), nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        _dt("updated_at", nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("interview_id", "process"),
    )
    op.create_table(
        "programme_interview_stats",
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("viewers_peak", sa.Integer(), nullable=False),
        _dt("viewers_peak_at"),
        sa.Column("archive_views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("interview_id"),
    )


def downgrade() -> None:
    op.drop_table("programme_interview_stats")
    op.drop_table("programme_viewer_counts")
    op.drop_index("ix_programme_series_interviews_interview_id", table_name="programme_series_interviews")
    op.drop_table("programme_series_interviews")
    op.drop_table("programme_series")
    op.drop_index("ix_programme_script_versions_interview_id", table_name="programme_script_versions")
    op.drop_table("programme_script_versions")
    op.drop_table("programme_schedules")
