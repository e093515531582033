"""Sensitive words (敏感词): the admin-edited list and matching on normalised text."""
from __future__ import annotations

import threading

import ahocorasick
from sqlalchemy import delete, select, update

from studio.platform.db import utcnow
from studio.platform.errors import ValidationError

from .models import SensitiveWord, WordlistVersion
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


class Matcher:
    """The word list compiled once: an Aho–Corasick automaton over the words' match keys.

    One pass over a text's match key finds every listed word, however long the list; the
    result is exactly what searching each word in list order would give (see find).
    """

    def __init__(self, words: list[str]):
        self.pairs = [(word, match_key(word)) for word in words]
        self._automaton = None
        keyed: dict[str, list[int]] = {}
        for index, (_word, key) in enumerate(self.pairs):
            if key:
                keyed.setdefault(key, []).append(index)
        if keyed:
            automaton = ahocorasick.Automaton()
            for key, indexes in keyed.items():
                automaton.add_word(key, (len(key), tuple(indexes)))
            automaton.make_automaton()
            self._automaton = automaton

    def find(self, text: str) -> list[dict]:
        """Flags of find_sensitive_words for `text` (display form)."""
        if self._automaton is None:
            return []
        key, positions = match_key_with_positions(text)
        if not key:
            return []
        found: list[tuple[int, int, int]] = []  # (start, list index, end) in the key
        next_free: dict[int, int] = {}
        for last, (length, indexes) in self._automaton.iter(key):
            start = last - length + 1
            for index in indexes:
                # A word's occurrences do not overlap each other (str.find from the last end).
                if start >= next_free.get(index, 0):
                    next_free[index] = last + 1
                    found.append((start, index, last + 1))
        found.sort()
        return [_flag(text, positions, self.pairs[index][0], start, end) for start, index, end in found]


def _flag(text: str, positions: tuple[int, ...], word: str, start: int, end: int) -> dict:
    return {"type": "sensitive_word", "word": word, "start": positions[start],
            "end": positions[end - 1] + 1, "matched": text[positions[start]:positions[end - 1] + 1]}


# The compiled list of this process, derived data only: rebuilt whenever the list's version row
# (bumped in the transaction that changes the list, whichever process makes it) differs. The
# database's address and the change time are part of the key: test runs reuse version numbers.
_compiled: dict[str, tuple[tuple, Matcher]] = {}
_compile_lock = threading.Lock()


# A Core read (no ORM compile step): it runs for every netizen question.
_VERSION = (select(WordlistVersion.__table__.c.version, WordlistVersion.__table__.c.changed_at)
            .where(WordlistVersion.__table__.c.id == 1))


def list_version(session, row: tuple | None = None) -> tuple:
    """The key the compiled list is kept under. `row`: the (version, changed_at) of the list's
    version row when the caller read it already, as part of another statement ((None, None):
    no row yet); else it is read here."""
    if row is None:
        row = session.connection().execute(_VERSION).first() or (0, None)
    return (str(session.get_bind().url), row[0] or 0, row[1])


def matcher(session, version_row: tuple | None = None) -> Matcher:
    """The compiled current list: one primary-key read when nothing changed (none when the
    caller passes the version row it read: see list_version)."""
    version = list_version(session, version_row)
    cached = _compiled.get("words")
    if cached is not None and cached[0] == version:
        return cached[1]
    with _compile_lock:
        cached = _compiled.get("words")
        if cached is None or cached[0] != version:
            # Version first, then the words: a change committed in between only makes the
            # next question compile again, never keeps an old list.
            cached = (version, Matcher(list_words(session)))
            _compiled["words"] = cached
    return cached[1]


def keyed_words(session) -> list[tuple[str, str]]:
    """[(word, match key)] of the current list."""
    return matcher(session).pairs


def _bump_version(session) -> None:
    bumped = session.execute(update(WordlistVersion).where(WordlistVersion.id == 1).values(
        version=WordlistVersion.version + 1, changed_at=utcnow())).rowcount
    if not bumped:
        session.add(WordlistVersion(id=1, version=1, changed_at=utcnow()))


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
    if added or removed:
        _bump_version(session)
    session.flush()
    return added, removed


def find_sensitive_words(text: str, words: list) -> list[dict]:
    """Flags for every listed word found in `text` (display form), with its span in `text`.

    Matching runs on the match key, so spacing, punctuation, full-width forms and traditional
    characters do not hide a word; the span covers the characters as the netizen wrote them.
    `words` is a Matcher (the compiled list, see matcher()), or words or (word, match key)
    pairs, matched one by one.
    """
    if isinstance(words, Matcher):
        return words.find(text)
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
            flags.append(_flag(text, positions, word, start, end))
            start = key.find(word_key, end)
    flags.sort(key=lambda f: f["start"])
    return flags
