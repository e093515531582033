/* Netizen questions on the viewer page: the question form with its receipt, the receipt look-up,
 * and the approved questions kept live (on air highlighted, answered marked, replies shown).
 * A FangtanViewer plugin: it shares viewer.js's one /live connection.
 */
(function (global) {
  'use strict';

  var root = document.getElementById('vq');
  if (!root) return;
  var interviewId = parseInt(root.dataset.interviewId, 10);
  var list = document.getElementById('vq-list');
  var questions = {};   // id -> public question JSON
  var BADGES = { on_air: '正在回答', answered: '已回答', approved: '' };
  var STATUS_TEXT = { pending: '待审核', approved: '已通过，等待回答', pushed: '已通过，等待回答', on_air: '正在回答',
                      answered: '已回答', rejected: '未通过', merged: '已与同类问题合并' };

  function $(id) { return document.getElementById(id); }

  var el = FangtanLive.el;

  function render(q) {
    var li = el('li', 'vq-item status-' + q.status);
    li.dataset.questionId = q.id;
    var meta = li.appendChild(el('div', 'vq-meta'));
    meta.appendChild(el('span', 'vq-nick', q.nickname));
    if (q.askers > 1) meta.appendChild(el('span', 'vq-askers', q.askers + ' 位网友问过'));
    meta.appendChild(el('span', 'vq-badge', BADGES[q.status] || ''));
    global.FangtanLive.renderText(li.appendChild(el('div', 'vq-text')), q.text);
    if (q.reply) {
      var reply = li.appendChild(el('div', 'vq-reply'));
      reply.appendChild(el('span', 'vq-reply-label', (q.reply.unit || '') + '答复：'));
      reply.appendChild(document.createTextNode(q.reply.text));
    }
    return li;
  }

  function redraw() {
    var items = Object.keys(questions).map(function (id) { return questions[id]; });
    // On air first, then waiting ones oldest first, answered at the end.
    var rank = { on_air: 0, approved: 1, answered: 2 };
    items.sort(function (a, b) {
      return (rank[a.status] - rank[b.status]) || (a.created_at < b.created_at ? -1 : 1) || a.id - b.id;
    });
    list.textContent = '';
    items.forEach(function (q) { list.appendChild(render(q)); });
    $('vq-total').textContent = items.length;
    $('vq-empty').hidden = items.length > 0;
  }

  function showIntake(intake) {
    if (!intake) return;
    var receiptShown = !$('vq-receipt').hidden;
    $('vq-form').hidden = !intake.accepting || receiptShown;
    $('vq-closed').hidden = intake.accepting;
    $('vq-closed').textContent = intake.message || '';
    // The sticky ask bar says what the server says: 网友提问征集中 before the live, 直播进行中 during it.
    var barText = $('ask-bar-text');
    if (barText && intake.accepting && intake.message) barText.textContent = intake.message;
  }

  global.FangtanViewer.register({
    onSnapshot: function (snapshot) {
      var part = snapshot.questions || {};
      questions = {};
      (part.items || []).forEach(function (q) { questions[q.id] = q; });
      showIntake(part.intake);
      redraw();
    },
    onEvent: function (ev) {
      var d = ev.data || {};
      switch (ev.type) {
        case 'question.approved':
        case 'question.on_air':
        case 'question.answered':
        case 'question.updated':
        case 'question.replied':
          if (ev.type === 'question.on_air') {
            Object.keys(questions).forEach(function (id) {
              if (questions[id].status === 'on_air' && +id !== d.id) questions[id].status = 'answered';
            });
          }
          questions[d.id] = d;
          redraw();
          break;
        case 'question.withdrawn':
          delete questions[d.id];
          redraw();
          break;
        case 'interview.state_changed':
          showIntake({ accepting: d.state === 'live', message: d.state === 'live' ? '直播进行中，欢迎提问' : '提问征集已结束' });
          if (d.state === 'ended' || d.state === 'published') {
            // The server took the question on air as answered when the live ended (no event of its own).
            Object.keys(questions).forEach(function (id) {
              if (questions[id].status === 'on_air') questions[id].status = 'answered';
            });
            redraw();
          }
          break;
      }
    },
  });

  // The receipts of this browser's own questions, so the netizen can look them up later.
  var STORE_KEY = 'fangtan-receipts-' + interviewId;
  function myReceipts() {
    try { return JSON.parse(global.localStorage.getItem(STORE_KEY) || '[]'); } catch (e) { return []; }
  }
  function rememberReceipt(receipt, text) {
    var list = myReceipts().filter(function (r) { return r.receipt !== receipt; });
    list.unshift({ receipt: receipt, text: text.slice(0, 40) });
    try { global.localStorage.setItem(STORE_KEY, JSON.stringify(list.slice(0, 20))); } catch (e) { /* private mode */ }
    showReceipts();
  }
  function showReceipts() {
    var box = $('vq-mine');
    var list = myReceipts();
    box.textContent = '';
    box.hidden = !list.length;
    list.forEach(function (r) {
      var b = box.appendChild(el('button', 'link vq-mine-item', r.receipt + '　' + r.text));
      b.type = 'button';
      b.addEventListener('click', function () {
        $('vq-lookup-code').value = r.receipt;
        $('vq-lookup-form').requestSubmit();
      });
    });
  }
  showReceipts();

  $('vq-text').addEventListener('input', function () { $('vq-len').textContent = this.value.length; });

  $('vq-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var button = $('vq-submit');
    $('vq-error').textContent = '';
    var body = { nickname: $('vq-nickname').value, text: $('vq-text').value };
    if ($('vq-contact').value.trim()) body.contact = $('vq-contact').value;
    if (!body.text.trim()) { $('vq-error').textContent = '请填写问题内容'; return; }
    button.disabled = true;
    global.FangtanLive.api('POST', '/api/interviews/' + interviewId + '/questions', body).then(function (res) {
      $('vq-receipt-code').textContent = res.receipt;
      rememberReceipt(res.receipt, body.text);
      $('vq-receipt-msg').textContent = res.message;
      $('vq-receipt').hidden = false;
      $('vq-form').hidden = true;
      $('vq-text').value = '';
      $('vq-len').textContent = '0';
    }).catch(function (err) {
      $('vq-error').textContent = err.message || '提交失败，请稍后再试';
    }).finally(function () { button.disabled = false; });
  });

  $('vq-again').addEventListener('click', function () {
    $('vq-receipt').hidden = true;
    $('vq-form').hidden = false;
    $('vq-text').focus();
  });

  $('vq-lookup-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var out = $('vq-lookup-result');
    var code = $('vq-lookup-code').value.trim();
    if (!code) return;
    out.textContent = '查询中…';
    global.FangtanLive.api('GET', '/api/questions/receipt/' + encodeURIComponent(code)).then(function (r) {
      out.textContent = '';
      out.appendChild(el('p', 'vq-text', r.text));
      var status = r.status === 'merged' ? STATUS_TEXT.merged + '（' + (STATUS_TEXT[r.current_status] || '') + '）'
        : STATUS_TEXT[r.status] || r.status_name;
      out.appendChild(el('p', 'vq-lookup-status', '状态：' + status));
      if (r.reject_reason) out.appendChild(el('p', 'muted', '说明：' + r.reject_reason));
      if (r.reply) out.appendChild(el('p', 'vq-reply', (r.reply.unit || '') + '答复：' + r.reply.text));
    }).catch(function (err) { out.textContent = err.message || '查询失败'; });
  });
})(window);
