"""Text cleaning shared by intake, sensitive-word matching and duplicate detection.

Two forms of a text exist:
- the *display* form (clean_text): NFC, control and format characters removed, whitespace
  collapsed, trimmed. This is what is stored and shown, everywhere: full-width Chinese
  punctuation (？，！：；（）) and full-width digits stay exactly as the netizen typed them.
- the *match key* (match_key): the display form folded by NFKC (full-width → half-width),
  in simplified characters, lower case, with every character that is not a letter or digit
  dropped. Sensitive words, near-duplicates and "the same question again" are found on this
  key only, so "法 轮 功", "法.轮.功", "ｆａ" and "法輪功" all read alike.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

# OpenCC's converter is a pure lookup table: safe to share, not state.
_T2S = OpenCC("t2s")
_WHITESPACE = re.compile(r"\s+")


def _is_dropped_control(ch: str) -> bool:
    # Cc (controls) and Cf (zero-width and bidi marks, used to break words invisibly);
    # whitespace controls (\n, \t) become spaces before this runs.
    return unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs")


def clean_text(value: str) -> str:
    """The display form: NFC, controls removed, whitespace collapsed to single spaces, trimmed.

    No NFKC here: it would turn the netizen's full-width ？ into ? on the host's card and the
    OBS caption. NFC only composes (e + ◌́ → é) and never changes what a reader sees.
    """
    value = unicodedata.normalize("NFC", value)
    value = _WHITESPACE.sub(" ", value)
    value = "".join(ch for ch in value if not _is_dropped_control(ch))
    return _WHITESPACE.sub(" ", value).strip()


def _t2s_characters() -> frozenset[str] | None:
    """Characters without which the t2s conversion leaves a text as it is (nearly every
    netizen question holds none of them): each character the table changes, and for each
    phrase rule that changes a text without holding such a character (反覆 → 反复: 覆 maps to
    itself on its own), one character of the phrase, which any text it matches holds. None (no
    shortcut) if this OpenCC does not say which dictionaries it reads, or chains several."""
    _T2S.convert("")  # loads the dictionary chain
    try:
        (group,) = _T2S._dict_chain
        table: dict[str, str] = {}
        for path in group:
            with open(path, encoding="utf-8") as dictionary:
                for line in dictionary:
                    key, _tab, values = line.rstrip("\n").partition("\t")
                    if key:
                        table.setdefault(key, values.split(" ")[0])
    except (AttributeError, OSError, TypeError, ValueError):
        return None
    changed = {key for key, value in table.items() if len(key) == 1 and value != key}
    triggers = set(changed)
    for key, value in table.items():
        if len(key) > 1 and value != key and changed.isdisjoint(key):
            in_table = [ch for ch in key if ch in table]
            triggers.add(in_table[0] if in_table else key[0])
    return frozenset(triggers) or None


_T2S_CHARS = _t2s_characters()


def to_simplified(value: str) -> str:
    """Traditional to simplified characters (OpenCC t2s); other text is left alone."""
    if _T2S_CHARS is not None and _T2S_CHARS.isdisjoint(value):
        return value  # what the conversion returns, without its pure-Python phrase search
    return _T2S.convert(value)


def _is_kept_in_key(ch: str) -> bool:
    return unicodedata.category(ch)[0] in ("L", "N")


@lru_cache(maxsize=256)  # a submission folds its text twice (the key, the word search): once
def match_key_with_positions(value: str) -> tuple[str, tuple[int, ...]]:
    """The match key of a display text, and for each key character its index in the text.

    Each display character is folded by NFKC on its own (one character may become several,
    e.g. ㈱ → (株)), so every folded character still knows where it came from. t2s maps
    character to character for almost all of the table; where it does not (a phrase rule
    changing length) we fall back to per-character conversion so positions stay exact and
    highlighting lands on the right characters.
    """
    folded: list[str] = []
    sources: list[int] = []
    for index, ch in enumerate(value):
        for out in unicodedata.normalize("NFKC", ch):
            folded.append(out)
            sources.append(index)
    joined = "".join(folded)
    simplified = to_simplified(joined)
    if len(simplified) != len(joined):
        simplified = "".join(_T2S.convert(ch)[:1] or ch for ch in joined)
    key_chars: list[str] = []
    positions: list[int] = []
    for ch, index in zip(simplified, sources):
        if _is_kept_in_key(ch):
            key_chars.append(ch.lower()[:1])
            positions.append(index)
    return "".join(key_chars), tuple(positions)


def match_key(value: str) -> str:
    """Folded (NFKC, simplified, lower-case) letters and digits only: what words and duplicates match on."""
    return match_key_with_positions(clean_text(value))[0]
