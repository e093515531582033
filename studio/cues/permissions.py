"""The cue area's permission table: its routes, socket actions, host page and tests/cues read it.

Admin holds every permission (has_role).
"""
from __future__ import annotations

from studio.platform.auth import permission_table

PERMISSIONS = permission_table("cues", {
    "read_cues": ("host", "moderator", "director"),  # the script, the cue cards, the cue position
    "edit_cues": ("host",),                          # upload the script; add, change, reorder, delete cards
    "move_cue": ("host", "director"),                # advance the cue (the clicker)
    "see_host_messages": ("host", "moderator", "director"),
    "send_host_message": ("moderator",),             # a backstage message to the host
    "dismiss_host_message": ("host",),
    "host_console": ("host", "director"),            # the host console page
})
