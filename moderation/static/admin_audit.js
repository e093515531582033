/* The screening audit trail: who did what, when, and what changed as readable before → after
 * lines with Chinese field names (never raw JSON); filter and CSV export. */
(function () {
  'use strict';
  var FL = window.FangtanLive;
  var el = FL.el;
  var ACTIONS = { submit: '录入', approve: '通过', reject: '驳回', edit: '修改', merge: '合并', merged_in: '被合并',
                  mark: '标签/星标', push: '推送', unpush: '撤回推送', reorder: '调整顺序', on_air: '开始回答',
                  answered: '已回答', assign_reply: '安排答复', reply: '答复', settings: '设置', wordlist: '敏感词表' };
  var FIELDS = { status: '状态', text: '问题内容', labels: '标签', starred: '星标', queue_position: '队列位置',
                 merged_into: '合并到', into: '合并到', from: '合并自', askers: '提问人数', reject_reason: '驳回理由',
                 source: '来源', order: '主持人队列顺序', reply: '答复', reply_unit_id: '责任单位编号',
                 reply_due_at: '答复期限', post_answered_to_feed: '已回答的问题发布到图文直播', reply_days: '答复天数',
                 added: '新增', removed: '删除' };
  var STATUS = { pending: '待审核', approved: '已通过', pushed: '已推送', on_air: '正在回答', answered: '已回答',
                 rejected: '已驳回', merged: '已合并' };
  var SOURCES = { web: '网站', hotline: '热线', onsite: '现场' };
  var HIDDEN = { interview_id: true, reject_reasons: true };  // context, not a change
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

  /* One value as a person reads it. */
  function show(key, value) {
    if (value === null || value === undefined || value === '') return '（空）';
    if (typeof value === 'boolean') return value ? '是' : '否';
    if (Array.isArray(value)) {
      if (!value.length) return '（无）';
      return value.map(function (v) { return key === 'order' || key === 'merged_into' ? '#' + v : String(v); }).join('、');
    }
    if (key === 'status') return STATUS[value] || value;
    if (key === 'source') return SOURCES[value] || value;
    if ((key === 'merged_into' || key === 'into' || key === 'from') && typeof value === 'number') return '#' + value;
    if (key === 'reply_due_at' && typeof value === 'string') return value.replace('T', ' ').slice(0, 16);
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  function same(a, b) { return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b); }

  /* The lines "字段：之前 → 之后" of one entry: only the fields that changed (all of them for a
   * first entry such as 录入, shown as "字段：之后"). */
  function changes(before, after) {
    before = before || {};
    after = after || {};
    var box = el('div', 'audit-changes');
    var keys = Object.keys(before).concat(Object.keys(after).filter(function (k) { return !(k in before); }));
    var hasBefore = Object.keys(before).length > 0;
    keys.forEach(function (key) {
      if (HIDDEN[key] || same(before[key], after[key])) return;
      // A merge records its target twice (the field merged_into and the action's into): one line.
      if (key === 'into' && 'merged_into' in after && same(after.into, after.merged_into)) return;
      var line = box.appendChild(el('div', 'audit-change'));
      line.dataset.field = key;
      line.appendChild(el('span', 'field', (FIELDS[key] || key) + '：'));
      if (hasBefore && key in before) {
        line.appendChild(el('del', null, show(key, before[key])));
        line.appendChild(document.createTextNode(' → '));
      }
      line.appendChild(el('ins', null, key in after ? show(key, after[key]) : '（删除）'));
    });
    if (!box.childNodes.length) box.appendChild(el('span', 'muted', '无变化'));
    return box;
  }

  function load(more) {
    var params = query().concat(['limit=200']);
    if (more && lastId) params.push('before_id=' + lastId);
    document.getElementById('audit-csv').href = '/api/audit?' + query().concat(['format=csv']).join('&');
    FL.api('GET', '/api/audit?' + params.join('&')).then(function (res) {
      if (!more) tbody.textContent = '';
      res.entries.forEach(function (e) {
        var row = tbody.insertRow();
        row.dataset.auditId = e.id;
        cell(row, e.at.replace('T', ' ').slice(0, 19));
        cell(row, e.user);
        cell(row, e.interview_id || '');
        cell(row, e.question_id ? '#' + e.question_id : '');
        cell(row, ACTIONS[e.action] || e.action);
        row.insertCell().appendChild(changes(e.before, e.after));
        lastId = e.id;
      });
      document.getElementById('audit-more').hidden = res.entries.length < 200;
    }).catch(function (err) { alert(err.message); });
  }

  document.getElementById('audit-filter').addEventListener('submit', function (e) { e.preventDefault(); load(false); });
  document.getElementById('audit-more').addEventListener('click', function () { load(true); });
  load(false);
})();
