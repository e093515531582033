"""Numbers a netizen may type into a question about themselves: a mobile, a landline, an ID card.

An approved question is public, so such a question is flagged at intake ({"type": "personal_info",
"kind": ...}) and held for the moderator like one with a sensitive word. The console's editor
(moderation/static/moderation.js, personalInfo) applies the same rule to a text being fixed; keep
the two in step.
"""
from __future__ import annotations

import re

# Full-width digits count; spaces and dashes between digits are how people write numbers.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}
_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\s\-\u2014\uff0d]+(?=\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_CARD = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}\d{7,8}(?!\d)")

KIND_NAMES = {"phone": "手机号", "id_card": "身份证号", "landline": "电话号码"}


def find_personal_info(text: str) -> list[dict]:
    """Flags for what in `text` looks like a personal number, at most one per kind."""
    digits = _BETWEEN_DIGITS.sub("", str(text or "").translate(_FULL_WIDTH))
    kinds = []
    if _MOBILE.search(digits):
        kinds.append("phone")
    if _ID_CARD.search(digits):
        kinds.append("id_card")
    elif _LANDLINE.search(digits):  # an ID card's digits would read as a landline too
        kinds.append("landline")
    return [{"type": "personal_info", "kind": kind} for kind in kinds]
