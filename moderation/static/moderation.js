/* The moderator console (问题审核): live lists from /studio events, keyboard-first screening.
 *
 * State is one map id -> question (staff JSON) built from the snapshot and kept current by
 * events; public events (question.approved/on_air/answered/updated/replied) carry the public form
 * and are merged into what we hold. Every action sends the version we saw; a 409 answer means
 * another moderator was faster, and its message says who.
 */
(function (global) {
  'use strict';

  var FL = global.FangtanLive;
  var root = document.getElementById('mod');
  var interviewId = parseInt(root.dataset.interviewId, 10);
  var myId = parseInt(root.dataset.userId, 10);
  var reasons = JSON.parse(root.dataset.reasons);
  var STATUS_NAMES = { pending: '待审核', approved: '已通过', pushed: '已推送', on_air: '正在回答', answered: '已回答',
                       rejected: '已驳回', merged: '已合并' };
  var SOURCE_NAMES = { web: '网站', hotline: '热线', onsite: '现场' };
  var STATE_NAMES = JSON.parse(root.dataset.stateNames || '{}');
  // What overturning a decision turns it into, and what the decision was (for the confirmation).
  var VERBS = { approve: '通过', reject: '驳回', merge: '合并' };
  var DECIDED = { approved: '通过', pushed: '通过并推送', rejected: '驳回' };
  // The questions and their event application live in moderation_state.js (no DOM); this file
  // renders them and wires the controls.
  var MS = global.FangtanModerationState;
  var TAB_STATUSES = MS.TAB_STATUSES;
  var TAB_KEYS = { '1': 'pending', '2': 'approved', '3': 'pushed', '4': 'rejected', '5': 'answered' };

  var questions = {};
  var tab = 'pending';
  var selectedId = null;
  var checked = {};
  var live = null;

  function $(id) { return document.getElementById(id); }
  var el = FangtanLive.el;

  // ---- feedback ---------------------------------------------------------------------------
  function toast(message, kind) { FangtanKit.toast('toast', message, kind); }

  function fail(err, questionId) {
    toast(err.message || '操作失败', 'error');
    if (err.status === 409 && questionId) refreshQuestion(questionId);
  }

  function refreshQuestion(id) {
    FL.api('GET', '/api/questions/' + id).then(function (q) { upsert(q, true); render(); });
  }

  // ---- state --------------------------------------------------------------------------------
  function upsert(data, staffForm) { MS.upsert(questions, data, staffForm); }

  function applyEvent(ev) {
    var todo = MS.applyEvent(questions, ev);
    if (todo.state) showState(todo.state);
    todo.refresh.forEach(refreshQuestion);
    if (todo.render) render();
  }

  // ---- rendering ------------------------------------------------------------------------------
  function showState(state) {
    var badge = $('interview-state');
    badge.dataset.state = state;
    badge.textContent = STATE_NAMES[state] || state;
  }

  function visible() {
    return MS.visible(questions, tab, { source: $('filter-source').value, flag: $('filter-flag').value,
                                        text: $('filter-text').value.trim() });
  }

  /* The text with sensitive-word spans marked (flags carry start/end in the current text). */
  function highlighted(q) {
    var node = el('div', 'q-text');
    var spans = (q.flags || []).filter(function (f) { return f.type === 'sensitive_word' && f.end > f.start; })
      .sort(function (a, b) { return a.start - b.start; });
    var pos = 0;
    spans.forEach(function (f) {
      if (f.start < pos) return;
      node.appendChild(document.createTextNode(q.text.slice(pos, f.start)));
      var mark = el('mark', 'sensitive', q.text.slice(f.start, f.end));
      mark.title = '敏感词：' + f.word;
      node.appendChild(mark);
      pos = f.end;
    });
    node.appendChild(document.createTextNode(q.text.slice(pos)));
    return node;
  }

  /* A character diff (LCS) of the original and the edited text: deletions struck, insertions marked. */
  function diff(before, after) {
    var a = Array.from(before), b = Array.from(after);
    var n = a.length, m = b.length, i, j;
    var dp = [];
    for (i = 0; i <= n; i++) { dp.push(new Array(m + 1).fill(0)); }
    for (i = n - 1; i >= 0; i--) for (j = m - 1; j >= 0; j--)
      dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
    var out = el('div', 'diff'), run = '', kind = 'same';
    function flush() {
      if (!run) return;
      out.appendChild(kind === 'same' ? document.createTextNode(run) : el(kind === 'del' ? 'del' : 'ins', null, run));
      run = '';
    }
    function put(k, ch) { if (k !== kind) { flush(); kind = k; } run += ch; }
    i = 0; j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) { put('same', a[i]); i++; j++; }
      else if (dp[i + 1][j] >= dp[i][j + 1]) { put('del', a[i]); i++; }
      else { put('ins', b[j]); j++; }
    }
    while (i < n) put('del', a[i++]);
    while (j < m) put('ins', b[j++]);
    flush();
    return out;
  }

  /* What in a question's text looks like a netizen's own number (a mobile, a landline, an ID card):
   * an approved question is public, so the moderator is told before approving (修改 can take it
   * out). Full-width digits and spaces or dashes between digits still count. */
  var PERSONAL_KINDS = { phone: '手机号', id_card: '身份证号', landline: '电话号码' };
  function personalInfo(text) {
    var digits = String(text || '').replace(/[\uff10-\uff19]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/(\d)[\s\-\u2014\uff0d]+(?=\d)/g, '$1');
    var found = [];
    if (/(^|\D)1[3-9]\d{9}(?!\d)/.test(digits)) found.push('手机号');
    if (/(^|\D)\d{17}[\dXx](?![\dXx])/.test(digits)) found.push('身份证号');
    else if (/(^|\D)0\d{2,3}\d{7,8}(?!\d)/.test(digits)) found.push('电话号码');
    return found;
  }

  /* A claim lapses by itself after its time (the server stops honouring it then too). */
  function claimer(q) {
    if (!q.claimed_by || !q.claimed_until || new Date(q.claimed_until) < new Date()) return null;
    return q.claimed_by;
  }

  function renderItem(q) {
    var li = el('li', 'q status-' + q.status);
    var claim = claimer(q);
    li.dataset.questionId = q.id;
    li.tabIndex = -1;
    if (q.id === selectedId) li.classList.add('selected');
    if (claim && claim.id !== myId) li.classList.add('claimed');
    if (tab === 'pushed' && q.status === 'pushed') li.draggable = true;

    var head = li.appendChild(el('div', 'q-head'));
    var box = head.appendChild(el('input'));
    box.type = 'checkbox';
    box.className = 'q-check';
    box.checked = !!checked[q.id];
    box.setAttribute('aria-label', '勾选 #' + q.id);
    head.appendChild(el('span', 'q-id', '#' + q.id));
    if (tab === 'pushed' && q.status === 'pushed') head.appendChild(el('span', 'q-pos', '第 ' + q.queue_position + ' 位'));
    if (q.status === 'on_air') head.appendChild(el('span', 'badge live', '正在回答'));
    head.appendChild(el('span', 'q-nick', q.nickname));
    head.appendChild(el('span', 'badge source-' + q.source, SOURCE_NAMES[q.source] || q.source));
    head.appendChild(el('time', 'muted', FL.formatTime(q.created_at)));
    if (q.askers > 1) head.appendChild(el('span', 'badge askers', q.askers + ' 人提问'));
    if (q.starred) head.appendChild(el('span', 'star', '★'));
    (q.labels || []).forEach(function (label) { head.appendChild(el('span', 'badge label', label)); });
    if (q.has_contact) {
      var contact = head.appendChild(el('button', 'link contact', '联系方式'));
      contact.type = 'button';
      contact.dataset.action = 'contact';
    }
    if (claim) head.appendChild(el('span', 'badge claim', (claim.id === myId ? '我' : claim.name) + ' 正在处理'));

    li.appendChild(highlighted(q));
    if (q.original_text) {
      var orig = li.appendChild(el('details', 'q-original'));
      orig.appendChild(el('summary', null, '已修改，查看与原文的差异'));
      orig.appendChild(diff(q.original_text, q.text));
    }
    var flags = (q.flags || []);
    var words = flags.filter(function (f) { return f.type === 'sensitive_word'; });
    if (words.length) {
      li.appendChild(el('div', 'q-flags sensitive', '敏感词：' + words.map(function (f) { return f.word; })
        .filter(function (w, i, all) { return all.indexOf(w) === i; }).join('、')));
    }
    // The server's flag (moderation/personal.py, the rule that holds the question); this page's
    // own check only for a question stored before the server flagged them.
    var personal = flags.filter(function (f) { return f.type === 'personal_info'; })
      .map(function (f) { return PERSONAL_KINDS[f.kind] || '个人信息'; });
    if (!personal.length) personal = personalInfo(q.text);
    if (personal.length && ['pending', 'approved', 'pushed', 'on_air'].indexOf(q.status) >= 0) {
      li.appendChild(el('div', 'q-flags personal', '疑似含' + personal.join('、') + '：通过后会公开显示，请先“修改”删去'));
    }
    flags.filter(function (f) { return f.type === 'possible_duplicate'; }).forEach(function (f) {
      var other = questions[f.question_id];
      if (!other || other.status === 'rejected' || other.status === 'merged') return;
      var line = li.appendChild(el('div', 'q-flags duplicate'));
      line.appendChild(document.createTextNode('可能与 #' + f.question_id + ' 重复（' + Math.round(f.score * 100) + '%）：' +
        other.text.slice(0, 40) + ' '));
      var b = line.appendChild(el('button', 'link', '合并到 #' + f.question_id));
      b.type = 'button';
      b.dataset.action = 'merge-into';
      b.dataset.target = f.question_id;
    });
    if (q.merged_questions && q.merged_questions.length) {
      var merged = li.appendChild(el('details', 'q-merged'));
      merged.appendChild(el('summary', null, '已合并 ' + q.merged_questions.length + ' 个同类问题'));
      var ol = merged.appendChild(el('ul'));
      q.merged_questions.forEach(function (m) { ol.appendChild(el('li', null, '#' + m.id + ' ' + m.nickname + '：' + m.text)); });
    }
    if (q.reject_reason && q.status === 'rejected') li.appendChild(el('div', 'q-reason', '驳回理由：' + q.reject_reason));
    if (q.handled_by && q.status !== 'pending') li.appendChild(el('div', 'muted small', '处理人：' + q.handled_by.name));

    var actions = li.appendChild(el('div', 'q-actions'));
    function button(action, label, key) {
      var b = actions.appendChild(el('button', 'act', label));
      b.type = 'button';
      b.dataset.action = action;
      if (key) b.title = '快捷键 ' + key;
    }
    if (q.status === 'pending' || q.status === 'rejected') button('approve', '通过', 'A');
    if (['pending', 'approved', 'pushed'].indexOf(q.status) >= 0) button('reject', '驳回', 'R');
    if (['pending', 'approved', 'pushed', 'on_air'].indexOf(q.status) >= 0) button('edit', '修改', 'E');
    if (['pending', 'approved', 'pushed'].indexOf(q.status) >= 0) button('merge', '合并', 'M');
    // Held ones (sensitive word, personal info) are approved first: the server refuses to push them.
    var held = words.length || flags.some(function (f) { return f.type === 'personal_info'; });
    if (q.status === 'approved' || (q.status === 'pending' && !held)) button('push', '推送给主持人', 'P');
    if (q.status === 'pushed') { button('up', '上移', '['); button('down', '下移', ']'); button('unpush', '撤回推送', 'U'); }
    button('star', q.starred ? '取消星标' : '星标', 'S');
    button('label', '标签', 'L');
    return li;
  }

  function render() {
    var counts = { pending: 0, approved: 0, pushed: 0, rejected: 0, answered: 0 };
    Object.keys(questions).forEach(function (id) {
      var s = questions[id].status;
      if (s === 'on_air') s = 'pushed';
      if (s in counts) counts[s]++;
    });
    Object.keys(counts).forEach(function (s) {
      document.querySelector('[data-count="' + s + '"]').textContent = counts[s];
    });
    var items = visible();
    if (selectedId !== null && !items.some(function (q) { return q.id === selectedId; })) {
      selectedId = items.length ? items[0].id : null;  // the selected one left this list: take the next
    }
    if (selectedId === null && items.length) selectedId = items[0].id;
    var list = $('questions');
    var scroll = list.scrollTop;
    list.textContent = '';
    items.forEach(function (q) { list.appendChild(renderItem(q)); });
    list.scrollTop = scroll;
    $('list-empty').hidden = items.length > 0;
    Object.keys(checked).forEach(function (id) { if (!questions[id] || TAB_STATUSES[tab].indexOf(questions[id].status) < 0) delete checked[id]; });
    var sel = list.querySelector('.selected');
    if (sel && sel.scrollIntoView) sel.scrollIntoView({ block: 'nearest' });
  }

  function setTab(name) {
    tab = name;
    selectedId = null;
    checked = {};
    $('check-all').checked = false;
    document.querySelectorAll('.mod-tabs .tab').forEach(function (b) { b.classList.toggle('active', b.dataset.tab === name); });
    render();
  }

  // ---- actions ----------------------------------------------------------------------------------
  function post(q, path, body) {
    body = Object.assign({ version: q.version }, body || {});
    return FL.api('POST', '/api/questions/' + q.id + '/' + path, body).then(function (res) {
      upsert(res, true); render(); return res;
    }).catch(function (err) {
      if (err.code === 'decided_by_other' && err.question && !body.confirm) return confirmOverturn(q, path, body, err);
      fail(err, q.id); throw err;
    });
  }

  /* Another moderator decided this a moment ago: show the current state, name who decided what,
   * and only overturn it when the moderator confirms (sending the status shown, issue 8.2). */
  function confirmOverturn(q, path, body, err) {
    upsert(err.question, true);
    render();
    var who = (err.decided_by && err.decided_by.name) || '其他审核员';
    var message = '审核员 ' + who + ' 于 ' + FL.formatTime(err.decided_at).slice(0, 5) + ' 已' +
      (DECIDED[err.decided_status] || STATUS_NAMES[err.decided_status] || '处理') + '此问题，确定改为' + (VERBS[path] || path) + '？';
    if (!global.confirm(message)) {
      toast('已保留 ' + who + ' 的决定（' + (STATUS_NAMES[err.decided_status] || err.decided_status) + '）');
      return Promise.reject(err);
    }
    return post(questions[q.id] || q, path, Object.assign({}, body, {
      version: err.question.version, expected_status: err.decided_status, confirm: true }));
  }

  function selected() { return selectedId !== null ? questions[selectedId] : null; }

  function approve(q) { return post(q, 'approve').then(function () { toast('已通过 #' + q.id); }, function () {}); }
  function push(q) { return post(q, 'push').then(function () { toast('已推送给主持人 #' + q.id); }, function () {}); }
  function unpush(q) { return post(q, 'unpush').then(function () {}, function () {}); }

  function toggleStar(q) {
    FL.api('PATCH', '/api/questions/' + q.id, { starred: !q.starred })
      .then(function (res) { upsert(res, true); render(); }).catch(function (err) { fail(err, q.id); });
  }

  function editLabels(q) {
    var value = global.prompt('标签（用逗号或空格分隔）', (q.labels || []).join('，'));
    if (value === null) return;
    var labels = value.split(/[,，、\s]+/).filter(Boolean);
    FL.api('PATCH', '/api/questions/' + q.id, { labels: labels })
      .then(function (res) { upsert(res, true); render(); }).catch(function (err) { fail(err, q.id); });
  }

  function showContact(q) {
    FL.api('GET', '/api/questions/' + q.id).then(function (full) {
      toast('#' + q.id + ' 联系方式：' + (full.contact || '（无）'));
    }).catch(function (err) { fail(err); });
  }

  function claim(q) {
    if (!live) return Promise.resolve();
    return live.action('question.claim', { question_id: q.id });
  }

  function release(q) {
    if (live && q) live.action('question.release', { question_id: q.id }).catch(function () {});
  }

  // Reject: one question or the checked ones.
  var rejectTargets = [];
  function openReject(targets) {
    if (!targets.length) return;
    rejectTargets = targets;
    $('reject-count').textContent = targets.length > 1 ? '（' + targets.length + ' 个）' : '#' + targets[0].id;
    $('reject-reason').value = '';
    $('reject-dialog').showModal();
    $('reject-reason').focus();
  }

  function doReject(reason) {
    var targets = rejectTargets;
    $('reject-dialog').close();
    if (targets.length === 1) {
      post(targets[0], 'reject', { reason: reason }).then(function () { toast('已驳回 #' + targets[0].id); }, function () {});
    } else {
      bulk('reject', targets, reason);
    }
  }

  function bulk(action, targets, reason) {
    var ids = targets.map(function (q) { return q.id; });
    FL.api('POST', '/api/interviews/' + interviewId + '/questions/bulk', { ids: ids, action: action, reason: reason || '' })
      .then(function (res) {
        checked = {};
        $('check-all').checked = false;
        var msg = (action === 'approve' ? '已通过 ' : '已驳回 ') + res.done.length + ' 个';
        if (res.skipped.length) {
          msg += '；跳过 ' + res.skipped.length + ' 个：' + res.skipped.map(function (s) { return '#' + s.id + ' ' + s.message; }).join('；');
        }
        toast(msg, res.skipped.length ? 'error' : 'info');
        render();
      }).catch(function (err) { fail(err); });
  }

  function checkedQuestions() {
    var list = Object.keys(checked).map(function (id) { return questions[id]; }).filter(Boolean);
    if (!list.length && selected()) list = [selected()];
    return list;
  }

  // Edit with the original kept: claim it while the dialog is open.
  var editing = null;
  function openEdit(q) {
    claim(q).then(function () {
      editing = q;
      $('edit-text').value = q.text;
      showEditDiff();
      $('edit-dialog').showModal();
      $('edit-text').focus();
    }).catch(function (err) { fail(err, q.id); });
  }

  function showEditDiff() {
    var q = editing;
    var box = $('edit-diff');
    box.textContent = '';
    if (q) box.appendChild(diff(q.original_text || q.text, $('edit-text').value));
    // While fixing the text: the same rule as the server's, so the moderator sees the number is gone.
    var personal = personalInfo($('edit-text').value);
    if (personal.length) box.appendChild(el('p', 'q-flags personal', '仍疑似含' + personal.join('、') + '，请删去'));
  }

  function saveEdit() {
    var q = editing;
    editing = null;
    $('edit-dialog').close();
    if (!q) return;
    var text = $('edit-text').value;
    if (text.trim() === q.text) { release(q); return; }
    FL.api('PATCH', '/api/questions/' + q.id, { text: text, version: questions[q.id].version })
      .then(function (res) { upsert(res, true); render(); toast('已修改 #' + q.id); })
      .catch(function (err) { fail(err, q.id); release(q); });
  }

  // Merge into a suggested (or typed) question.
  var merging = null;
  function openMerge(q) {
    merging = q;
    var list = $('merge-candidates');
    list.textContent = '加载相似问题…';
    $('merge-target').value = '';
    $('merge-dialog').showModal();
    FL.api('GET', '/api/questions/' + q.id + '/similar').then(function (res) {
      list.textContent = '';
      if (!res.similar.length) list.appendChild(el('li', 'muted', '没有找到相似问题，可输入编号'));
      res.similar.forEach(function (s, index) {
        var li = list.appendChild(el('li'));
        var b = li.appendChild(el('button', 'candidate', (index + 1) + '. #' + s.question_id + '（' +
          Math.round(s.score * 100) + '%，' + (STATUS_NAMES[s.question.status] || '') + '）' + s.question.text));
        b.type = 'button';
        b.dataset.target = s.question_id;
      });
      var first = list.querySelector('button.candidate');
      if (first) first.focus();
    }).catch(function (err) { list.textContent = err.message; });
  }

  function mergeInto(q, target) {
    $('merge-dialog').close();
    merging = null;
    target = parseInt(target, 10);
    if (!target) return;
    post(q, 'merge', { into: target }).then(function () { toast('#' + q.id + ' 已合并到 #' + target); }, function () {});
  }

  // Host queue order: by keys and by drag.
  function queueOrder() { return MS.queueOrder(questions); }

  function saveOrder(order) {
    FL.api('PUT', '/api/interviews/' + interviewId + '/queue', { order: order }).then(function (res) {
      res.order.forEach(function (id, i) { if (questions[id]) questions[id].queue_position = i + 1; });
      render();
    }).catch(function (err) { fail(err); });
  }

  function move(q, delta) {
    if (!q || q.status !== 'pushed') return;
    var order = queueOrder();
    var i = order.indexOf(q.id), j = i + delta;
    if (i < 0 || j < 0 || j >= order.length) return;
    order.splice(i, 1);
    order.splice(j, 0, q.id);
    order.forEach(function (id, k) { questions[id].queue_position = k + 1; });  // show it at once
    render();
    saveOrder(order);
  }

  var dragId = null;
  $('questions').addEventListener('dragstart', function (e) {
    var li = e.target.closest('li.q');
    if (!li) return;
    dragId = parseInt(li.dataset.questionId, 10);
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', String(dragId));
  });
  $('questions').addEventListener('dragover', function (e) { if (dragId !== null) e.preventDefault(); });
  $('questions').addEventListener('drop', function (e) {
    e.preventDefault();
    var li = e.target.closest('li.q');
    if (dragId === null || !li) return;
    var target = parseInt(li.dataset.questionId, 10);
    var order = queueOrder().filter(function (id) { return id !== dragId; });
    var at = order.indexOf(target);
    if (at < 0) { dragId = null; return; }
    var rect = li.getBoundingClientRect();
    order.splice(e.clientY > rect.top + rect.height / 2 ? at + 1 : at, 0, dragId);
    dragId = null;
    saveOrder(order);
  });

  // ---- wiring -----------------------------------------------------------------------------------
  $('questions').addEventListener('click', function (e) {
    var li = e.target.closest('li.q');
    if (!li) return;
    var q = questions[li.dataset.questionId];
    selectedId = q.id;
    if (e.target.classList.contains('q-check')) {
      if (e.target.checked) checked[q.id] = true; else delete checked[q.id];
      return;
    }
    var action = e.target.dataset && e.target.dataset.action;
    if (!action) { render(); return; }
    runAction(action, q, e.target.dataset.target);
  });

  function runAction(action, q, target) {
    if (!q) return;
    switch (action) {
      case 'approve': approve(q); break;
      case 'reject': openReject([q]); break;
      case 'edit': openEdit(q); break;
      case 'merge': openMerge(q); break;
      case 'merge-into': mergeInto(q, target); break;
      case 'push': push(q); break;
      case 'unpush': unpush(q); break;
      case 'up': move(q, -1); break;
      case 'down': move(q, 1); break;
      case 'star': toggleStar(q); break;
      case 'label': editLabels(q); break;
      case 'contact': showContact(q); break;
    }
  }

  document.querySelectorAll('.mod-tabs .tab').forEach(function (b) {
    b.addEventListener('click', function () { setTab(b.dataset.tab); });
  });
  ['filter-source', 'filter-flag', 'filter-text'].forEach(function (id) {
    $(id).addEventListener(id === 'filter-text' ? 'input' : 'change', render);
  });
  $('check-all').addEventListener('change', function () {
    checked = {};
    if (this.checked) visible().forEach(function (q) { checked[q.id] = true; });
    render();
  });
  $('bulk-approve').addEventListener('click', function () {
    var list = Object.keys(checked).map(function (id) { return questions[id]; }).filter(Boolean);
    if (list.length) bulk('approve', list); else toast('请先勾选问题（X）', 'error');
  });
  $('bulk-reject').addEventListener('click', function () {
    var list = Object.keys(checked).map(function (id) { return questions[id]; }).filter(Boolean);
    if (list.length) openReject(list); else toast('请先勾选问题（X）', 'error');
  });

  document.querySelectorAll('#reject-dialog .reason').forEach(function (b) {
    b.addEventListener('click', function () { doReject(b.dataset.reason); });
  });
  $('reject-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var reason = $('reject-reason').value.trim();
    if (!reason) { $('reject-reason').placeholder = '请选择上面的理由（数字键）或在此填写'; $('reject-reason').focus(); return; }
    doReject(reason);
  });
  $('reject-dialog').addEventListener('keydown', function (e) {
    if (document.activeElement === $('reject-reason') && $('reject-reason').value) return;
    var n = parseInt(e.key, 10);
    if (n >= 1 && n <= reasons.length) { e.preventDefault(); doReject(reasons[n - 1]); }
  });
  $('edit-text').addEventListener('input', showEditDiff);
  $('edit-form').addEventListener('submit', function (e) { e.preventDefault(); saveEdit(); });
  $('edit-text').addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); saveEdit(); }
  });
  $('edit-dialog').addEventListener('close', function () { if (editing) { release(editing); editing = null; } });
  $('merge-candidates').addEventListener('click', function (e) {
    var b = e.target.closest('button.candidate');
    if (b && merging) mergeInto(merging, b.dataset.target);
  });
  $('merge-form').addEventListener('submit', function (e) {
    e.preventDefault();
    if (merging) mergeInto(merging, $('merge-target').value.replace('#', ''));
  });
  $('merge-dialog').addEventListener('keydown', function (e) {
    if (document.activeElement === $('merge-target')) return;
    var n = parseInt(e.key, 10);
    var buttons = $('merge-candidates').querySelectorAll('button.candidate');
    if (n >= 1 && n <= buttons.length && merging) { e.preventDefault(); mergeInto(merging, buttons[n - 1].dataset.target); }
  });
  document.querySelectorAll('dialog [data-close]').forEach(function (b) {
    b.addEventListener('click', function () { b.closest('dialog').close(); });
  });

  function step(delta) {
    var items = visible();
    if (!items.length) return;
    var i = items.findIndex(function (q) { return q.id === selectedId; });
    i = Math.max(0, Math.min(items.length - 1, (i < 0 ? 0 : i + delta)));
    selectedId = items[i].id;
    render();
  }

  document.addEventListener('keydown', function (e) {
    if (document.querySelector('dialog[open]')) return;
    var tag = (e.target.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || tag === 'select') {
      if (e.key === 'Escape') e.target.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) {
      if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) { e.preventDefault(); move(selected(), e.key === 'ArrowUp' ? -1 : 1); }
      return;
    }
    var q = selected();
    var key = e.key;
    if (TAB_KEYS[key]) { setTab(TAB_KEYS[key]); return; }
    switch (key) {
      case 'j': case 'ArrowDown': e.preventDefault(); step(1); break;
      case 'k': case 'ArrowUp': e.preventDefault(); step(-1); break;
      case 'a': if (q) approve(q); break;
      case 'A': bulk('approve', checkedQuestions()); break;
      case 'r': if (q) { e.preventDefault(); openReject([q]); } break;
      case 'R': e.preventDefault(); openReject(checkedQuestions()); break;
      case 'e': if (q) { e.preventDefault(); openEdit(q); } break;
      case 'm': if (q) { e.preventDefault(); openMerge(q); } break;
      case 'p': if (q) push(q); break;
      case 'u': if (q) unpush(q); break;
      case 's': if (q) toggleStar(q); break;
      case 'l': if (q) { e.preventDefault(); editLabels(q); } break;
      case 'x': if (q) { if (checked[q.id]) delete checked[q.id]; else checked[q.id] = true; render(); } break;
      case '[': move(q, -1); break;
      case ']': move(q, 1); break;
      case '/': e.preventDefault(); $('filter-text').focus(); break;
      default: return;
    }
  });

  $('host-message-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var text = $('host-message').value.trim();
    if (!text) return;
    $('host-message-status').textContent = '发送中…';
    FL.api('POST', '/api/interviews/' + interviewId + '/host-message', { text: text }).then(function () {
      $('host-message').value = '';
      $('host-message-status').textContent = '已发送 ' + FL.formatTime(new Date().toISOString());
    }).catch(function (err) { $('host-message-status').textContent = err.message || '发送失败'; });
  });

  $('intake-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var body = { source: $('intake-source').value, nickname: $('intake-nickname').value, text: $('intake-text').value };
    if ($('intake-contact').value.trim()) body.contact = $('intake-contact').value;
    FL.api('POST', '/api/interviews/' + interviewId + '/questions', body).then(function (res) {
      $('intake-text').value = '';
      $('intake-contact').value = '';
      $('intake-status').textContent = '已录入 #' + res.id + '，查询码 ' + res.receipt;
    }).catch(function (err) { $('intake-status').textContent = err.message; });
  });

  $('post-to-feed').addEventListener('change', function () {
    var box = this;
    FL.api('PUT', '/api/interviews/' + interviewId + '/question-settings', { post_answered_to_feed: box.checked })
      .then(function (s) { box.checked = s.post_answered_to_feed; toast('设置已保存'); })
      .catch(function (err) { box.checked = !box.checked; fail(err); });
  });

  // Lapsed claims: drop them and redraw (only then, so open details are not folded every time).
  setInterval(function () {
    var now = new Date(), lapsed = false;
    Object.keys(questions).forEach(function (id) {
      var q = questions[id];
      if (q.claimed_by && (!q.claimed_until || new Date(q.claimed_until) < now)) { q.claimed_by = null; lapsed = true; }
    });
    if (lapsed) render();
  }, 5000);

  // A reload or a closed tab gives up this console's claims at once (the server releases the
  // claims of a socket that goes away), instead of leaving them until they time out.
  global.addEventListener('pagehide', function () { if (live && live.socket) live.socket.disconnect(); });

  var CONN_TEXT = { live: '实时', offline: '已断开，正在重连…', retrying: '重连中…', error: '连接出错' };
  live = FL.follow({
    namespace: '/studio',
    interviewId: interviewId,
    onSnapshot: function (snapshot) {
      var part = snapshot.questions || {};
      questions = MS.fromSnapshot(part);
      if (part.settings) $('post-to-feed').checked = !!part.settings.post_answered_to_feed;
      render();
    },
    onEvent: applyEvent,
    onStatus: FangtanKit.connection('conn', CONN_TEXT),
  });
  global.FangtanModeration = { questions: function () { return questions; } };
})(window);
