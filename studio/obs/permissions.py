"""The OBS area's permission table: its routes, socket action, director page and tests/obs read it.

Admin holds every permission (has_role).
"""
from __future__ import annotations

from studio.platform.auth import permission_table

PERMISSIONS = permission_table("obs", {
    "read_obs": ("director", "host"),    # OBS's state (scenes, recording, stream)
    "drive_obs": ("director",),          # switch scenes, record, stream, overlays, screenshots; the director page
    "bootstrap_obs": ("admin",),         # create the standard scenes and sources (`flask obs bootstrap`)
    "see_on_air": ("director", "host", "moderator", "feed_editor"),  # the on-air badge on the staff pages
})
