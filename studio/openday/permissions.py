"""The open day area's permission table: its routes and tests/openday read it. Admin holds every permission."""
from __future__ import annotations

from studio.platform.auth import permission_table

PERMISSIONS = permission_table("openday", {
    "manage_registrations": ("admin",),          # the open day's settings, the registrations, their review
    "run_surveys": ("host", "moderator"),        # create, open and close surveys; see drafts and results
    "write_after": ("publisher",),               # the report and the feedback after the day, and publishing them
    "read_opinions": ("publisher", "moderator"), # the opinions collected
})
