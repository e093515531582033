/* Follow-up replies (答复) per responsible unit, with deadlines and the overdue list. */
(function () {
  'use strict';
  var FL = window.FangtanLive;
  var box = document.getElementById('replies');

  var el = FangtanLive.el;

  function renderQuestion(q) {
    var card = el('div', 'card reply-item' + (q.overdue ? ' overdue' : ''));
    card.dataset.questionId = q.id;
    var head = card.appendChild(el('div', 'q-head'));
    head.appendChild(el('span', 'q-id', '#' + q.id));
    head.appendChild(el('span', 'q-nick', q.nickname));
    head.appendChild(el('span', 'muted', q.interview_title));
    head.appendChild(el('span', q.overdue ? 'badge claim' : 'badge', (q.overdue ? '已逾期 · ' : '答复期限 ') +
      (q.reply_due_at || '').slice(0, 10)));
    card.appendChild(el('div', 'q-text', q.text));
    var area = card.appendChild(el('textarea'));
    area.rows = 3;
    area.placeholder = '责任单位的书面答复';
    area.value = q.reply ? q.reply.text : '';
    var due = card.appendChild(el('input'));
    due.type = 'date';
    due.value = (q.reply_due_at || '').slice(0, 10);
    due.style.width = 'auto';
    due.title = '答复期限';
    var save = card.appendChild(el('button', 'primary', q.reply ? '更新答复' : '发布答复'));
    save.type = 'button';
    var status = card.appendChild(el('span', 'muted'));
    due.addEventListener('change', function () {
      FL.api('PATCH', '/api/questions/' + q.id + '/reply-assignment', { due_at: due.value ? due.value + 'T23:59:59' : null })
        .then(function () { status.textContent = '期限已更新'; }).catch(function (err) { status.textContent = err.message; });
    });
    save.addEventListener('click', function () {
      FL.api('PUT', '/api/questions/' + q.id + '/reply', { text: area.value })
        .then(function () { status.textContent = '答复已发布'; card.classList.remove('overdue'); })
        .catch(function (err) { status.textContent = err.message; });
    });
    return card;
  }

  function load() {
    var params = [];
    var interview = document.getElementById('replies-interview').value.trim();
    if (interview) params.push('interview_id=' + encodeURIComponent(interview));
    if (document.getElementById('replies-overdue').checked) params.push('overdue=1');
    if (document.getElementById('replies-done').checked) params.push('done=1');
    FL.api('GET', '/api/replies?' + params.join('&')).then(function (res) {
      box.textContent = '';
      res.units.forEach(function (group) {
        var section = box.appendChild(el('section', 'reply-unit'));
        section.appendChild(el('h2', null, group.unit + '（' + group.questions.length + ' 个' +
          (group.overdue ? '，逾期 ' + group.overdue + ' 个' : '') + '）'));
        group.questions.forEach(function (q) { section.appendChild(renderQuestion(q)); });
      });
      document.getElementById('replies-empty').hidden = res.units.length > 0;
    }).catch(function (err) { box.textContent = err.message; });
  }

  ['replies-overdue', 'replies-done'].forEach(function (id) { document.getElementById(id).addEventListener('change', load); });
  document.getElementById('replies-load').addEventListener('click', load);
  load();
})();
