"""The venues area's permission table: its routes and tests/venues read it. Admin holds every permission."""
from __future__ import annotations

from studio.platform.auth import permission_table

PERMISSIONS = permission_table("venues", {
    "add_venues": ("admin",),            # add a venue (分会场) to an open day
    "put_venue_on_air": ("director",),   # switch the live to a venue's scene
})
