"""The publishing area's permission table: its routes, editor page and tests/publishing read it.

Admin holds every permission (has_role).
"""
from __future__ import annotations

from studio.platform.auth import permission_table

PERMISSIONS = permission_table("publishing", {
    "see_recordings": ("publisher", "director"),  # list recordings, play them in the editor
    "add_recordings": ("publisher", "director"),  # register a recording (upload or a path on the server)
    "edit_and_publish": ("publisher",),           # the edit decision, publish / unpublish, cancel a job; the editor page
    "watch_jobs": ("publisher",),                 # the publishing jobs' progress
})
