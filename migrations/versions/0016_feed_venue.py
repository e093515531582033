"""Feed entries may name their venue (主会场 + N, issue 13).

Revision ID: 0016_feed_venue
Revises: 0015_venues
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_feed_venue"
down_revision = "0015_venues"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_entries") as batch:
        batch.add_column(sa.Column("venue_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_feed_entries_venue_id", "venues", ["venue_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("feed_entries") as batch:
        batch.drop_constraint("fk_feed_entries_venue_id", type_="foreignkey")
        batch.drop_column("venue_id")
