"""publishing: edit decisions and publishing jobs

Revision ID: 0006_publishing
Revises: 0002_recordings
"""
from alembic import op
import sqlalchemy as sa
import studio.platform.db


revision = '0006_publishing'
down_revision = '0002_recordings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'edit_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interview_id', sa.Integer(), nullable=False),
        sa.Column('recording_ids', sa.JSON(), nullable=False),
        sa.Column('keep', sa.JSON(), nullable=False),
        sa.Column('poster_s', sa.Float(), nullable=True),
        sa.Column('chapters', sa.JSON(), nullable=True),
        sa.Column('corrections', sa.JSON(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', studio.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('interview_id'),
    )
    op.create_table(
        'publish_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interview_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('eta_s', sa.Float(), nullable=True),
        sa.Column('stage', sa.String(length=40), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('claim_token', sa.String(length=200), nullable=True),
        sa.Column('cancel_requested', sa.Boolean(), nullable=False),
        sa.Column('heartbeat_at', studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('edit', sa.JSON(), nullable=False),
        sa.Column('output_path', sa.String(length=1000), nullable=False),
        sa.Column('duration_s', sa.Float(), nullable=True),
        sa.Column('requested_by', sa.Integer(), nullable=True),
        sa.Column('created_at', studio.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['interview_id'], ['interviews.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('publish_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publish_jobs_interview_id'), ['interview_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publish_jobs_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('publish_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publish_jobs_state'))
        batch_op.drop_index(batch_op.f('ix_publish_jobs_interview_id'))
    op.drop_table('publish_jobs')
    op.drop_table('edit_decisions')
