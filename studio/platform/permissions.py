"""The platform's permission table: who may do what with accounts and the staff event stream.

Routes, socket actions and tests/test_permissions_core.py all read it; admin holds every
permission (has_role), so ("admin",) means admin only.
"""
from __future__ import annotations

from .auth import permission_table
from .models import ROLES

PERMISSIONS = permission_table("platform", {
    "manage_accounts": ("admin",),       # list, create, change and disable staff accounts
    "follow_staff_events": ROLES,        # join an interview's /studio room (staff fields, staff events)
})
