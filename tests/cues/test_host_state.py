"""The host console's state (studio/cues/static/host_state.js, issue 9) applies events without a
DOM: run in Node, events applied to a state give what a fresh load gives."""
from __future__ import annotations

from tests.support.node import module_runner, needs_node

pytestmark = needs_node

_run = module_runner("studio/cues/static/host_state.js", "HS")


def test_events_move_the_card_queue_and_messages():
    got = _run("""
const S = HS.create();
HS.applyFull(S, {version: 3, current: 0, cards: [{id: 1, planned_s: 60}, {id: 2, planned_s: 90}],
                 show_started_at: '2026-01-01T10:00:00+08:00', card_started_at: '2026-01-01T10:00:00+08:00',
                 host_messages: []});
const moved = HS.applyEvent(S, {type: 'cue.changed', data: {version: 4, current: 1,
  show_started_at: '2026-01-01T10:00:00+08:00', card_started_at: '2026-01-01T10:01:30+08:00',
  planned_offset_s: 60, left: {index: 0, id: 1, actual_s: 90}}});
const stale = HS.applyEvent(S, {type: 'cue.changed', data: {version: 2, current: 0}});
HS.applyEvent(S, {type: 'host.message', data: {id: 7, text: '时间到'}});
HS.applyEvent(S, {type: 'host.message', data: {id: 7, text: '时间到'}});
HS.applyEvent(S, {type: 'question.pushed', data: {id: 5, text: '问', queue_position: 2}});
const onAir = HS.applyEvent(S, {type: 'question.on_air', data: {id: 6, text: '另一个'}});
const submitted = HS.applyEvent(S, {type: 'question.submitted', data: {id: 9}});
const t = HS.timers(S, Date.parse('2026-01-01T10:03:30+08:00'));
console.log(JSON.stringify({current: S.current, display: S.display, actual: S.cards[0].actual_s, moved, stale,
  messages: S.messages.length, queue: HS.questionList(S).map(q => [q.id, q.status]), onAir, submitted, t}));
""")
    assert got["current"] == 1 and got["display"] == 1 and got["actual"] == 90
    assert got["moved"]["render"] and not got["moved"]["loadCues"]
    assert got["messages"] == 1
    assert got["queue"] == [[6, "on_air"], [5, "pushed"]]
    assert got["onAir"]["renderQueue"] and got["onAir"]["loadQuestions"]
    assert not got["submitted"]["renderQueue"] and not got["submitted"]["loadQuestions"]
    # card 2 started 10:01:30 (planned 60 s in): 30 s late, 120 s into a 90 s card: 30 s over
    assert got["t"]["card"] == {"elapsed": 120, "planned": 90}
    assert got["t"]["show"] == {"elapsed": 210, "total": 150}
    assert got["t"]["drift"] == 60


def test_state_change_asks_for_a_reload_and_nothing_else_changes():
    got = _run("""
const S = HS.create();
const todo = HS.applyEvent(S, {type: 'interview.state_changed', data: {state: 'live'}});
console.log(JSON.stringify({todo, timers: HS.timers(S, Date.now())}));
""")
    assert got["todo"] == {"render": False, "renderQueue": False, "full": False, "loadCues": True, "loadQuestions": True}
    assert got["timers"] == {"card": None, "show": None, "drift": None}


def test_a_reset_zeroes_every_cards_time_as_the_server_did():
    got = _run("""
const S = HS.create();
HS.applyFull(S, {version: 3, current: 1, cards: [{id: 1, planned_s: 60, actual_s: 75}, {id: 2, planned_s: 90, actual_s: 12}],
                 show_started_at: '2026-01-01T10:00:00+08:00', card_started_at: '2026-01-01T10:01:15+08:00',
                 host_messages: []});
HS.applyEvent(S, {type: 'cue.changed', data: {version: 4, current: 0, action: 'reset',
  show_started_at: null, card_started_at: null, planned_offset_s: 0, left: null}});
console.log(JSON.stringify({current: S.current, actual: S.cards.map(c => c.actual_s)}));
""")
    assert got == {"current": 0, "actual": [0, 0]}
