"""Near-duplicate questions: character n-gram similarity on the match key (no word splitting).

Chinese has no spaces between words, so questions are compared as sets of overlapping
character bigrams (single characters for very short texts); the Dice coefficient of two sets
is the share of bigrams they have in common.
"""
from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from functools import lru_cache

from sqlalchemy import bindparam, select

from studio.platform.db import on_commit_visible

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


# ---- the per-interview n-gram index ------------------------------------------------------------
#
# Duplicate suggestions for a new question come from an inverted index (n-gram -> questions
# holding it) of its interview, kept in this process, instead of comparing with every earlier
# question. The database stays the truth: the index follows the interview's event log (every
# change of a question is a sequenced event naming its id, committed in seq order), re-reading
# the (id, match key, status) of the questions named by events after the last seq it applied,
# so a question submitted, edited, rejected, merged or approved again in any process is seen
# here by the next question. A gap in the log (pruned events) or a seq going back (a restored
# database) rebuilds the index from the questions table.
#
# Candidates are the questions sharing a gram with the new one: the rarest grams first, at most
# MAX_POSTINGS of the most recent per gram and MAX_CANDIDATES in all. An interview where
# thousands share "请问" costs the same as a small one. While the grams' holders fit in those
# bounds this is exactly the full comparison; beyond them an old question sharing only common
# grams is not offered (a near-duplicate shares rare ones).

MAX_POSTINGS = 100
MAX_CANDIDATES = 300
MAX_INTERVIEWS = 16
MAX_PENDING = 256  # own commits held for an earlier seq (InterviewIndex.applied)
EXCLUDED_STATUSES = ("rejected", "merged")


_built: list = []


def _statements():
    """The index's two reads of every refresh, built once (the models import late: see _rebuild)."""
    if _built:
        return _built
    from studio.platform.models import Event

    from .models import Question

    events, questions = Event.__table__.c, Question.__table__.c
    after = (select(events.seq, events.type, events.data)
             .where(events.interview_id == bindparam("interview_id"), events.seq > bindparam("seq"))
             .order_by(events.seq))
    keys = select(questions.id, questions.match_key, questions.status).where(
        questions.id.in_(bindparam("ids", expanding=True)), questions.interview_id == bindparam("interview_id"))
    _built.extend((after, keys))
    return _built


class InterviewIndex:
    """Each active question is a bitmask over the interview's grams (bit = the gram's number in
    `bits`) with its gram count: the overlap with a new question is one integer AND and a
    popcount, done in C on a few hundred bytes, where intersecting frozensets walked a hash
    table per candidate (the most expensive step of a netizen's submission in the profile)."""

    def __init__(self, interview_id: int):
        self.interview_id = interview_id
        self.seq = -1                                # last event seq applied; -1: not built
        self.bits: dict[str, int] = {}               # gram -> its bit in the masks
        self.keys: dict[int, tuple[int, int]] = {}   # question id -> (mask, gram count), active only
        self.postings: dict[str, list[int]] = {}
        self.pending: dict[int, tuple[int, str, str]] = {}  # seq -> applied, not yet next
        self.lock = threading.Lock()

    def _mask(self, grams: frozenset[str], add: bool = True) -> int:
        """The grams' mask; a gram the interview has not had yet gets the next bit (`add`) or,
        for a probe, is left out (no question holds it)."""
        bits, mask = self.bits, 0
        for gram in grams:
            bit = bits.get(gram)
            if bit is None:
                if not add:
                    continue
                bit = bits[gram] = len(bits)
            mask |= 1 << bit
        return mask

    def _put(self, question_id: int, key: str, status: str) -> None:
        old = self.keys.pop(question_id, None)
        if status in EXCLUDED_STATUSES:
            return  # its ids stay in postings lists; candidates not in `keys` are skipped
        grams = ngrams(key)
        mask = self._mask(grams)
        self.keys[question_id] = (mask, len(grams))
        bits, postings = self.bits, self.postings
        for gram in grams:
            if old is None or not (old[0] >> bits[gram]) & 1:
                postings.setdefault(gram, []).append(question_id)

    def applied(self, seq: int, question_id: int, key: str, status: str) -> None:
        """A question event this process just committed: applied here once every seq before it
        is (then the next submission's refresh has nothing to read). Green threads resume from
        their commits in any order, so a later seq waits in `pending` for the ones before it; a
        seq this process never sees (another process's event, another type) is read from the
        log by the next refresh, which drops what it covered."""
        if self.seq < 0 or seq <= self.seq:
            return
        self.pending[seq] = (question_id, key, status)
        self._drain()
        if len(self.pending) > MAX_PENDING:
            self.pending.clear()  # a gap that did not fill: refresh reads those from the log

    def _drain(self) -> None:
        pending = self.pending
        while self.seq + 1 in pending:
            self.seq += 1
            self._put(*pending.pop(self.seq))

    def _rebuild(self, session) -> None:
        from studio.platform.models import Interview

        from .models import Question

        # The seq first: whatever is committed after it is applied again by the next refresh.
        self.seq = session.scalar(select(Interview.last_seq).where(Interview.id == self.interview_id)) or 0
        self.keys, self.postings, self.bits, self.pending = {}, {}, {}, {}
        rows = session.execute(select(Question.id, Question.match_key, Question.status).where(
            Question.interview_id == self.interview_id).order_by(Question.id))
        for row in rows:
            self._put(row.id, row.match_key, row.status)

    def refresh(self, session, last_seq: int | None = None) -> None:
        """Apply what the event log says changed since the last call (one indexed range read)."""
        if self.seq < 0 or (last_seq is not None and last_seq < self.seq):
            self._rebuild(session)
            return
        if last_seq is not None and last_seq == self.seq:
            return  # the caller's read of the interview says nothing was committed since
        events_after, question_keys = _statements()
        connection = session.connection()  # Core reads: no ORM compile step on every submission
        rows = connection.execute(events_after, {"interview_id": self.interview_id, "seq": self.seq}).all()
        if not rows:
            if last_seq is not None and last_seq > self.seq:
                self._rebuild(session)  # committed events the log no longer holds (pruned)
            return
        if rows[0].seq != self.seq + 1:
            self._rebuild(session)
            return
        changed = {row.data.get("id") for row in rows
                   if row.type.startswith("question.") and isinstance(row.data, dict)}
        changed = [i for i in changed if isinstance(i, int) and not isinstance(i, bool)]
        if changed:
            seen = set()
            for row in connection.execute(question_keys, {"ids": changed, "interview_id": self.interview_id}):
                self._put(row.id, row.match_key, row.status)
                seen.add(row.id)
            for gone in set(changed) - seen:  # a question no longer there is no candidate
                self.keys.pop(gone, None)
        self.seq = rows[-1].seq
        self.pending = {seq: change for seq, change in self.pending.items() if seq > self.seq}
        self._drain()

    def candidates(self, key: str, exclude: int | None = None, threshold: float = SUGGEST_THRESHOLD,
                   limit: int = MAX_SUGGESTIONS) -> list[dict]:
        grams = ngrams(key)
        ids: set[int] = set()
        # Rarest grams first: the questions that share them are the likeliest duplicates.
        postings = sorted((self.postings.get(gram) or () for gram in grams), key=len)
        budget = MAX_CANDIDATES
        for posting in postings:
            if budget <= 0:
                break
            taken = posting[-min(MAX_POSTINGS, budget):]
            ids.update(taken)
            budget -= len(taken)
        ids.discard(exclude)
        # The Dice score from (shared grams, the other's size): its rounded value computed once
        # per pair (a few distinct ones among hundreds of candidates); (-score, id) tuples and
        # dicts only for the best `limit`: this loop runs for up to MAX_CANDIDATES questions on
        # every submission.
        probe = self._mask(grams, add=False)
        keys, size, scored, rounded = self.keys, len(grams), [], {}
        for other_id in ids:
            other = keys.get(other_id)
            if other is None:
                continue
            pair = ((probe & other[0]).bit_count(), other[1])
            score = rounded.get(pair)
            if score is None:
                exact = 2 * pair[0] / (size + pair[1]) if size and pair[1] else 0.0
                score = rounded[pair] = -round(exact, 2) if exact >= threshold else False
            if score is False:
                continue
            scored.append((score, other_id))
        return [{"question_id": other_id, "score": -score} for score, other_id in heapq.nsmallest(limit, scored)]


_indexes: "OrderedDict[tuple[str, int], InterviewIndex]" = OrderedDict()
_indexes_lock = threading.Lock()


def _slot(session, interview_id: int) -> tuple[str, int]:
    return (str(session.get_bind().url), interview_id)


def _index_for(slot: tuple[str, int], create: bool = True) -> "InterviewIndex | None":
    with _indexes_lock:
        index = _indexes.get(slot)
        if index is None and create:
            index = _indexes[slot] = InterviewIndex(slot[1])
            while len(_indexes) > MAX_INTERVIEWS:
                _indexes.popitem(last=False)
        if index is not None:
            _indexes.move_to_end(slot)
        return index


def interview_candidates(session, interview_id: int, key: str, exclude: int | None = None,
                         last_seq: int | None = None, limit: int = MAX_SUGGESTIONS) -> list[dict]:
    """similar_candidates against the interview's questions not rejected or merged, via its index.

    `last_seq`: the interview's seq as the caller read it (a lower one than the index's means a
    restored database; the same one, that the index has nothing to read). The index is per
    database address, as the word list's matcher.
    """
    index = _index_for(_slot(session, interview_id))
    with index.lock:
        index.refresh(session, last_seq)
        return index.candidates(key, exclude=exclude, limit=limit)


def note_committed_question(session, interview_id: int, seq: int, question_id: int, key: str,
                            status: str) -> None:
    """Once this session commits, the event `seq` (about question_id, now `key` / `status`) is
    applied to this process's index of the interview without reading it back from the log: at
    the COMMIT itself (db.on_commit_visible), not after the commit's wait for the disk, during
    which the next submissions read a seq the index did not have and read the log instead."""
    slot = _slot(session, interview_id)

    def apply() -> None:
        index = _index_for(slot, create=False)
        if index is not None:
            with index.lock:
                index.applied(seq, question_id, key, status)

    on_commit_visible(session, apply)
