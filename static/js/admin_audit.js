/* The screening audit trail: who did what, when, before and after; filter and CSV export. */
(function () {
  'use strict';
  var FL = window.FangtanLive;
  var ACTIONS = { submit: '录入', approve: '通过', reject: '驳回', edit: '修改', merge: '合并', merged_in: '被合并',
                  mark: '标签/星标', push: '推送', unpush: '撤回推送', reorder: '调整顺序', on_air: '开始回答',
                  answered: '已回答', assign_reply: '安排答复', reply: '答复', settings: '设置', wordlist: '敏感词表' };
  var tbody = document.querySelector('#audit-table tbody');
  var lastId = null;

  function query() {
    var params = [];
    var i = document.getElementById('audit-interview').value.trim();
    var q = document.getElementById('audit-question').value.trim();
    if (i) params.push('interview_id=' + encodeURIComponent(i));
    if (q) params.push('question_id=' + encodeURIComponent(q));
    return params;
  }

  function cell(row, text) { var td = row.insertCell(); td.textContent = text; return td; }
  function brief(obj) { return obj && Object.keys(obj).length ? JSON.stringify(obj) : ''; }

  function load(more) {
    var params = query().concat(['limit=200']);
    if (more && lastId) params.push('before_id=' + lastId);
    document.getElementById('audit-csv').href = '/api/audit?' + query().concat(['format=csv']).join('&');
    FL.api('GET', '/api/audit?' + params.join('&')).then(function (res) {
      if (!more) tbody.textContent = '';
      res.entries.forEach(function (e) {
        var row = tbody.insertRow();
        cell(row, e.at.replace('T', ' ').slice(0, 19));
        cell(row, e.user);
        cell(row, e.interview_id || '');
        cell(row, e.question_id ? '#' + e.question_id : '');
        cell(row, ACTIONS[e.action] || e.action);
        cell(row, brief(e.before)).className = 'small';
        cell(row, brief(e.after)).className = 'small';
        lastId = e.id;
      });
      document.getElementById('audit-more').hidden = res.entries.length < 200;
    }).catch(function (err) { alert(err.message); });
  }

  document.getElementById('audit-filter').addEventListener('submit', function (e) { e.preventDefault(); load(false); });
  document.getElementById('audit-more').addEventListener('click', function () { load(true); });
  load(false);
})();
