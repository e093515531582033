"""Venues (主会场 + N, issue 13): one row per venue with its stream key.

Revision ID: 0015_venues
Revises: 0014_openday
"""
import sqlalchemy as sa
from alembic import op

import studio.platform.db

revision = "0015_venues"
down_revision = "0014_openday"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "venues",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("interview_id", sa.Integer(), sa.ForeignKey("interviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("is_main", sa.Boolean(), nullable=False),
        sa.Column("stream_key", sa.String(64), nullable=False, unique=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("on_air", sa.Boolean(), nullable=False),
        sa.Column("created_at", studio.platform.db.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_venues_interview_id", "venues", ["interview_id"])


def downgrade() -> None:
    op.drop_table("venues")
