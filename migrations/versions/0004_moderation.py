"""moderation: questions, submission log, sensitive words, audit trail, question settings

Revision ID: 0004_moderation
Revises: 0002_recordings
"""
from alembic import op
import sqlalchemy as sa
import studio.platform.db

revision = "0004_moderation"
down_revision = "0002_recordings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dt = studio.platform.db.UTCDateTime(timezone=True)
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("nickname", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("original_text", sa.Text(), nullable=True),
        sa.Column("match_key", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("starred", sa.Boolean(), nullable=False),
        sa.Column("queue_position", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("askers", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=16), nullable=False),
        sa.Column("contact", sa.String(length=120), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", dt, nullable=True),
        sa.Column("on_air_at", dt, nullable=True),
        sa.Column("answered_at", dt, nullable=True),
        sa.Column("reply_unit_id", sa.Integer(), nullable=True),
        sa.Column("reply_due_at", dt, nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=False),
        sa.Column("replied_at", dt, nullable=True),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", dt, nullable=False),
        sa.Column("updated_at", dt, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["merged_into_id"], ["questions.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["handled_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["claimed_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["replied_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reply_unit_id"], ["units.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("receipt"),
    )
    op.create_index("ix_questions_interview_status", "questions", ["interview_id", "status"])
    op.create_index("ix_questions_dedupe", "questions", ["interview_id", "client_key", "text_hash"])

    op.create_table(
        "question_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", dt, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_question_attempts_client_key", "question_attempts", ["client_key"])
    op.create_index("ix_question_attempts_ip", "question_attempts", ["ip"])
    op.create_index("ix_question_attempts_at", "question_attempts", ["at"])

    op.create_table(
        "sensitive_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", dt, nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("word"),
    )

    op.create_table(
        "moderation_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", dt, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_moderation_audit_at", "moderation_audit", ["at"])
    op.create_index("ix_moderation_audit_interview_id", "moderation_audit", ["interview_id"])
    op.create_index("ix_moderation_audit_question_id", "moderation_audit", ["question_id"])

    op.create_table(
        "question_settings",
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("post_answered_to_feed", sa.Boolean(), nullable=False),
        sa.Column("reply_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("interview_id"),
    )


def downgrade() -> None:
    op.drop_table("question_settings")
    op.drop_index("ix_moderation_audit_question_id", table_name="moderation_audit")
    op.drop_index("ix_moderation_audit_interview_id", table_name="moderation_audit")
    op.drop_index("ix_moderation_audit_at", table_name="moderation_audit")
    op.drop_table("moderation_audit")
    op.drop_table("sensitive_words")
    op.drop_index("ix_question_attempts_at", table_name="question_attempts")
    op.drop_index("ix_question_attempts_ip", table_name="question_attempts")
    op.drop_index("ix_question_attempts_client_key", table_name="question_attempts")
    op.drop_table("question_attempts")
    op.drop_index("ix_questions_dedupe", table_name="questions")
    op.drop_index("ix_questions_interview_status", table_name="questions")
    op.drop_table("questions")
