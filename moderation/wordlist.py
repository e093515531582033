"""Sensitive words (敏感词): the admin-edited list and matching on normalised text."""
from __future__ import annotations

from sqlalchemy import delete, func, select

from studio.db import utcnow
from studio.errors import ValidationError

from .models import SensitiveWord
from .text import clean_text, match_key, match_key_with_positions

MAX_WORDS = 20000
MAX_WORD_LENGTH = 50


def parse_wordlist(text: str) -> list[str]:
    """One word per line; blank lines and lines starting with # are skipped; duplicates folded."""
    words: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        word = clean_text(line)
        if not word or word.startswith("#"):
            continue
        if len(word) > MAX_WORD_LENGTH:
            raise ValidationError(f"第 {number} 行超过 {MAX_WORD_LENGTH} 个字符", code="word_too_long", line=number)
        key = match_key(word)
        if not key:
            raise ValidationError(f"第 {number} 行没有可匹配的文字（只有标点或空格）", code="invalid_word", line=number)
        if key in seen:
            continue
        seen.add(key)
        words.append(word)
    if len(words) > MAX_WORDS:
        raise ValidationError(f"敏感词最多 {MAX_WORDS} 个", code="too_many_words")
    return words


def list_words(session) -> list[str]:
    return list(session.scalars(select(SensitiveWord.word).order_by(SensitiveWord.id)))


# Match keys of the current list, derived data only: rebuilt whenever the table's (count, max id)
# differs from what it was built from, so every process follows a change made by any other.
_keyed_cache: dict[str, tuple[tuple, list[tuple[str, str]]]] = {}


def keyed_words(session) -> list[tuple[str, str]]:
    """[(word, match key)] of the list; computing t2s keys for every word on every question is slow."""
    signature = tuple(session.execute(select(func.count(), func.max(SensitiveWord.id))).one())
    cached = _keyed_cache.get("words")
    if cached is not None and cached[0] == signature:
        return cached[1]
    pairs = [(word, match_key(word)) for word in list_words(session)]
    _keyed_cache["words"] = (signature, pairs)
    return pairs


def replace_wordlist(session, words: list[str], user_id: int | None) -> tuple[list[str], list[str]]:
    """Store exactly `words`; returns (added, removed) for the audit trail."""
    current = list_words(session)
    wanted = set(words)
    removed = [w for w in current if w not in wanted]
    added = [w for w in words if w not in set(current)]
    if removed:
        session.execute(delete(SensitiveWord).where(SensitiveWord.word.in_(removed)))
    for word in added:
        session.add(SensitiveWord(word=word, created_by=user_id, created_at=utcnow()))
    session.flush()
    return added, removed


def find_sensitive_words(text: str, words: list) -> list[dict]:
    """Flags for every listed word found in `text` (display form), with its span in `text`.

    Matching runs on the match key, so spacing, punctuation, full-width forms and traditional
    characters do not hide a word; the span covers the characters as the netizen wrote them.
    `words` holds words or (word, match key) pairs (see keyed_words).
    """
    key, positions = match_key_with_positions(text)
    if not key:
        return []
    flags: list[dict] = []
    for item in words:
        word, word_key = item if isinstance(item, tuple) else (item, match_key(item))
        if not word_key:
            continue
        start = key.find(word_key)
        while start != -1:
            end = start + len(word_key)
            flags.append({"type": "sensitive_word", "word": word, "start": positions[start],
                          "end": positions[end - 1] + 1, "matched": text[positions[start]:positions[end - 1] + 1]})
            start = key.find(word_key, end)
    flags.sort(key=lambda f: f["start"])
    return flags
