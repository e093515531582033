"""Publishing jobs say how the video was cut: smart cut (stream copy, only the frames at the cuts
encoded) or the full encode, and why the full encode was used (issue 11).

Revision ID: 0011_publishing_cut_path
Revises: 0010_moderation_intake
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_publishing_cut_path"
down_revision = "0010_moderation_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publish_jobs") as batch:
        batch.add_column(sa.Column("cut_path", sa.String(length=10), nullable=False, server_default=""))
        batch.add_column(sa.Column("cut_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("publish_jobs") as batch:
        batch.drop_column("cut_reason")
        batch.drop_column("cut_path")
