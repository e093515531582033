"""The plans area's permission table (its route and tests/test_permissions_core.py read it)."""
from __future__ import annotations

from studio.platform.auth import permission_table

PERMISSIONS = permission_table("plans", {
    "import_plans": ("admin",),  # import (or preview) the annual interview plan; admin only
})
