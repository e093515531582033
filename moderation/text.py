"""Text normalisation shared by intake, sensitive-word matching and duplicate detection.

Two forms of a text exist:
- the *display* form (normalise_text): NFKC, control and format characters removed,
  whitespace collapsed, trimmed. This is what is stored and shown.
- the *match key* (match_key): the display form in simplified characters, lower case, with
  every character that is not a letter or digit dropped. Sensitive words and near-duplicates
  are found on this key, so "法 轮 功", "法.轮.功" and "法輪功" all read "法轮功".
"""
from __future__ import annotations

import re
import unicodedata

from opencc import OpenCC

# OpenCC's converter is a pure lookup table: safe to share, not state.
_T2S = OpenCC("t2s")
_WHITESPACE = re.compile(r"\s+")


def _is_dropped_control(ch: str) -> bool:
    # Cc (controls) and Cf (zero-width and bidi marks, used to break words invisibly);
    # whitespace controls (\n, \t) become spaces before this runs.
    return unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


def normalise_text(value: str) -> str:
    """NFKC, control characters removed, whitespace collapsed to single spaces, trimmed."""
    value = unicodedata.normalize("NFKC", value)
    value = _WHITESPACE.sub(" ", value)
    value = "".join(ch for ch in value if not _is_dropped_control(ch))
    return _WHITESPACE.sub(" ", value).strip()


def to_simplified(value: str) -> str:
    """Traditional to simplified characters (OpenCC t2s); other text is left alone."""
    return _T2S.convert(value)


def _is_kept_in_key(ch: str) -> bool:
    return unicodedata.category(ch)[0] in ("L", "N")


def match_key_with_positions(value: str) -> tuple[str, list[int]]:
    """The match key of a display text, and for each key character its index in the text.

    t2s conversion maps character to character for almost all of the table; where it does not
    (a phrase rule changing length) we fall back to per-character conversion so positions stay
    exact and highlighting lands on the right characters.
    """
    simplified = to_simplified(value)
    if len(simplified) != len(value):
        simplified = "".join(_T2S.convert(ch)[:1] or ch for ch in value)
    key_chars: list[str] = []
    positions: list[int] = []
    for index, ch in enumerate(simplified):
        if _is_kept_in_key(ch):
            lowered = ch.lower()
            key_chars.append(lowered[:1])
            positions.append(index)
    return "".join(key_chars), positions


def match_key(value: str) -> str:
    """Simplified, lower-case letters and digits only: the form words and duplicates are matched on."""
    return match_key_with_positions(normalise_text(value))[0]
