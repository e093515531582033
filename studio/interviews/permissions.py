"""The interviews area's permission table (routes, pages and tests/test_permissions_core.py read it).

Admin holds every permission (has_role), so ("admin",) means admin only.
"""
from __future__ import annotations

from studio.platform.auth import permission_table

PERMISSIONS = permission_table("interviews", {
    "edit_interviews": ("admin",),             # create, edit, delete a planned one; the edit page
    "change_live_state": ("director", "host"),  # start and end the live (admin: any transition)
})
