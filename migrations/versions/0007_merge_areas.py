"""Join the branches the areas grew in parallel (OBS, moderation, cue cards, publishing) into one head.

Revision ID: 0007_merge_areas
Revises: 0003_obs, 0004_moderation, 0005_cues, 0006_publishing
"""

revision = "0007_merge_areas"
down_revision = ("0003_obs", "0004_moderation", "0005_cues", "0006_publishing")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
