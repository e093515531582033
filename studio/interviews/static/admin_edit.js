/* Interview edit page (/admin/interviews/<id>): every field of the interview, units with the ★
 * lead, guests with photos, and the state buttons that start and end the live.
 * Nothing typed is lost on an error: the form is only re-filled from the server after a save
 * succeeded. Server text goes into the page as values / textContent, never as HTML. */
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var data = JSON.parse($('interview-data').textContent);
  var meta = JSON.parse($('state-meta').textContent);
  var id = data.id;
  var dirty = false;

  // ---- units ---------------------------------------------------------------------------------
  function addUnit(unit) {
    var node = $('unit-row').content.firstElementChild.cloneNode(true);
    node.querySelector('.u-name').value = unit.name || '';
    node.querySelector('.u-lead').checked = !!unit.is_lead;
    node.querySelector('.u-remove').addEventListener('click', function () { node.remove(); markDirty(); });
    node.querySelector('.u-up').addEventListener('click', function () {
      if (node.previousElementSibling) node.parentNode.insertBefore(node, node.previousElementSibling);
      markDirty();
    });
    $('units').appendChild(node);
    return node;
  }

  function collectUnits() {
    return Array.prototype.map.call($('units').children, function (row) {
      return { name: row.querySelector('.u-name').value.trim(), is_lead: row.querySelector('.u-lead').checked };
    }).filter(function (u) { return u.name; });
  }

  // ---- guests --------------------------------------------------------------------------------
  function showPhoto(node, url) {
    var img = node.querySelector('.g-photo');
    var none = node.querySelector('.g-nophoto');
    if (url) { img.src = url; img.hidden = false; none.hidden = true; } else { img.removeAttribute('src'); img.hidden = true; none.hidden = false; }
  }

  function addGuest(guest) {
    var node = $('guest-row').content.firstElementChild.cloneNode(true);
    if (guest.id) node.dataset.guestId = guest.id;
    if (guest.photo_image_id) node.dataset.photoId = guest.photo_image_id;
    node.querySelector('.g-name').value = guest.name || '';
    node.querySelector('.g-title').value = guest.title || '';
    node.querySelector('.g-bio').value = guest.bio || '';
    showPhoto(node, guest.photo_image_id ? '/media/' + guest.photo_image_id + '/thumb' : null);
    node.querySelector('.g-remove').addEventListener('click', function () {
      var name = node.querySelector('.g-name').value.trim();
      if (!name || confirm('删除嘉宾“' + name + '”？保存后生效。')) { node.remove(); markDirty(); }
    });
    node.querySelector('.g-up').addEventListener('click', function () {
      if (node.previousElementSibling) node.parentNode.insertBefore(node, node.previousElementSibling);
      markDirty();
    });
    var file = node.querySelector('.g-file');
    if (file) {
      file.addEventListener('change', function () {
        var err = node.querySelector('.g-error');
        err.textContent = '';
        if (!file.files[0]) return;
        var form = new FormData();
        form.append('file', file.files[0]);
        err.textContent = '上传中…';
        FangtanLive.api('POST', '/api/interviews/' + id + '/images', form, true).then(function (image) {
          err.textContent = '';
          node.dataset.photoId = image.id;
          showPhoto(node, image.thumb_url || image.url);
          markDirty();
        }).catch(function (e) { err.textContent = e.message || '上传失败'; }).finally(function () { file.value = ''; });
      });
      node.querySelector('.g-clear-photo').addEventListener('click', function () {
        delete node.dataset.photoId; showPhoto(node, null); markDirty();
      });
    }
    $('guests').appendChild(node);
    return node;
  }

  function collectGuests() {
    return Array.prototype.map.call($('guests').children, function (row) {
      var g = { name: row.querySelector('.g-name').value.trim(), title: row.querySelector('.g-title').value.trim(),
        bio: row.querySelector('.g-bio').value.trim(),
        photo_image_id: row.dataset.photoId ? parseInt(row.dataset.photoId, 10) : null };
      if (row.dataset.guestId) g.id = parseInt(row.dataset.guestId, 10);
      return g;
    }).filter(function (g) { return g.name || g.title || g.bio || g.photo_image_id; });
  }

  function fillLists(interview) {
    $('units').textContent = '';
    (interview.units || []).forEach(addUnit);
    if (!interview.units || !interview.units.length) addUnit({ is_lead: true });
    $('guests').textContent = '';
    (interview.guests || []).forEach(addGuest);
  }

  // ---- saving --------------------------------------------------------------------------------
  function value(name) { return $('f-' + name).value; }

  function collect() {
    var body = {
      title: value('title').trim(), topic: value('topic'), description: value('description'),
      liaison_name: value('liaison_name'), liaison_phone: value('liaison_phone'),
      liaison_email: value('liaison_email'), notes: value('notes'),
      kind: value('kind'), policy_title: value('policy_title'), policy_url: value('policy_url'),
      hosts: value('hosts').split(/[、,，;；]+/).map(function (h) { return h.trim(); }).filter(Boolean),
      questions_open_at: value('questions_open_at') || null, questions_close_at: value('questions_close_at') || null,
      units: collectUnits(), guests: collectGuests(),
    };
    var year = value('year').trim();
    body.year = year ? parseInt(year, 10) : null;
    var at = value('scheduled_at');
    if (at) {
      body.scheduled_at = at;                       // local time; the server adds the studio's offset
      body.scheduled_month = parseInt(at.slice(5, 7), 10);
      if (!body.year) body.year = parseInt(at.slice(0, 4), 10);
    } else {
      body.scheduled_at = null;
      body.scheduled_month = value('scheduled_month') ? parseInt(value('scheduled_month'), 10) : null;
    }
    return body;
  }

  function clearInvalid() {
    document.querySelectorAll('.invalid').forEach(function (n) { n.classList.remove('invalid'); });
  }

  function markInvalid(field) {
    var target = null;
    if (field === 'units') target = $('units');
    else if (field === 'guests') target = $('guests');
    else if (field) target = $('f-' + field);
    if (target) { target.classList.add('invalid'); if (target.focus) target.focus(); }
  }

  function markDirty() {
    dirty = true;
    $('save-status').textContent = '有未保存的修改';
  }

  function validate(body) {
    if (!body.title) return { field: 'title', message: '访谈主题不能为空' };
    if (body.units.filter(function (u) { return u.is_lead; }).length > 1) return { field: 'units', message: '只能有一个第一责任单位（★）' };
    var unnamed = body.guests.filter(function (g) { return !g.name; });
    if (unnamed.length) return { field: 'guests', message: '每位嘉宾都需要填写姓名' };
    if (body.questions_open_at && body.questions_close_at && body.questions_close_at <= body.questions_open_at)
      return { field: 'questions_close_at', message: '提问征集结束时间必须晚于开始时间' };
    return null;
  }

  // After logging in again in another tab this page holds the old session's CSRF token.
  var needsFreshToken = false;
  function freshToken() {
    if (!needsFreshToken) return Promise.resolve();
    return FangtanLive.api('GET', '/api/session').then(function (who) {
      document.querySelector('meta[name="csrf-token"]').content = who.csrf_token;
      needsFreshToken = false;
    });
  }

  $('edit-form').addEventListener('input', markDirty);
  $('edit-form').addEventListener('change', markDirty);
  $('edit-form').addEventListener('submit', function (e) {
    e.preventDefault();
    clearInvalid();
    $('save-error').textContent = '';
    var body = collect();
    var problem = validate(body);
    if (problem) { $('save-error').textContent = problem.message; markInvalid(problem.field); return; }
    $('save-btn').disabled = true;
    $('save-status').textContent = '保存中…';
    freshToken().then(function () {
      return FangtanLive.api('PATCH', '/api/interviews/' + id, body);
    }).then(function (saved) {
      data = saved;
      dirty = false;
      fillLists(saved);                      // new guests now carry their ids
      $('page-title').textContent = saved.title;
      document.title = '编辑访谈 · ' + saved.title + ' · 访谈直播间';
      $('save-status').textContent = '已保存 ' + FangtanLive.formatTime(new Date().toISOString());
    }).catch(function (err) {
      $('save-status').textContent = '未保存';
      if (err.status === 401 || err.code === 'csrf_failed') {
        // Logged out meanwhile: log in in another tab, then save again; this page keeps the form.
        $('save-error').textContent = '登录已失效：请在新标签页重新登录，然后回到这里再点“保存”（已填写的内容仍保留）。';
        var link = document.createElement('a');
        link.href = '/login'; link.target = '_blank'; link.rel = 'noopener'; link.textContent = ' 打开登录页';
        $('save-error').appendChild(link);
        needsFreshToken = true;
        return;
      }
      $('save-error').textContent = (err.message || '保存失败') + '（已填写的内容仍保留在表单中）';
      markInvalid(err.field);
    }).finally(function () { $('save-btn').disabled = false; });
  });

  window.addEventListener('beforeunload', function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ''; }
  });

  $('add-unit').addEventListener('click', function () { addUnit({}).querySelector('.u-name').focus(); markDirty(); });
  $('add-guest').addEventListener('click', function () { addGuest({}).querySelector('.g-name').focus(); markDirty(); });

  // ---- state ---------------------------------------------------------------------------------
  function localText(iso) {
    var w = FangtanKit.wallTime(iso), pad = function (n) { return (n < 10 ? '0' : '') + n; };
    if (!w) return '';
    return w.year + '-' + pad(w.month) + '-' + pad(w.day) + ' ' + pad(w.hour) + ':' + pad(w.minute);
  }

  function showTimes(state, times) {
    var parts = [];
    if (times.started_at) parts.push('开始：' + localText(times.started_at));
    if (times.ended_at && (state === 'ended' || state === 'published')) parts.push('结束：' + localText(times.ended_at));
    $('state-times').textContent = parts.join(' · ');
  }

  function showState(state, times) {
    if (times) showTimes(state, times);
    $('delete-btn').hidden = state !== 'planned';
    var badge = $('state-badge');
    badge.textContent = meta.labels[state] || state;
    badge.className = 'badge state-' + state;
    var box = $('state-buttons');
    box.textContent = '';
    // The next step first: a planned interview is announced (发布预告) before it goes live. An
    // ended live has no red button: resuming it is the exception, not the next step.
    var primary = { planned: 'preview', preview: 'live' }[state];
    (meta.transitions[state] || []).slice().sort(function (a, b) {
      return STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b);
    }).forEach(function (target) {
      var action = meta.actions[target];
      if (!action) return;
      var b = document.createElement('button');
      b.type = 'button';
      b.dataset.state = target;
      b.dataset.confirm = action[1];
      b.textContent = action[0];
      if (state === 'ended' && target === 'live') {  // the same words as the director page
        b.textContent = '恢复直播';
        b.dataset.confirm = '确定恢复直播吗？观众页会重新显示“直播中”。';
      }
      if (target === primary) b.className = 'primary';
      box.appendChild(b);
    });
  }
  var STATE_ORDER = ['preview', 'live', 'ended', 'published', 'planned'];

  var changing = false;  // one state change at a time: a double click asks once and sends once
  $('state-buttons').addEventListener('click', function (e) {
    var b = e.target.closest('button[data-state]');
    if (!b || changing) return;
    changing = true;
    var target = b.dataset.state;
    if (b.dataset.confirm && !confirm(b.dataset.confirm)) { changing = false; return; }
    $('state-error').textContent = '';
    b.disabled = true;
    FangtanLive.api('POST', '/api/interviews/' + id + '/state', { state: target }).then(function (saved) {
      data.state = saved.state;
      showState(saved.state, saved);
    }).catch(function (err) {
      // Already there (another screen did it, or an answer was lost): that is what was wanted.
      if (err && err.code === 'invalid_transition' && err.state === target) { data.state = target; showState(target); return; }
      $('state-error').textContent = err.message || '操作失败';
      b.disabled = false;
    }).then(function () { changing = false; });
  });

  $('delete-btn').addEventListener('click', function () {
    if (!confirm('确定删除此访谈吗？删除后不能恢复。')) return;
    $('state-error').textContent = '';
    FangtanLive.api('DELETE', '/api/interviews/' + id).then(function () {
      dirty = false;
      location.href = '/admin/' + (data.year ? '?year=' + data.year : '');
    }).catch(function (err) { $('state-error').textContent = err.message || '删除失败'; });
  });

  // Someone else (the director, another admin) may start or end the live meanwhile.
  if (window.io) {
    FangtanLive.follow({
      namespace: '/studio', interviewId: id,
      onSnapshot: function (snapshot) { if (snapshot.interview) showState(snapshot.interview.state, snapshot.interview); },
      onEvent: function (ev) { if (ev.type === 'interview.state_changed') showState(ev.data.state, ev.data); },
    });
  }

  fillLists(data);
})();
