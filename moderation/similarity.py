"""Near-duplicate questions: character n-gram similarity on the match key (no word splitting).

Chinese has no spaces between words, so questions are compared as sets of overlapping
character bigrams (single characters for very short texts); the Dice coefficient of two sets
is the share of bigrams they have in common.
"""
from __future__ import annotations

from functools import lru_cache

SUGGEST_THRESHOLD = 0.5
MAX_SUGGESTIONS = 5


@lru_cache(maxsize=50_000)
def ngrams(key: str, n: int = 2) -> frozenset[str]:
    """The set of character n-grams of a match key (memoised: a pure function of its input,
    and every new question is compared with all earlier ones)."""
    if len(key) < n:
        return frozenset([key]) if key else frozenset()
    return frozenset({key[i:i + n] for i in range(len(key) - n + 1)})


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def similar_candidates(key: str, others: list[tuple[int, str]], threshold: float = SUGGEST_THRESHOLD,
                       limit: int = MAX_SUGGESTIONS) -> list[dict]:
    """[{question_id, score}] of the most similar of `others` ((id, match key) pairs), best first."""
    grams = ngrams(key)
    scored = []
    for other_id, other_key in others:
        score = dice(grams, ngrams(other_key))
        if score >= threshold:
            scored.append({"question_id": other_id, "score": round(score, 2)})
    scored.sort(key=lambda s: (-s["score"], s["question_id"]))
    return scored[:limit]
