/* Interview list (/admin/): filters, the annual plan import (preview, then import), new interview.
 * All text from the server is put into the page with textContent, never as HTML. */
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'class') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }

  // Filters submit on change (inline handlers are not allowed by the page's CSP).
  var filterForm = $('filter-form');
  if (filterForm) {
    filterForm.querySelectorAll('select').forEach(function (s) {
      s.addEventListener('change', function () { filterForm.submit(); });
    });
  }

  function unitsText(units) {
    return units.map(function (u) { return u.name + (u.is_lead ? '★' : ''); }).join('、');
  }

  function whenText(row) {
    if (row.scheduled_at) {
      var w = FangtanKit.wallTime(row.scheduled_at);
      if (w) return w.month + '月' + w.day + '日';
    }
    return row.scheduled_month ? row.scheduled_month + '月' : '';
  }

  function rowsTable(rows, caption) {
    var tbody = el('tbody', {}, rows.map(function (r) {
      return el('tr', {}, [el('td', { text: String(r.row || '') }), el('td', { text: String(r.plan_no || '') }),
        el('td', { text: whenText(r) }), el('td', { text: r.title }), el('td', { text: unitsText(r.units || []) })]);
    }));
    return el('div', {}, [el('h3', { text: caption }),
      el('table', { class: 'plan-table' }, [el('thead', {}, [el('tr', {}, ['行', '序号', '时间', '访谈主题', '责任单位'].map(function (h) {
        return el('th', { text: h });
      }))]), tbody])]);
  }

  function showProblems(err) {
    var box = $('plan-result');
    box.textContent = '';
    $('plan-error').textContent = err.message || '导入失败';
    if (err.errors && err.errors.length) {
      var list = el('ul', { class: 'problems' }, err.errors.map(function (p) {
        var where = [];
        if (p.row) where.push('第 ' + p.row + ' 行');
        if (p.column) where.push('「' + p.column + '」列');
        return el('li', { text: (where.length ? where.join('，') + '：' : '') + p.message });
      }));
      box.appendChild(list);
    }
  }

  function sendPlan(dryRun) {
    var file = $('plan-file').files[0];
    var year = $('plan-year').value.trim();
    $('plan-error').textContent = '';
    if (!year) { $('plan-error').textContent = '请填写计划年份'; $('plan-year').focus(); return; }
    if (!file) { $('plan-error').textContent = '请选择计划表文件'; return; }
    var form = new FormData();
    form.append('file', file);
    form.append('year', year);
    if (dryRun) form.append('dry_run', '1');
    var buttons = [$('plan-preview-btn'), $('plan-import-btn')];
    buttons.forEach(function (b) { b.disabled = true; });
    FangtanLive.api('POST', '/api/plans/import', form, true).then(function (data) {
      var box = $('plan-result');
      box.textContent = '';
      if (data.dry_run) {
        box.appendChild(rowsTable(data.rows, '预览：将导入 ' + data.rows.length + ' 场访谈'));
        if (data.skipped.length) box.appendChild(rowsTable(data.skipped, '已导入过，将跳过 ' + data.skipped.length + ' 场'));
        box.appendChild(el('p', { class: 'muted', text: '确认无误后点击“导入”。' }));
      } else {
        var msg = '已导入 ' + data.created.length + ' 场访谈' + (data.skipped.length ? '，跳过已存在的 ' + data.skipped.length + ' 场' : '') + '。';
        box.appendChild(el('p', { class: 'ok', text: msg }));
        setTimeout(function () { location.href = '/admin/?year=' + encodeURIComponent(year); }, 1200);
      }
    }).catch(showProblems).finally(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    });
  }

  if ($('plan-form')) {
    $('plan-preview-btn').addEventListener('click', function () { sendPlan(true); });
    $('plan-import-btn').addEventListener('click', function () { sendPlan(false); });
  }

  var dialog = $('new-dialog');
  if ($('new-interview-btn') && dialog) {
    $('new-interview-btn').addEventListener('click', function () {
      $('new-error').textContent = '';
      dialog.showModal();
      $('new-title').focus();
    });
    $('new-cancel').addEventListener('click', function () { dialog.close(); });
    $('new-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var title = $('new-title').value.trim();
      if (!title) { $('new-error').textContent = '请填写访谈主题'; return; }
      var params = new URLSearchParams(location.search);
      var body = { title: title };
      if (params.get('year')) body.year = parseInt(params.get('year'), 10);
      FangtanLive.api('POST', '/api/interviews', body).then(function (created) {
        location.href = '/admin/interviews/' + created.id;
      }).catch(function (err) { $('new-error').textContent = err.message || '创建失败'; });
    });
  }
})();
