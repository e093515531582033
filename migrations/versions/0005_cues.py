"""cue cards: script, cards, cue state, host messages

Revision ID: 0005_cues
Revises: 0002_recordings
"""
from alembic import op
import sqlalchemy as sa
import studio.platform.db


revision = "0005_cues"
down_revision = "0002_recordings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cue_scripts",
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("source_kind", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("char_count", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", studio.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("interview_id"),
    )
    op.create_table(
        "cue_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("speaker", sa.String(length=120), nullable=False),
        sa.Column("section", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("planned_s", sa.Integer(), nullable=False),
        sa.Column("planned_source", sa.String(length=10), nullable=False),
        sa.Column("actual_s", sa.Float(), nullable=False),
        sa.Column("created_at", studio.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", studio.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cue_cards_interview_position", "cue_cards", ["interview_id", "position"], unique=False)
    op.create_table(
        "cue_states",
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("current_index", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("card_started_at", studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("show_started_at", studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("show_ended_at", studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", studio.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("interview_id"),
    )
    op.create_table(
        "host_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("sent_by", sa.Integer(), nullable=True),
        sa.Column("sender_name", sa.String(length=120), nullable=False),
        sa.Column("sender_role", sa.String(length=20), nullable=False),
        sa.Column("sent_at", studio.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dismissed_at", studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dismissed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sent_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["dismissed_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_host_messages_interview_id", "host_messages", ["interview_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_host_messages_interview_id", table_name="host_messages")
    op.drop_table("host_messages")
    op.drop_table("cue_states")
    op.drop_index("ix_cue_cards_interview_position", table_name="cue_cards")
    op.drop_table("cue_cards")
    op.drop_table("cue_scripts")
