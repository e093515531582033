/* Host console (主持人提示卡): the current cue card large, the next one previewed, pushed netizen
 * questions after it, timers for the card and the whole show, backstage messages.
 *
 * Timers are computed here from start times stored on the server and the server's clock
 * (`server_now` in every state, corrected for the round trip), so every screen shows the same
 * figures and a reload loses nothing. Moves go over the /studio socket (`cue.advance`) with the
 * index this screen believes is current (`expected`): a move made meanwhile on another screen is
 * refused instead of skipping two cards.
 */
(function () {
  'use strict';

  var app = document.getElementById('host-app');
  if (!app) return;
  var interviewId = parseInt(app.dataset.interviewId, 10);
  var canEdit = app.dataset.canEdit === '1';
  var canMove = app.dataset.canMove === '1';
  var hostActions = app.dataset.hostActions === '1';
  var api = FangtanLive.api;
  var $ = function (id) { return document.getElementById(id); };

  // The state and its event application live in host_state.js (no DOM); this file renders and wires.
  var HS = window.FangtanHostState;
  var S = HS.create();
  var link = null;   // FangtanLive.follow handle

  // ---- time ----------------------------------------------------------------------------------
  function serverNow() { return Date.now() + S.skew; }
  function clockSample(serverIso, t0, t1) { HS.clockSample(S, serverIso, t0, t1); }
  var fmt = FangtanKit.duration;

  // ---- applying server state -----------------------------------------------------------------
  function applyPosition(p) { HS.applyPosition(S, p); }
  function applyFull(data) {
    if (!data) return;
    HS.applyFull(S, data);
    render();
    if (scriptDialog && scriptDialog.open) renderEditor();
  }
  function loadCues() {
    var t0 = Date.now();
    return api('GET', '/api/interviews/' + interviewId + '/cues').then(function (data) {
      clockSample(data.server_now, t0, Date.now());
      S.version = -1;
      applyFull(data);
    }).catch(function (e) { toast('提示卡加载失败：' + (e.message || e.code), true); });
  }

  // ---- rendering -----------------------------------------------------------------------------
  var KIND_LABEL = { host: '主持人', guest: '嘉宾', netizen: '网友', note: '说明' };
  function speakerOf(card) { return card.speaker || KIND_LABEL[card.kind] || ''; }

  function render() {
    var cards = S.cards, i = Math.min(S.display, Math.max(cards.length - 1, 0));
    var cur = cards[i], next = cards[i + 1];
    var curEl = $('current-card');
    curEl.dataset.kind = cur ? cur.kind : '';
    curEl.dataset.index = cur ? String(i) : '';
    $('current-index').textContent = cards.length ? (i + 1) + ' / ' + cards.length : '–';
    $('current-speaker').textContent = cur ? speakerOf(cur) : '';
    $('current-title').textContent = cur ? (cur.title || cur.section || '') : '';
    var text = $('current-text');
    if (!cards.length) {
      text.textContent = canEdit ? '尚未上传访谈稿：点右上角“稿件”粘贴或上传。' : '尚未上传访谈稿。';
    } else {
      text.textContent = cur.text;
    }
    $('card-planned').textContent = cur ? fmt(cur.planned_s) : '0:00';
    var nextEl = $('next-card');
    nextEl.dataset.kind = next ? next.kind : '';
    nextEl.classList.toggle('empty', !next);
    $('next-speaker').textContent = next ? speakerOf(next) + (next.title && next.title !== (cur && cur.title) ? ' · ' + next.title : '') : '';
    $('next-planned').textContent = next ? fmt(next.planned_s) : '';
    $('next-text').textContent = next ? next.text : (cards.length ? '（最后一张）' : '');
    $('show-planned').textContent = fmt(cards.reduce(function (a, c) { return a + (c.planned_s || 0); }, 0));
    $('btn-prev').disabled = !canMove || i <= 0;
    $('btn-next').disabled = !canMove || i >= cards.length - 1;
    var start = $('btn-start');
    if (start) {
      var running = S.showStartedAt && !S.showEndedAt;
      start.textContent = running ? '计时中' : (S.showEndedAt ? '重新计时' : '开始计时');
      start.disabled = !!running || !cards.length;
    }
    var reset = $('btn-reset');
    if (reset) reset.disabled = !cards.length || (!S.showStartedAt && S.display === 0);
    renderMessages();
    renderQueue();
    // The host reads host lines aloud: they stay large. A guest's prepared answer is only for
    // orientation and may get smaller so that all of it is on screen.
    fitText(text, 64, cur && (cur.kind === 'guest' || cur.kind === 'note') ? 15 : 22);
    fitText($('next-text'), 26, 15);
    renderTimers();
    if (outlineDialog.open) renderOutline();
  }

  /* Largest font size (px) between max and min at which the text fits its box: no scrolling hunt. */
  function fitText(el, max, min) {
    var size = max;
    el.style.fontSize = size + 'px';
    while (size > min && el.scrollHeight > el.clientHeight + 1) {
      size -= size > 36 ? 4 : 2;
      el.style.fontSize = size + 'px';
    }
  }

  function setTone(el, tone) {
    el.classList.remove('tone-ok', 'tone-near', 'tone-over', 'tone-ahead', 'tone-idle');
    el.classList.add('tone-' + tone);
  }

  function renderTimers() {
    var t = HS.timers(S, serverNow());
    var cardTimer = $('card-timer');
    if (t.card) {
      var elapsed = t.card.elapsed, planned = t.card.planned;
      $('card-elapsed').textContent = elapsed > planned && planned > 0 ? '+' + fmt(elapsed - planned) : fmt(elapsed);
      setTone(cardTimer, planned <= 0 ? 'ok' : elapsed > planned ? 'over' : elapsed > planned * 0.8 ? 'near' : 'ok');
      cardTimer.title = '本卡已用 ' + fmt(elapsed) + '，计划 ' + fmt(planned);
    } else {
      $('card-elapsed').textContent = '0:00';
      setTone(cardTimer, 'idle');
    }
    var showBox = $('show-timer'), driftBox = $('schedule-drift');
    if (t.show) {
      var showElapsed = t.show.elapsed, total = t.show.total;
      $('show-elapsed').textContent = fmt(showElapsed);
      setTone(showBox, showElapsed > total ? 'over' : showElapsed > total * 0.9 ? 'near' : 'ok');
      if (t.drift !== null) {
        var drift = t.drift;
        $('drift-value').textContent = Math.abs(drift) < 15 ? '准时' : (drift > 0 ? '超时 ' + fmt(drift) : '提前 ' + fmt(-drift));
        setTone(driftBox, Math.abs(drift) < 15 ? 'ok' : drift > 60 ? 'over' : drift > 0 ? 'near' : 'ahead');
      }
    } else {
      $('show-elapsed').textContent = '未开始';
      $('drift-value').textContent = '—';
      setTone(showBox, 'idle'); setTone(driftBox, 'idle');
    }
  }

  // ---- moving --------------------------------------------------------------------------------
  function toast(message, isError) { FangtanKit.toast('host-toast', message, isError ? 'error' : 'info'); }

  function sendMove(payload) {
    payload.interview_id = interviewId;
    var t0 = Date.now();
    var viaSocket = link && link.socket.connected;
    var request = viaSocket ? link.action('cue.advance', payload).then(function (ack) {
      clockSample(ack.server_now, t0, Date.now());
      return ack.state;
    }) : api('POST', '/api/interviews/' + interviewId + '/cue', payload).then(function (state) {
      clockSample(state.server_now, t0, Date.now());
      return state;
    });
    S.pending += 1;
    return request.then(function (state) {
      S.pending -= 1;
      applyPosition(state);
      if (S.pending === 0) S.display = S.current;
      render();
    }, function (err) {
      S.pending -= 1;
      if (err && err.code === 'cue_conflict') toast('提示卡已在另一台设备上切换，已同步到第 ' + (err.current + 1) + ' 张');
      else toast((err && err.message) || '操作失败', true);
      if (S.pending === 0) loadCues();
    });
  }

  function move(delta) {
    if (!canMove || !S.cards.length) return;
    var from = S.display, to = from + delta;
    if (to < 0) { toast('已是第一张'); return; }
    if (to >= S.cards.length) { toast('已是最后一张'); return; }
    S.display = to;
    S.localCardStart = serverNow();
    render();  // show the new card at once; the server confirms
    sendMove({ action: delta > 0 ? 'next' : 'prev', expected: from });
  }
  function gotoCard(index) {
    if (!canMove || index === S.display) return;
    var from = S.display;
    S.display = index;
    S.localCardStart = serverNow();
    render();
    sendMove({ action: 'goto', index: index, expected: from });
  }

  function isTyping(target) {
    var tag = target && target.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (target && target.isContentEditable);
  }
  function anyDialogOpen() {
    return outlineDialog.open || (scriptDialog && scriptDialog.open);
  }
  // Presenter clickers send PageDown/PageUp (some send arrows); Space and arrows for a keyboard.
  var NEXT_KEYS = { ArrowRight: 1, ' ': 1, Spacebar: 1, PageDown: 1, ArrowDown: 1 };
  var PREV_KEYS = { ArrowLeft: 1, PageUp: 1, ArrowUp: 1 };
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || isTyping(e.target) || anyDialogOpen()) return;
    if (NEXT_KEYS[e.key]) { e.preventDefault(); if (!e.repeat) move(1); }
    else if (PREV_KEYS[e.key]) { e.preventDefault(); if (!e.repeat) move(-1); }
  });
  // A focused button would also "click" on Space's keyup: the keydown above already moved.
  document.addEventListener('keyup', function (e) {
    if ((e.key === ' ' || e.key === 'Spacebar') && e.target && e.target.tagName === 'BUTTON' && !anyDialogOpen()) e.preventDefault();
  });
  function onTap(id, fn) {
    $(id).addEventListener('click', function (e) { e.currentTarget.blur(); fn(e); });
  }
  onTap('btn-next', function () { move(1); });
  onTap('btn-prev', function () { move(-1); });
  // Tapping the card itself: left third goes back, the rest goes forward.
  $('current-card').addEventListener('click', function (e) {
    if (!canMove || e.target.closest('button, a')) return;
    var box = e.currentTarget.getBoundingClientRect();
    move(e.clientX - box.left < box.width / 3 ? -1 : 1);
  });
  if ($('btn-start')) onTap('btn-start', function () {
    sendMove({ action: 'start' });
  });
  // Zeroing the show clock cannot be undone (and other screens follow): ask first.
  if ($('btn-reset')) onTap('btn-reset', function () {
    if (!window.confirm('重置计时？全场与各卡计时清零并回到第 1 张；直播中会立即重新计时。')) return;
    sendMove({ action: 'reset' });
  });

  // ---- backstage messages --------------------------------------------------------------------
  function renderMessages() {
    var box = $('host-message'), list = $('host-message-list');
    list.textContent = '';
    S.messages.forEach(function (m) {
      var row = document.createElement('div');
      row.className = 'host-message-item';
      row.dataset.messageId = m.id;
      var text = document.createElement('div');
      text.className = 'host-message-text';
      text.textContent = m.text;
      var meta = document.createElement('div');
      meta.className = 'host-message-meta';
      meta.textContent = ((m.from && m.from.display_name) || '后台') + ' · ' + FangtanLive.formatTime(m.sent_at);
      row.appendChild(text); row.appendChild(meta);
      if (hostActions) {
        var ok = document.createElement('button');
        ok.type = 'button'; ok.className = 'dismiss-btn'; ok.dataset.action = 'dismiss-message';
        ok.textContent = '知道了';
        ok.addEventListener('click', function () { dismissMessage(m.id); });
        row.appendChild(ok);
      }
      list.appendChild(row);
    });
    box.hidden = S.messages.length === 0;
    app.classList.toggle('has-message', S.messages.length > 0);
  }
  function dismissMessage(id) {
    var done = function (ids) {
      S.messages = S.messages.filter(function (m) { return ids.indexOf(m.id) < 0 && m.id !== id; });
      render();
    };
    var request = link && link.socket.connected
      ? link.action('host.dismiss_message', { interview_id: interviewId, id: id }).then(function (a) { return a.dismissed; })
      : api('POST', '/api/interviews/' + interviewId + '/host-message/dismiss', { id: id }).then(function (r) { return r.dismissed; });
    request.then(done, function (e) { toast('关闭消息失败：' + (e.message || e.code), true); });
  }

  // ---- pushed questions (the moderation package owns them; we show and act on them) ----------
  var QUESTION_STATUS = { pushed: '待提问', on_air: '正在提问', answered: '已回答' };
  function questionList() { return HS.questionList(S); }
  function renderQueue() {
    var queue = $('queue'), list = questionList();
    if (S.selectedQuestion && !S.questions[S.selectedQuestion]) S.selectedQuestion = null;
    var selected = S.selectedQuestion || (list[0] && list[0].id);
    queue.textContent = '';
    $('queue-count').textContent = list.length ? '（' + list.length + '）' : '';
    if (!list.length) {
      var empty = document.createElement('div');
      empty.className = 'queue-empty'; empty.textContent = '暂无推送的提问';
      queue.appendChild(empty);
      return;
    }
    list.forEach(function (q) {
      var card = document.createElement('div');
      card.className = 'card question' + (q.status === 'on_air' ? ' on-air' : '') + (q.id === selected ? ' selected' : '');
      card.dataset.questionId = q.id;
      card.dataset.status = q.status;
      var head = document.createElement('div'); head.className = 'q-head';
      var nick = document.createElement('span'); nick.className = 'q-nick'; nick.textContent = '网友“' + (q.nickname || '匿名') + '”';
      var status = document.createElement('span'); status.className = 'q-status'; status.textContent = QUESTION_STATUS[q.status] || q.status;
      head.appendChild(nick); head.appendChild(status);
      var text = document.createElement('div'); text.className = 'q-text';
      FangtanLive.renderText(text, q.text);
      card.appendChild(head); card.appendChild(text);
      if (hostActions) {
        var actions = document.createElement('div'); actions.className = 'q-actions';
        [['on-air', '开始提问', 'on-air'], ['answered', '已回答', 'answered']].forEach(function (spec) {
          var b = document.createElement('button');
          b.type = 'button'; b.dataset.action = spec[0]; b.textContent = spec[1];
          if (spec[0] === 'on-air' && q.status === 'on_air') b.disabled = true;
          b.addEventListener('click', function (e) { e.stopPropagation(); b.blur(); questionAction(q.id, spec[2], card); });
          actions.appendChild(b);
        });
        card.appendChild(actions);
      }
      var err = document.createElement('div'); err.className = 'q-error'; err.setAttribute('role', 'alert');
      card.appendChild(err);
      card.addEventListener('click', function () { S.selectedQuestion = q.id; renderQueue(); });
      queue.appendChild(card);
    });
  }
  function questionAction(qid, action, card) {
    var errorBox = card.querySelector('.q-error');
    errorBox.textContent = '';
    card.classList.add('busy');
    api('POST', '/api/questions/' + qid + '/' + action, {}).then(function (result) {
      card.classList.remove('busy');
      var q = (result && (result.question || result)) || {};
      upsertQuestion(Object.assign({}, S.questions[qid], q.id ? q : {}, { status: action === 'answered' ? 'answered' : 'on_air' }));
      renderQueue();
    }, function (e) {
      card.classList.remove('busy');
      card.classList.add('failed');
      errorBox.textContent = '操作失败：' + (e.message || e.code) + (e.status ? '（' + e.status + '）' : '');
    });
  }
  function upsertQuestion(q) { HS.upsertQuestion(S, q); }
  var questionsFrom = HS.questionsFrom;
  var questionsTimer = null;
  function loadQuestions() {
    clearTimeout(questionsTimer);
    questionsTimer = setTimeout(function () {
      var base = '/api/interviews/' + interviewId + '/questions?status=';
      Promise.all(['pushed', 'on_air'].map(function (status) {
        return api('GET', base + status).then(questionsFrom, function () { return null; });
      })).then(function (lists) {
        if (lists[0] === null && lists[1] === null) return;  // moderation not available: keep what we have
        var fresh = {};
        lists.forEach(function (list) { (list || []).forEach(function (q) { fresh[q.id] = q; }); });
        S.questions = fresh;
        renderQueue();
      });
    }, 150);
  }

  // ---- outline (goto) ------------------------------------------------------------------------
  var outlineDialog = $('outline-dialog');
  function renderOutline() {
    var list = $('outline-list');
    list.textContent = '';
    var lastSection = null, lastTitle = null;
    function heading(text, className) {
      var h = document.createElement('li'); h.className = className; h.textContent = text;
      list.appendChild(h);
    }
    S.cards.forEach(function (card, i) {
      var section = card.section || '', title = card.title || '';
      if (section !== lastSection) {
        lastSection = section; lastTitle = null;
        if (section) heading(section, 'outline-section');
      }
      if (title !== lastTitle) {
        lastTitle = title;
        if (title && title !== section) heading(title, 'outline-section sub');
      }
      var li = document.createElement('li');
      li.className = 'outline-item' + (i === S.display ? ' current' : '') + (i < S.display ? ' done' : '');
      li.dataset.index = i;
      var actual = card.actual_s || 0;
      var tone = actual === 0 ? '' : actual > card.planned_s ? 'tone-over' : 'tone-ok';
      li.innerHTML = '<span class="o-num"></span><span class="o-speaker"></span><span class="o-text"></span>' +
        '<span class="o-time"><span class="o-actual ' + tone + '"></span> / <span class="o-planned"></span></span>';
      li.querySelector('.o-num').textContent = i + 1;
      li.querySelector('.o-speaker').textContent = speakerOf(card);
      li.querySelector('.o-text').textContent = card.text.slice(0, 60);
      li.querySelector('.o-actual').textContent = actual ? fmt(actual) : '—';
      li.querySelector('.o-planned').textContent = fmt(card.planned_s);
      if (canMove) li.addEventListener('click', function () { outlineDialog.close(); gotoCard(i); });
      list.appendChild(li);
    });
    var cur = list.querySelector('.current');
    if (cur) cur.scrollIntoView({ block: 'center' });
  }
  onTap('btn-outline', function () { outlineDialog.showModal(); renderOutline(); });
  document.querySelectorAll('dialog [data-close]').forEach(function (b) {
    b.addEventListener('click', function () { b.closest('dialog').close(); });
  });

  // ---- script and card editing (host, admin) ---------------------------------------------------
  var scriptDialog = $('script-dialog');
  function scriptStatus(message, isError) {
    var el = $('script-status');
    el.textContent = message; el.classList.toggle('error', !!isError);
  }
  function afterUpload(data) {
    S.version = -1;
    applyFull(data);
    scriptStatus('已拆分为 ' + data.cards.length + ' 张提示卡，计划 ' + fmt(data.planned_total_s) + '。');
    renderEditor();
  }
  function uploadFailed(e) { scriptStatus('上传失败：' + (e.message || e.code), true); }
  if (scriptDialog) {
    onTap('btn-script', function () { scriptDialog.showModal(); renderEditor(); });
    $('btn-upload-text').addEventListener('click', function () {
      var text = $('script-text').value;
      if (!text.trim()) { scriptStatus('请先粘贴访谈稿', true); return; }
      scriptStatus('正在拆分…');
      api('PUT', '/api/interviews/' + interviewId + '/script', text).then(afterUpload, uploadFailed);
    });
    $('script-file').addEventListener('change', function (e) {
      var file = e.target.files[0];
      if (!file) return;
      var form = new FormData();
      form.append('file', file);
      scriptStatus('正在上传 ' + file.name + '…');
      api('PUT', '/api/interviews/' + interviewId + '/script', form, true).then(afterUpload, uploadFailed)
        .finally(function () { e.target.value = ''; });
    });
    $('btn-add-card').addEventListener('click', function () {
      api('POST', '/api/interviews/' + interviewId + '/cues', { text: '（新提示卡）', kind: 'host', speaker: '主持人' })
        .then(applyFull, uploadFailed);
    });
  }
  function cardsUrl(card) { return '/api/interviews/' + interviewId + '/cues/' + card.id; }
  function renderEditor() {
    if (!scriptDialog) return;
    var box = $('card-editor');
    $('editor-count').textContent = S.cards.length;
    box.textContent = '';
    S.cards.forEach(function (card, i) {
      var row = document.createElement('div');
      row.className = 'edit-card' + (i === S.display ? ' current' : '');
      row.dataset.cardId = card.id;
      row.innerHTML =
        '<div class="edit-meta"><span class="o-num"></span>' +
        '<select data-field="kind"><option value="host">主持人</option><option value="guest">嘉宾</option>' +
        '<option value="netizen">网友</option><option value="note">说明</option></select>' +
        '<input data-field="speaker" maxlength="120" placeholder="说话人">' +
        '<input data-field="title" maxlength="200" placeholder="标题">' +
        '<label class="planned">计划 <input data-field="planned" placeholder="m:ss" size="5"></label></div>' +
        '<textarea data-field="text" rows="3"></textarea>' +
        '<div class="edit-actions"><button type="button" data-do="save">保存</button>' +
        '<button type="button" data-do="up">上移</button><button type="button" data-do="down">下移</button>' +
        '<button type="button" data-do="insert">在后面插入</button><button type="button" data-do="delete" class="danger">删除</button></div>';
      row.querySelector('.o-num').textContent = i + 1;
      row.querySelector('[data-field=kind]').value = card.kind;
      row.querySelector('[data-field=speaker]').value = card.speaker;
      row.querySelector('[data-field=title]').value = card.title;
      row.querySelector('[data-field=planned]').value = fmt(card.planned_s);
      row.querySelector('[data-field=text]').value = card.text;
      // Unsaved typing survives a re-render (another screen's edit, a reorder): the editor
      // keeps its draft and the revision it started from until it saves.
      var draft = drafts[card.id];
      if (draft) {
        EDIT_FIELDS.forEach(function (name) { row.querySelector('[data-field=' + name + ']').value = draft.values[name]; });
        row.classList.add('dirty');
      }
      row.addEventListener('input', function () { keepDraft(card, row); });
      row.addEventListener('change', function () { keepDraft(card, row); });
      row.querySelector('[data-do=up]').disabled = i === 0;
      row.querySelector('[data-do=down]').disabled = i === S.cards.length - 1;
      row.addEventListener('click', function (e) {
        var action = e.target.dataset && e.target.dataset.do;
        if (!action) return;
        editCard(action, card, i, row);
      });
      box.appendChild(row);
    });
  }
  function parseDuration(value) {
    var m = /^\s*(\d+)(?:\s*[:：]\s*(\d{1,2}))?\s*$/.exec(value || '');
    if (!m) return null;
    return m[2] === undefined ? parseInt(m[1], 10) * 60 : parseInt(m[1], 10) * 60 + parseInt(m[2], 10);
  }
  var EDIT_FIELDS = ['kind', 'speaker', 'title', 'planned', 'text'];
  var drafts = {};  // card id -> {values, revision}: typed but not saved
  function rowValues(row) {
    var values = {};
    EDIT_FIELDS.forEach(function (name) { values[name] = row.querySelector('[data-field=' + name + ']').value; });
    return values;
  }
  function keepDraft(card, row) {
    drafts[card.id] = { values: rowValues(row), revision: drafts[card.id] ? drafts[card.id].revision : card.revision };
    row.classList.add('dirty');
  }
  function editCard(action, card, i, row) {
    var done = function (data) { applyFull(data); };
    if (action === 'save') {
      var values = rowValues(row);
      var planned = parseDuration(values.planned);
      if (planned === null) { scriptStatus('计划时长格式为 分:秒（如 1:30）或分钟数', true); return; }
      var body = { kind: values.kind, speaker: values.speaker, title: values.title, text: values.text };
      if (planned !== card.planned_s) body.planned_s = planned;
      body.expected_revision = drafts[card.id] ? drafts[card.id].revision : card.revision;
      api('PATCH', cardsUrl(card), body).then(function (d) {
        delete drafts[card.id];
        done(d);
        scriptStatus('第 ' + (i + 1) + ' 张已保存');
      }, function (e) {
        if (e.code !== 'card_changed' || !e.card) { uploadFailed(e); return; }
        // Someone else saved this card meanwhile: show theirs, keep ours in the box; saving
        // again (now from their revision) replaces theirs knowingly.
        keepDraft(card, row);
        drafts[card.id].revision = e.card.revision;
        var theirs = e.card.text.length > 60 ? e.card.text.slice(0, 60) + '…' : e.card.text;
        scriptStatus('第 ' + (i + 1) + ' 张已被他人修改为：“' + theirs + '”。你的修改仍在框中，再次保存将覆盖对方的修改。', true);
      });
    } else if (action === 'delete') {
      if (!window.confirm('删除第 ' + (i + 1) + ' 张提示卡？')) return;
      api('DELETE', cardsUrl(card)).then(done, uploadFailed);
    } else if (action === 'insert') {
      api('POST', '/api/interviews/' + interviewId + '/cues', { index: i + 1, text: '（新提示卡）', kind: 'host', speaker: '主持人' })
        .then(done, uploadFailed);
    } else if (action === 'up' || action === 'down') {
      var ids = S.cards.map(function (c) { return c.id; });
      var j = action === 'up' ? i - 1 : i + 1;
      ids[i] = ids[j]; ids[j] = card.id;
      api('PUT', '/api/interviews/' + interviewId + '/cues/order', { card_ids: ids }).then(done, uploadFailed);
    }
  }

  // ---- live events ---------------------------------------------------------------------------
  function onEvent(ev) {
    var todo = HS.applyEvent(S, ev);
    if (todo.render) render();
    if (todo.full && scriptDialog && scriptDialog.open) renderEditor();
    if (todo.renderQueue) renderQueue();
    if (todo.loadCues) loadCues();
    if (todo.loadQuestions) loadQuestions();
  }
  var onStatus = FangtanKit.connection('conn-status', { live: '已连接', offline: '已断开', retrying: '重连中', error: '连接错误' },
                                       { classPrefix: 'conn ' });
  var received = Date.now();
  link = FangtanLive.follow({
    namespace: '/studio', interviewId: interviewId, onStatus: onStatus, onEvent: onEvent,
    onSnapshot: function (snapshot) {
      if (snapshot && snapshot.cues) {
        clockSample(snapshot.cues.server_now, received, Date.now());
        S.version = -1;
        applyFull(snapshot.cues);
      }
      loadQuestions();
    },
  });
  // Refine the clock and catch anything missed while the tablet slept.
  setInterval(function () {
    if (!link.socket.connected) return;
    var t0 = Date.now();
    link.action('cue.state', { interview_id: interviewId }).then(function (ack) {
      clockSample(ack.server_now, t0, Date.now());
      if (S.pending === 0 && ack.state && ack.state.version > S.version) loadCues();
    }, function () {});
  }, 30000);
  setInterval(renderTimers, 250);
  window.addEventListener('resize', function () { render(); });
  render();
  loadCues();
})();
