"""The programme area's permission table: its routes, pages and tests/programme read it.

Admin holds every permission (has_role).
"""
from __future__ import annotations

from studio.platform.auth import permission_table

_STAFF = ("host", "moderator", "director", "feed_editor", "publisher")

PERMISSIONS = permission_table("programme", {
    "read_deadlines": _STAFF,                # an interview's deadlines and the year's
    "set_deadlines": ("admin",),             # override an interview's deadlines
    "read_digest": ("admin",),               # the weekly digest
    "handle_script_versions": ("host",),     # submit (or the liaison link), list, diff and review versions
    "manage_liaison_links": ("admin",),      # read and renew an interview's liaison link
    "manage_series": ("admin",),             # create and change a series
    "read_assessment": ("admin",),           # the year's assessment (JSON, XLSX, page)
    "read_stats": _STAFF,                    # an interview's statistics
    "programme_dashboard": ("admin",),       # the programme page
})
