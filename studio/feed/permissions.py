"""The feed area's permission table: its routes, its editor page and tests/feed read it.

Admin holds every permission (has_role).
"""
from __future__ import annotations

from studio.platform.auth import permission_table
from studio.platform.models import ROLES

PERMISSIONS = permission_table("feed", {
    "write_feed": ("feed_editor",),   # post, correct, pin and withdraw entries; upload photos; the editor page
    "read_entry_history": ROLES,      # an entry's earlier versions: any staff member
})
