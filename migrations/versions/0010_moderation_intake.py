"""moderation intake at constant cost: the word list's version (the compiled matcher of every
process follows it), and the rate limit's counts as index range scans (client or address, time).

Revision ID: 0010_moderation_intake
Revises: 0009_obs_command_claim
"""
import sqlalchemy as sa
from alembic import op

import studio.platform.db

revision = "0010_moderation_intake"
down_revision = "0009_obs_command_claim"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "wordlist_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "version": 1, "changed_at": None}])
    op.create_index("ix_question_attempts_client_at", "question_attempts", ["client_key", "at"])
    op.create_index("ix_question_attempts_ip_at", "question_attempts", ["ip", "at"])


def downgrade() -> None:
    op.drop_index("ix_question_attempts_ip_at", table_name="question_attempts")
    op.drop_index("ix_question_attempts_client_at", table_name="question_attempts")
    op.drop_table("wordlist_version")
