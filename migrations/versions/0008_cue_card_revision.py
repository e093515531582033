"""Cue cards carry a revision: an edit made from a stale copy is refused instead of silently
overwriting another person's edit.

Revision ID: 0008_cue_card_revision
Revises: 0007_merge_areas
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_cue_card_revision"
down_revision = "0007_merge_areas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cue_cards") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("cue_cards") as batch:
        batch.drop_column("revision")
