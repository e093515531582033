"""OBS commands record which owner process claimed them and when: a command is executed by the
owner that claimed it (pending -> running with one conditional UPDATE), never twice.

Revision ID: 0009_obs_command_claim
Revises: 0008_cue_card_revision
"""
import sqlalchemy as sa
from alembic import op

import studio.platform.db

revision = "0009_obs_command_claim"
down_revision = "0008_cue_card_revision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("obs_commands") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("claimed_at", studio.platform.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("obs_commands") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
