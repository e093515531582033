/* Host console state (issue 9): the page's state and how server answers and live events change
 * it, with no DOM. host.js renders this state and wires the controls.
 *
 * Pure functions over a plain object, so they run in Node as well as in the page
 * (tests/cues/test_host_state.py applies events to a state there). Times are epoch ms.
 */
(function (global) {
  'use strict';

  function create() {
    return {
      cards: [], current: 0, version: -1, display: 0, pending: 0,
      cardStartedAt: null, showStartedAt: null, showEndedAt: null, plannedOffset: 0,
      skew: 0, bestRtt: Infinity, localCardStart: null,
      messages: [], questions: {}, selectedQuestion: null, script: null,
    };
  }

  function ms(iso) { return iso ? Date.parse(iso) : null; }

  /* One clock sample: the server's time at the midpoint of the round trip (t0..t1, local ms). */
  function clockSample(S, serverIso, t0, t1) {
    if (!serverIso) return;
    var rtt = Math.max(0, t1 - t0);
    // Keep the sample with the shortest round trip: it bounds the error best.
    if (rtt <= S.bestRtt + 20) {
      S.bestRtt = Math.min(S.bestRtt, rtt);
      S.skew = Date.parse(serverIso) - (t0 + rtt / 2);
    }
  }

  /* A cue position (cue.changed, a move's answer): older versions are ignored. */
  function applyPosition(S, p) {
    if (!p || typeof p.version !== 'number' || p.version < S.version) return;
    S.version = p.version;
    S.current = p.current || 0;
    S.cardStartedAt = ms(p.card_started_at || p.started_at);
    S.showStartedAt = ms(p.show_started_at);
    S.showEndedAt = ms(p.show_ended_at);
    S.plannedOffset = p.planned_offset_s || 0;
    if (p.left && S.cards[p.left.index] && S.cards[p.left.index].id === p.left.id) {
      S.cards[p.left.index].actual_s = p.left.actual_s;
    }
    // A reset zeroes every card's time on the server (studio/cues/services.py): the event says
    // so with its action, not with the cards.
    if (p.action === 'reset') S.cards.forEach(function (card) { card.actual_s = 0; });
    if (S.pending === 0) { S.display = S.current; S.localCardStart = null; }
  }

  /* The whole cue state (GET …/cues, cue.cards_changed): its cards always win over ours. */
  function applyFull(S, data) {
    if (!data) return;
    if (Array.isArray(data.cards) && typeof data.version === 'number' && data.version >= S.version) {
      S.cards = data.cards;
      S.version = -1;
    }
    applyPosition(S, data);
    if (data.script !== undefined) S.script = data.script;
    if (Array.isArray(data.host_messages)) S.messages = data.host_messages.slice();
  }

  // ---- pushed questions (the moderation area owns them; the host shows and acts on them) ------
  var QUESTION_EVENT_STATUS = { 'question.pushed': 'pushed', 'question.on_air': 'on_air', 'question.answered': 'answered' };

  function upsertQuestion(S, q) {
    if (!q || q.id == null) return;
    S.questions[q.id] = Object.assign({}, S.questions[q.id] || {}, q);
  }

  function questionsFrom(data) {
    if (Array.isArray(data)) return data;
    return (data && (data.questions || data.items)) || [];
  }

  /* The host's queue: on air first, then by queue position, then by id. */
  function questionList(S) {
    return Object.keys(S.questions).map(function (k) { return S.questions[k]; })
      .filter(function (q) { return q.status === 'pushed' || q.status === 'on_air'; })
      .sort(function (a, b) {
        if ((a.status === 'on_air') !== (b.status === 'on_air')) return a.status === 'on_air' ? -1 : 1;
        var pa = a.queue_position == null ? 1e9 : a.queue_position, pb = b.queue_position == null ? 1e9 : b.queue_position;
        return pa - pb || a.id - b.id;
      });
  }

  /* Apply one /studio event. Returns what the page must do next:
   * {render, renderQueue, full (the cards changed: the script editor too), loadCues, loadQuestions}. */
  function applyEvent(S, ev) {
    var data = ev.data || {};
    var todo = { render: false, renderQueue: false, full: false, loadCues: false, loadQuestions: false };
    switch (ev.type) {
      case 'cue.changed':
        applyPosition(S, data);
        todo.render = true;
        break;
      case 'cue.cards_changed':
        applyFull(S, data);
        todo.render = todo.full = true;
        break;
      case 'host.message':
        if (!S.messages.some(function (m) { return m.id === data.id; })) S.messages.push(data);
        todo.render = true;  // the banner takes room from the card: refit its text
        break;
      case 'host.message_dismissed':
        S.messages = S.messages.filter(function (m) { return (data.ids || []).indexOf(m.id) < 0; });
        todo.render = true;
        break;
      case 'interview.state_changed':
        todo.loadCues = true;       // going live starts the show timer, ending it stops it
        todo.loadQuestions = true;  // ending it takes the question on air as answered
        break;
      default:
        if (ev.type.indexOf('question.') !== 0) break;
        var q = data.question || data;
        if (QUESTION_EVENT_STATUS[ev.type] && q && q.id != null) {
          upsertQuestion(S, Object.assign({}, q, { status: q.status || QUESTION_EVENT_STATUS[ev.type] }));
          todo.renderQueue = true;
        }
        // reconcile order and anything we cannot infer
        if (ev.type !== 'question.submitted') todo.loadQuestions = true;
    }
    return todo;
  }

  // ---- timers -------------------------------------------------------------------------------
  function plannedTotal(S) { return S.cards.reduce(function (a, c) { return a + (c.planned_s || 0); }, 0); }

  /* The timer figures at server time `now` (ms): {card, show, drift}, each null when not running.
   * card: {elapsed, planned, over}, show: {elapsed, total}, drift: seconds behind (+) or ahead (−). */
  function timers(S, now) {
    var frozen = S.showEndedAt || now;
    var cur = S.cards[Math.min(S.display, S.cards.length - 1)];
    var cardStart = S.pending > 0 ? S.localCardStart : S.cardStartedAt;
    var out = { card: null, show: null, drift: null };
    if (cur && cardStart && S.showStartedAt) {
      var elapsed = Math.max(0, (frozen - cardStart) / 1000);
      out.card = { elapsed: elapsed, planned: cur.planned_s || 0 };
    }
    if (S.showStartedAt) {
      out.show = { elapsed: Math.max(0, (frozen - S.showStartedAt) / 1000), total: plannedTotal(S) };
      // Ahead or behind the plan: when this card started against when the plan has it start,
      // plus any overrun of this card itself.
      if (cur && S.cardStartedAt && S.pending === 0) {
        var startedLate = (S.cardStartedAt - S.showStartedAt) / 1000 - S.plannedOffset;
        var overrun = Math.max(0, (frozen - S.cardStartedAt) / 1000 - (cur.planned_s || 0));
        out.drift = startedLate + overrun;
      }
    }
    return out;
  }

  var api = { create: create, clockSample: clockSample, applyPosition: applyPosition, applyFull: applyFull,
              applyEvent: applyEvent, upsertQuestion: upsertQuestion, questionsFrom: questionsFrom,
              questionList: questionList, plannedTotal: plannedTotal, timers: timers };
  global.FangtanHostState = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(typeof window !== 'undefined' ? window : globalThis);
