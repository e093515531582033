"""Issue 10.2: intake costs the same for the 5,000th question as for the first.

The word list is compiled once per version (Aho–Corasick) and followed across processes by its
version row; duplicate candidates come from the interview's n-gram index, which follows the
event log; the interview lock is taken late and the same question twice at once is still one.
"""
from __future__ import annotations

import random
import threading

import pytest

from sqlalchemy import event

from moderation.similarity import InterviewIndex, similar_candidates
from moderation.wordlist import Matcher, find_sensitive_words


def test_compiled_matcher_finds_exactly_what_word_by_word_search_finds():
    words = ["赌博", "博彩", "赌", "法轮功", "viagra", "臺獨", "ab", "aba", "Ｆａ"]
    rng = random.Random(7)
    alphabet = list("赌博彩法轮功台独臺獨 .，abAＦａ-viagr")
    texts = ["网上 賭 博 怎么举报", "赌赌赌博博彩", "法.轮.功", "buy V I A G R A", "ababababa", "关于台独言论"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(300)]
    compiled = Matcher(words)
    for text in texts:
        assert find_sensitive_words(text, compiled) == find_sensitive_words(text, words), text


def test_index_gives_the_full_comparison_up_to_its_posting_limit():
    rng = random.Random(3)
    topics = ["消防站什么时候建成", "公交线路何时调整", "老旧小区改造", "社区医院周末开门吗"]
    keys = {i: f"请问{rng.choice(topics)}{rng.choice(topics)[:rng.randint(1, 6)]}" for i in range(1, 100)}
    statuses = {i: rng.choice(["pending", "approved", "rejected", "merged"]) for i in keys}
    index = InterviewIndex(1)
    for i, key in keys.items():
        index._put(i, key, statuses[i])
    active = [(i, k) for i, k in keys.items() if statuses[i] not in ("rejected", "merged")]
    for probe in ["请问消防站什么时候建成", "公交线路调整", "老旧小区改造社区医院", "完全无关"]:
        assert index.candidates(probe, limit=3) == similar_candidates(probe, active, limit=3)


def test_own_commits_resuming_out_of_order_are_applied_in_seq_order():
    """Green threads resume from their commits in any order: a later seq waits for the earlier
    one instead of leaving the index behind (which made the next question read the log)."""
    index = InterviewIndex(1)
    index.seq = 10  # built
    index.applied(12, 2, "公交线路何时调整", "pending")
    assert index.seq == 10 and 2 not in index.keys
    index.applied(11, 1, "消防站什么时候建成", "pending")
    assert index.seq == 12 and set(index.keys) == {1, 2} and not index.pending
    index.applied(12, 2, "公交线路何时调整", "rejected")  # a seq already applied: ignored
    assert 2 in index.keys
    # A seq this process never commits (another process's event) leaves the later ones
    # pending, bounded; the log fills the gap at the next refresh.
    for seq in range(14, 14 + 300):
        index.applied(seq, 100 + seq, "老旧小区改造", "pending")
    assert index.seq == 12 and len(index.pending) <= 256


def _statements(app):
    from studio.platform.db import get_engine

    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    return seen, record, get_engine()


def test_a_question_reads_neither_earlier_questions_nor_the_word_list(app, live_interview, ask, words):
    words(*[f"敏感词{n}" for n in range(200)])
    iid = live_interview["id"]
    for n in range(40):
        assert ask(iid, f"请问第{n}个问题：社区卫生服务中心周末几点开门？").status_code == 201
    seen, record, engine = _statements(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        resp = ask(iid, "请问社区卫生服务中心周末几点开门？敏感词7")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert resp.status_code == 201
    assert not [s for s in seen if "sensitive_words" in s], seen
    # Reads of questions are by key (the same client's same text, a receipt, the ids the event
    # log names), never the interview's list.
    allowed = ("questions.client_key = ", "questions.receipt = ", "questions.id IN ", "INSERT INTO questions")
    scans = [s for s in seen if "questions" in s.split(" FROM ")[-1].split(" WHERE ")[0]
             and "question_" not in s.split(" FROM ")[-1].split(" WHERE ")[0]
             and not any(a in s for a in allowed)]
    assert not scans, scans
    assert not [s for s in seen if s.startswith("DELETE FROM question_attempts")]


def _flags(login, question_id):
    return login("moderator").get(f"/api/questions/{question_id}").get_json()["flags"]


def _dupes(login, question_id):
    return [f["question_id"] for f in _flags(login, question_id) if f["type"] == "possible_duplicate"]


def test_duplicate_suggestions_follow_rejections_edits_and_reconsideration(app, live_interview, ask, login):
    iid = live_interview["id"]
    mod = login("moderator")
    a = ask(iid, "县城消防站什么时候建成投入使用").get_json()["id"]
    b = ask(iid, "请问县城的消防站什么时候能建成投入使用").get_json()["id"]
    assert _dupes(login, b) == [a]
    assert mod.post(f"/api/questions/{a}/reject", json={"reason": "重复提问"}).status_code == 200
    c = ask(iid, "县城消防站什么时候能建成").get_json()["id"]
    assert _dupes(login, c) == [b]                        # a rejected question is no candidate
    assert mod.post(f"/api/questions/{a}/approve").status_code == 200
    d = ask(iid, "县城消防站什么时候建成投入使用呢").get_json()["id"]
    assert a in _dupes(login, d)                          # reconsidered: a candidate again
    assert mod.patch(f"/api/questions/{b}", json={"text": "老旧小区改造的补贴怎么申请"}).status_code == 200
    e = ask(iid, "请问老旧小区改造的补贴怎么申请").get_json()["id"]
    assert _dupes(login, e) == [b]                        # the edited wording is what matches
    similar = mod.get(f"/api/questions/{a}/similar").get_json()
    assert b not in [s["question_id"] for s in similar["similar"]]


def test_a_change_made_by_another_process_is_seen_by_the_next_question(app, live_interview, ask, login, words):
    """Word list and questions changed through another engine (another process's view of the
    same database): this process's compiled list and n-gram index follow at once."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session as OrmSession

    from moderation import lists, screening, wordlist
    from studio.platform.models import User

    iid = live_interview["id"]
    words("赌博")
    a = ask(iid, "县城消防站什么时候建成投入使用").get_json()["id"]
    assert ask(iid, "网上 賭 博 怎么举报").status_code == 201  # both compiled and indexed here
    other = create_engine(app.config["DATABASE_URL"])
    with OrmSession(other, expire_on_commit=False) as session:
        admin = session.query(User).filter_by(role="admin").first()
        wordlist.replace_wordlist(session, ["彩票"], admin.id)
        screening.reject_question(session, lists.get_question(session, a), admin, "重复提问")
        session.commit()
    other.dispose()
    q = ask(iid, "买彩票 赌博 县城消防站什么时候能建成投入使用").get_json()["id"]
    flags = _flags(login, q)
    assert [f["word"] for f in flags if f["type"] == "sensitive_word"] == ["彩票"]
    assert not [f for f in flags if f["type"] == "possible_duplicate"]


def test_a_pruned_event_log_rebuilds_the_index(app, live_interview, ask, login):
    """Another process edits a question and the log is pruned before this process reads the
    edit's event: the seqs this index sees next leave a gap, so it rebuilds from the table."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session as OrmSession

    from moderation import lists, screening
    from studio.platform.events import prune_events
    from studio.platform.models import User

    iid = live_interview["id"]
    a = ask(iid, "县城消防站什么时候建成投入使用").get_json()["id"]
    ask(iid, "完全无关的一个问题")  # indexed here, from this process's own commit
    other = create_engine(app.config["DATABASE_URL"])
    with OrmSession(other, expire_on_commit=False) as session:
        admin = session.query(User).filter_by(role="admin").first()
        screening.edit_question(session, lists.get_question(session, a), admin, "老旧小区改造的补贴怎么申请")
        session.flush()
        prune_events(session, iid, keep_last=0)  # the edit's event is gone before anyone read it
        session.commit()
    other.dispose()
    b = ask(iid, "县城消防站什么时候能建成投入使用").get_json()["id"]
    assert a not in _dupes(login, b)
    c = ask(iid, "请问老旧小区改造的补贴怎么申请").get_json()["id"]
    assert _dupes(login, c) == [a]


def test_own_submissions_are_indexed_without_reading_the_log(app, live_interview, ask, login):
    """The question this process just committed is the index's next seq: applied from the
    commit, so the next submission reads no events (one read fewer per netizen question)."""
    iid = live_interview["id"]
    first = ask(iid, "县城消防站什么时候建成投入使用").get_json()["id"]
    seen, record, engine = _statements(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        second = ask(iid, "请问县城的消防站什么时候能建成投入使用").get_json()["id"]
        third = ask(iid, "县城的消防站什么时候能建成投入使用呢").get_json()["id"]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not [s for s in seen if " FROM events" in s], seen
    assert _dupes(login, second) == [first]
    assert set(_dupes(login, third)) == {first, second}


def test_the_same_question_twice_at_once_is_stored_once(app, live_interview, netizen, login):
    client = netizen("127.0.0.99")
    client.post(f"/api/interviews/{live_interview['id']}/questions", json={"text": "先拿到设备号"})
    url = f"/api/interviews/{live_interview['id']}/questions"
    barrier, codes = threading.Barrier(4), []

    def send():
        barrier.wait()
        codes.append(client.post(url, json={"text": "同时提交的同一个问题"}).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 200, 200, 201]
    listed = login("moderator").get(f"{url}?status=pending").get_json()["questions"]
    assert [q["text"] for q in listed].count("同时提交的同一个问题") == 1



def test_a_submitted_question_is_a_clean_loaded_object_of_the_session(app, live_interview):
    """The INSERT is Core: the object handed back must still be the session's, as if loaded
    (no second INSERT or UPDATE at commit, its version checked by the next edit)."""
    from moderation import intake
    from moderation.models import Question
    from studio.platform.db import Session

    with app.app_context():
        session = Session()
        interview = intake.intake_interview(session, live_interview["id"], staff=False)
        q, created = intake.submit_question(session, interview, {"nickname": "老张", "text": "消防站什么时候建成"},
                                            ip="127.0.0.5", device_id="d" * 32)
        assert created and q in session and q not in session.new and q not in session.dirty
        assert session.get(Question, q.id) is q and q.version == 1 and q.merged_into_id is None
        statements = []

        def seen(conn, cursor, sql, *args):
            statements.append(sql)

        event.listen(session.get_bind(), "before_cursor_execute", seen)
        session.commit()
        event.remove(session.get_bind(), "before_cursor_execute", seen)
        assert not [s for s in statements if "questions" in s.split("(")[0]]  # only the event's INSERT
        q.text = "消防站什么时候能建成"
        session.commit()
        assert q.version == 2
        Session.remove()
    with app.app_context():
        stored = Session().get(Question, q.id)
        assert (stored.text, stored.status, stored.receipt, stored.askers) == ("消防站什么时候能建成", "pending", q.receipt, 1)
        Session.remove()


def test_intake_reads_the_interview_as_get_interview_checks_it(app, admin, live_interview):
    """intake_interview: the same refusals as get_interview, the intake's columns otherwise."""
    from moderation import intake
    from studio.platform.db import Session
    from studio.platform.errors import NotFound
    from studio.platform.streams import get_interview

    planned = admin.post("/api/interviews", json={"title": "尚未公布的访谈", "scheduled_at": "2024-04-15T09:30:00+08:00"})
    planned_id = planned.get_json()["id"]
    with app.app_context():
        session = Session()
        for interview_id, staff in ((planned_id, False), (10 ** 12, True), (True, True), (0, True), (999_999, True)):
            for read in (intake.intake_interview, get_interview):
                with pytest.raises(NotFound):
                    read(session, interview_id, staff=staff)
        row = intake.intake_interview(session, live_interview["id"], staff=False)
        full = get_interview(session, live_interview["id"])
        assert (row.id, row.kind, row.state, row.questions_open_at, row.questions_close_at, row.last_seq) == (
            full.id, full.kind, full.state, full.questions_open_at, full.questions_close_at, full.last_seq)
        assert intake.intake_interview(session, live_interview["id"]) is full  # the session's copy
        assert intake.intake_interview(session, planned_id, staff=True).state == "planned"
        Session.remove()


def test_a_taken_receipt_is_drawn_again(app, live_interview, ask, monkeypatch):
    """The first look reads whether the drawn receipt is taken in the same statement as the
    same-question check; a taken one (1 in 10¹¹) is drawn again until free."""
    from moderation import intake

    iid = live_interview["id"]
    first = ask(iid, "县城消防站什么时候建成投入使用").get_json()
    draws = iter([first["receipt"], first["receipt"], "ZZZZ2345"])
    monkeypatch.setattr(intake, "_receipt_code", lambda: next(draws))
    second = ask(iid, "老旧小区改造的补贴怎么申请").get_json()
    assert second["receipt"] == "ZZZZ2345"


def test_a_receipt_is_one_read_of_the_os_randomness_and_uniform(monkeypatch):
    import collections
    import os

    from moderation import intake

    reads = []
    real_urandom = os.urandom
    monkeypatch.setattr(os, "urandom", lambda n: reads.append(n) or real_urandom(n))
    codes = [intake._receipt_code() for _ in range(3000)]
    # secrets.choice per character read the OS 8 times a code (a getrandom call each); one
    # number of 40 bits is redrawn only when ≥ 31⁸ (a 22 % chance).
    assert len(reads) < 1.5 * len(codes)
    assert all(len(c) == intake.RECEIPT_LENGTH and set(c) <= set(intake.RECEIPT_ALPHABET) for c in codes)
    for position in (0, intake.RECEIPT_LENGTH - 1):  # every character turns up at both ends
        counts = collections.Counter(c[position] for c in codes)
        assert set(counts) == set(intake.RECEIPT_ALPHABET) and max(counts.values()) < 3 * min(counts.values())
