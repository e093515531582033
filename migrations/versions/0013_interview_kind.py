"""Interview kinds (issue 13): interview / policy_video / open_day, and the policy document a
policy explainer explains.

Revision ID: 0013_interview_kind
Revises: 0012_programme
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_interview_kind"
down_revision = "0012_programme"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interviews") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="interview"))
        batch.add_column(sa.Column("policy_title", sa.String(length=300), nullable=False, server_default=""))
        batch.add_column(sa.Column("policy_url", sa.String(length=1000), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("interviews") as batch:
        batch.drop_column("policy_url")
        batch.drop_column("policy_title")
        batch.drop_column("kind")
