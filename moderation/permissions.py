"""The question area's permission table: its routes, socket actions, pages and tests/moderation
read it (and the host console, through the platform's registry). Admin holds every permission."""
from __future__ import annotations

from studio.platform.auth import permission_table

PERMISSIONS = permission_table("moderation", {
    "read_questions": ("moderator", "host"),       # the screening lists and one question
    "screen_questions": ("moderator",),            # approve, reject, edit, merge, push, claim, bulk; the page
    "answer_questions": ("host",),                 # mark a question on air / answered
    "order_queue": ("moderator", "host"),          # the on-air queue's order
    "read_question_settings": ("moderator", "host"),
    "change_question_settings": ("moderator",),
    "export_questions": ("moderator",),            # CSV / XLSX of an interview's questions
    "see_contacts": ("moderator",),                # a netizen's contact details
    "manage_wordlist": ("admin",),                 # read and replace the sensitive word list
    "read_audit": ("admin",),                      # the audit trail
    "handle_replies": ("moderator",),              # written replies: list, assign a unit, save
})
