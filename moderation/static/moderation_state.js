/* Moderation console state (issue 9): the questions by id and how live events change them, with
 * no DOM. moderation.js renders them and wires the controls.
 *
 * Pure functions over a plain {id: question} map, so they run in Node as well as in the page
 * (tests/moderation/test_moderation_state.py applies events there).
 */
(function (global) {
  'use strict';

  // Which statuses each tab lists: the host's current question stays visible under 已推送.
  var TAB_STATUSES = { pending: ['pending'], approved: ['approved'], pushed: ['pushed', 'on_air'],
                       rejected: ['rejected'], answered: ['answered'] };

  /* The map from the snapshot part "questions". */
  function fromSnapshot(part) {
    var questions = {};
    ((part && part.items) || []).forEach(function (q) { questions[q.id] = q; });
    return questions;
  }

  /* Merge a question's fields. staffForm: the full staff form (events of /studio, API answers);
   * otherwise public fields only, and a status change ends the claim. */
  function upsert(questions, data, staffForm) {
    var current = questions[data.id];
    if (!current || staffForm) { questions[data.id] = Object.assign(current || {}, data); return; }
    if (data.status && data.status !== current.status) { current.claimed_by = null; current.claimed_until = null; }
    Object.assign(current, data);
  }

  /* Public events carry only the public fields; a pushed question shows as "approved" there.
   * Returns false when the question is unknown here (the page fetches it). */
  function mergePublic(questions, data, keepStatus) {
    var current = questions[data.id];
    if (!current) return false;
    var status = current.status;
    upsert(questions, data, false);
    if (keepStatus) current.status = status;
    return true;
  }

  /* Apply one /studio event. Returns {render, state (the interview's new state, if it changed),
   * refresh (ids the page must fetch anew)}. */
  function applyEvent(questions, ev) {
    var d = ev.data || {};
    var todo = { render: true, state: null, refresh: [] };
    switch (ev.type) {
      case 'question.submitted':
      case 'question.rejected':
      case 'question.edited':
      case 'question.marked':
      case 'question.pushed':
      case 'question.unpushed':
      case 'question.reply_assigned':
        upsert(questions, d, true);
        break;
      case 'question.merged':
        if (d.into) { upsert(questions, d.into, true); delete d.into; }
        upsert(questions, d, true);
        break;
      case 'question.approved':
      case 'question.answered':
        if (!mergePublic(questions, d, questions[d.id] && questions[d.id].status === 'pushed' && d.status === 'approved')) {
          todo.refresh.push(d.id);
        }
        break;
      case 'question.on_air':
        Object.keys(questions).forEach(function (id) {
          if (questions[id].status === 'on_air' && +id !== d.id) questions[id].status = 'answered';
        });
        if (!mergePublic(questions, d, false)) todo.refresh.push(d.id);
        break;
      case 'question.updated':
      case 'question.replied':
        if (!mergePublic(questions, d, true)) todo.refresh.push(d.id);
        break;
      case 'question.reordered':
        (d.order || []).forEach(function (id, index) {
          var q = questions[id];
          if (q) { q.queue_position = index + 1; q.version = d.versions[String(id)] || q.version; }
        });
        break;
      case 'question.claimed':
        if (questions[d.id]) {
          questions[d.id].claimed_by = d.claimed_by;
          questions[d.id].claimed_until = d.claimed_until;
          questions[d.id].version = d.version;
        }
        break;
      case 'interview.state_changed':
        todo.render = false;
        todo.state = d.state;
        if (d.state === 'ended' || d.state === 'published') {
          // The server took the question on air as answered (no event of its own): fetch it anew.
          Object.keys(questions).forEach(function (id) { if (questions[id].status === 'on_air') todo.refresh.push(id); });
        }
        break;
      default:
        todo.render = false;
    }
    return todo;
  }

  /* The questions a tab lists under the filters {source, flag, text}, in the tab's order. */
  function visible(questions, tab, filters) {
    var statuses = TAB_STATUSES[tab];
    var source = filters.source, flag = filters.flag, text = filters.text;
    var items = Object.keys(questions).map(function (id) { return questions[id]; }).filter(function (q) {
      if (statuses.indexOf(q.status) < 0) return false;
      if (source && q.source !== source) return false;
      if (flag === 'starred' && !q.starred) return false;
      if (flag === 'labelled' && !(q.labels || []).length) return false;
      if (flag === 'none' && ((q.flags || []).length || q.starred)) return false;
      if ((flag === 'sensitive_word' || flag === 'possible_duplicate') &&
          !(q.flags || []).some(function (f) { return f.type === flag; })) return false;
      if (text && (q.text + ' ' + q.nickname + ' #' + q.id).indexOf(text) < 0) return false;
      return true;
    });
    items.sort(function (a, b) {
      if (tab === 'pushed') {
        if (a.status !== b.status) return a.status === 'on_air' ? -1 : 1;
        return (a.queue_position || 0) - (b.queue_position || 0);
      }
      if (tab === 'answered') return a.answered_at < b.answered_at ? 1 : -1;
      if (tab === 'rejected') return a.updated_at < b.updated_at ? 1 : -1;
      if (a.starred !== b.starred) return a.starred ? -1 : 1;
      return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id;
    });
    return items;
  }

  /* The host's queue: the pushed questions' ids by queue position. */
  function queueOrder(questions) {
    return Object.keys(questions).map(function (id) { return questions[id]; })
      .filter(function (q) { return q.status === 'pushed'; })
      .sort(function (a, b) { return a.queue_position - b.queue_position; })
      .map(function (q) { return q.id; });
  }

  var api = { TAB_STATUSES: TAB_STATUSES, fromSnapshot: fromSnapshot, upsert: upsert, mergePublic: mergePublic,
              applyEvent: applyEvent, visible: visible, queueOrder: queueOrder };
  global.FangtanModerationState = api;
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
})(typeof window !== 'undefined' ? window : globalThis);
