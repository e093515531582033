"""OBS status row (with the connection lease) and the OBS command queue

Revision ID: 0003_obs
Revises: 0002_recordings
"""
from alembic import op
import sqlalchemy as sa
import studio.platform.db


revision = '0003_obs'
down_revision = '0002_recordings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'obs_status',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_token', sa.String(length=80), nullable=True),
        sa.Column('lease_until', studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('connected', sa.Boolean(), nullable=False),
        sa.Column('connected_at', studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('connect_attempts', sa.Integer(), nullable=False),
        sa.Column('error_code', sa.String(length=40), nullable=False),
        sa.Column('error_message', sa.String(length=500), nullable=False),
        sa.Column('obs_version', sa.String(length=40), nullable=False),
        sa.Column('websocket_version', sa.String(length=40), nullable=False),
        sa.Column('available_requests', sa.JSON(), nullable=False),
        sa.Column('scenes', sa.JSON(), nullable=False),
        sa.Column('program_scene', sa.String(length=200), nullable=True),
        sa.Column('stream_active', sa.Boolean(), nullable=False),
        sa.Column('stream_started_at', studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('stream_interview_id', sa.Integer(), nullable=True),
        sa.Column('record_active', sa.Boolean(), nullable=False),
        sa.Column('record_paused', sa.Boolean(), nullable=False),
        sa.Column('record_started_at', studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('record_paused_at', studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('record_paused_total_s', sa.Float(), nullable=False),
        sa.Column('record_interview_id', sa.Integer(), nullable=True),
        sa.Column('last_record_path', sa.String(length=1000), nullable=False),
        sa.Column('overlays', sa.JSON(), nullable=False),
        sa.Column('stats', sa.JSON(), nullable=False),
        sa.Column('updated_at', studio.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'obs_commands',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('error', sa.JSON(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', studio.platform.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', studio.platform.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('obs_commands', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_obs_commands_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('obs_commands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_obs_commands_state'))
    op.drop_table('obs_commands')
    op.drop_table('obs_status')
