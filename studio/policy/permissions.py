"""The policy-video area's permission table: its routes and tests/policy read it. Admin holds every permission."""
from __future__ import annotations

from studio.platform.auth import permission_table

PERMISSIONS = permission_table("policy", {
    "time_captions": ("publisher",),  # read and save a policy video's caption timings
})
