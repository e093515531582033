"""The moderation console's state (moderation/static/moderation_state.js, issue 9) applies events
without a DOM: run in Node, a snapshot plus events equals what the events describe."""
from __future__ import annotations

from tests.support.node import module_runner, needs_node

pytestmark = needs_node

_run = module_runner("moderation/static/moderation_state.js", "MS")


def test_snapshot_plus_events():
    got = _run("""
const Q = MS.fromSnapshot({items: [
  {id: 1, status: 'pending', text: '甲', nickname: 'a', created_at: '1', source: 'web', flags: []},
  {id: 2, status: 'pushed', text: '乙', nickname: 'b', created_at: '2', queue_position: 1, claimed_by: 3},
  {id: 3, status: 'on_air', text: '丙', nickname: 'c', created_at: '3'}]});
const results = {};
results.submitted = MS.applyEvent(Q, {type: 'question.submitted', data: {id: 4, status: 'pending', text: '丁',
  nickname: 'd', created_at: '4', source: 'hotline', flags: [{type: 'sensitive_word'}]}});
// the public form of a pushed question says approved: it stays pushed here
results.approvedPushed = MS.applyEvent(Q, {type: 'question.approved', data: {id: 2, status: 'approved'}});
results.unknown = MS.applyEvent(Q, {type: 'question.approved', data: {id: 99, status: 'approved'}});
results.onAir = MS.applyEvent(Q, {type: 'question.on_air', data: {id: 2, status: 'on_air'}});
results.state = MS.applyEvent(Q, {type: 'interview.state_changed', data: {state: 'ended'}});
results.other = MS.applyEvent(Q, {type: 'feed.posted', data: {id: 1}});
console.log(JSON.stringify({results, statuses: Object.fromEntries(Object.values(Q).map(q => [q.id, q.status])),
  claim: Q[2].claimed_by,
  pending: MS.visible(Q, 'pending', {source: '', flag: '', text: ''}).map(q => q.id),
  hotline: MS.visible(Q, 'pending', {source: 'hotline', flag: 'sensitive_word', text: ''}).map(q => q.id),
  pushedTab: MS.visible(Q, 'pushed', {source: '', flag: '', text: ''}).map(q => q.id)}));
""")
    r = got["results"]
    assert r["submitted"] == {"render": True, "state": None, "refresh": []}
    assert r["unknown"]["refresh"] == [99]
    assert got["statuses"] == {"1": "pending", "2": "on_air", "3": "answered", "4": "pending"}
    assert got["claim"] is None          # a status change (public form) ends the claim
    assert r["state"] == {"render": False, "state": "ended", "refresh": ["2"]}
    assert r["other"]["render"] is False
    assert got["pending"] == [1, 4] and got["hotline"] == [4] and got["pushedTab"] == [2]
