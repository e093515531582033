"""Caption lines of a policy explainer timed on the editor page (issue 13).

Revision ID: 0017_policy_caption_timings
Revises: 0016_feed_venue
"""
import sqlalchemy as sa
from alembic import op

import studio.platform.db

revision = "0017_policy_caption_timings"
down_revision = "0016_feed_venue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_caption_timings",
        sa.Column("interview_id", sa.Integer(), sa.ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("updated_at", studio.platform.db.UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("policy_caption_timings")
