/* The feed editor /studio/<id>/feed: fast typing (Enter posts, Shift+Enter breaks the line,
 * Alt+digit picks the speaker), photos (file or paste), and edit / withdraw / pin / history on
 * each entry. Nothing typed is lost: the text stays in the box until the server confirmed it.
 */
(function (global) {
  'use strict';
  var FangtanLive = global.FangtanLive, FangtanFeed = global.FangtanFeed;

  function $(id) { return document.getElementById(id); }
  function button(className, text) {
    var b = document.createElement('button');
    b.type = 'button'; b.className = className; b.textContent = text;
    return b;
  }
  function errorText(e) {
    if (!e) return '未知错误';
    if (e.status === undefined && e.code === undefined) return '网络不通，请检查网络后重试';
    return e.message || ('请求失败 (' + (e.status || e.code) + ')');
  }

  document.addEventListener('DOMContentLoaded', function () {
    var root = $('feed-editor');
    if (!root) return;
    var interview = JSON.parse($('interview-data').textContent);
    var interviewId = interview.id;
    var writable = root.dataset.writable === 'true';
    var textarea = $('feed-text'), postBtn = $('post-btn'), errorBox = $('composer-error');
    var photoInput = $('feed-photo'), preview = $('photo-preview'), uploadStatus = $('upload-status');
    var speakerBox = $('speakers');
    var speakerButtons = [];
    var speaker = null;           // {speaker, guest_id?, speaker_name?, key}
    var pendingImage = null;      // the uploaded image waiting to be posted
    var uploading = false, posting = false;
    var postAgain = false;        // Enter pressed again while the previous line was on its way
    var editing = {};             // entry id -> true while its edit form is open

    // ---- the draft: kept in this browser per interview, so a reload loses nothing -------------
    var DRAFT_KEY = 'fangtan.feed.draft.' + interviewId;
    function readDraft() {
      try { return JSON.parse(global.localStorage.getItem(DRAFT_KEY)) || {}; } catch (e) { return {}; }
    }
    function saveDraft() {
      try {
        if (!textarea.value && !speaker) global.localStorage.removeItem(DRAFT_KEY);
        else global.localStorage.setItem(DRAFT_KEY, JSON.stringify({ text: textarea.value, speaker: speaker && speaker.key }));
      } catch (e) { /* storage full or disabled: the box still holds the text */ }
    }

    // ---- speakers: every host, every guest, 网友提问, 旁白; rebuilt when the guests change --------
    function speakerChoices(data) {
      var choices = [];
      var hosts = (data.hosts || []).filter(function (h) { return h; });
      if (!hosts.length) choices.push({ speaker: 'host', label: '主持人', key: 'host' });
      hosts.forEach(function (name) {
        choices.push({ speaker: 'host', speaker_name: name, label: '主持人 ' + name, key: 'host:' + name });
      });
      (data.guests || []).forEach(function (g) {
        choices.push({ speaker: 'guest', guest_id: g.id, label: '嘉宾 ' + g.name, key: 'guest:' + g.id });
      });
      choices.push({ speaker: 'netizen', label: '网友提问', key: 'netizen' });
      choices.push({ speaker: 'narrator', label: '旁白', key: 'narrator' });
      return choices;
    }
    function buildSpeakers(data, wanted) {
      var choices = speakerChoices(data);
      var signature = JSON.stringify(choices);
      if (speakerBox.dataset.signature === signature) return;
      speakerBox.dataset.signature = signature;
      var keep = wanted || (speaker && speaker.key);
      speakerBox.textContent = '';
      speakerButtons = choices.map(function (choice, i) {
        var b = document.createElement('button');
        b.type = 'button'; b.className = 'speaker-btn'; b.setAttribute('role', 'radio');
        b.dataset.speaker = choice.speaker;
        b.dataset.choice = choice.key;
        b.dataset.label = choice.label;
        if (choice.guest_id) b.dataset.guestId = String(choice.guest_id);
        if (choice.speaker_name) b.dataset.speakerName = choice.speaker_name;
        var label = document.createElement('span');
        label.className = 'speaker-label';
        label.textContent = choice.label;
        b.appendChild(label);
        if (i < 9) {
          // The shortcut is shown beside the name, not part of it (the button's name stays "主持人 张敏").
          var k = String(i + 1);
          b.dataset.key = k;
          b.setAttribute('aria-keyshortcuts', 'Alt+' + k);
          var kbd = document.createElement('kbd');
          kbd.setAttribute('aria-hidden', 'true');
          kbd.textContent = k;
          b.appendChild(kbd);
        }
        b.addEventListener('click', function () { pickSpeaker(b); textarea.focus(); });
        speakerBox.appendChild(b);
        return b;
      });
      var again = speakerButtons.filter(function (b) { return b.dataset.choice === keep; })[0];
      // A speaker that is gone (a guest removed) is never kept silently: back to the first one.
      pickSpeaker(again || speakerButtons[0], !again && !!keep);
    }
    function pickSpeaker(btn, lost) {
      speakerButtons.forEach(function (b) {
        var on = b === btn;
        b.classList.toggle('active', on);
        b.setAttribute('aria-checked', on ? 'true' : 'false');
      });
      speaker = { speaker: btn.dataset.speaker, key: btn.dataset.choice };
      if (btn.dataset.guestId) speaker.guest_id = Number(btn.dataset.guestId);
      if (btn.dataset.speakerName) speaker.speaker_name = btn.dataset.speakerName;
      $('speaker-now').textContent = '发言人：' + btn.dataset.label + (lost ? '（原发言人已不在本场名单中，请确认）' : '');
      saveDraft();
    }
    var draft = readDraft();
    if (typeof draft.text === 'string' && draft.text) textarea.value = draft.text;
    buildSpeakers(interview, draft.speaker);
    textarea.addEventListener('input', saveDraft);

    document.addEventListener('keydown', function (e) {
      if (!/^[1-9]$/.test(e.key) || e.ctrlKey || e.metaKey) return;
      var inField = /^(TEXTAREA|INPUT|SELECT)$/.test(document.activeElement && document.activeElement.tagName);
      if (inField && !e.altKey) return;  // digits typed into the text are text
      var btn = speakerButtons.filter(function (b) { return b.dataset.key === e.key; })[0];
      if (!btn) return;
      e.preventDefault();
      pickSpeaker(btn);
      textarea.focus();
    });

    // ---- posting ------------------------------------------------------------------------------
    function speakerBody(choice, text) {
      var body = { speaker: choice.speaker, text: text };
      if (choice.guest_id) body.guest_id = choice.guest_id;
      if (choice.speaker_name) body.speaker_name = choice.speaker_name;
      var venue = document.getElementById('feed-venue');  // feed_editor_venues.js
      if (venue && venue.value) body.venue_id = Number(venue.value);
      return body;
    }
    function showError(message) { FangtanKit.showError(errorBox, message); }

    function setWritable(on) {
      writable = on;
      $('closed-notice').hidden = on;
      postBtn.disabled = !on || posting || uploading;
    }

    function post() {
      if (posting) { postAgain = true; return; }
      if (!writable) { showError('当前状态不能发布图文直播'); return; }
      if (uploading) { showError('图片还在上传，请稍候再发布'); return; }
      var text = textarea.value;
      if (!text.trim() && !pendingImage) { showError('请输入内容或添加图片'); textarea.focus(); return; }
      var body = speakerBody(speaker, text);
      if (pendingImage) body.image_id = pendingImage.id;
      posting = true;
      postBtn.disabled = true;
      postBtn.textContent = '发布中…';
      FangtanLive.api('POST', '/api/interviews/' + interviewId + '/feed', body).then(function (entry) {
        // Only now is it safe to clear: the server has the entry. Whatever was typed meanwhile
        // (after the posted text) stays in the box.
        if (textarea.value.indexOf(text) === 0) textarea.value = textarea.value.slice(text.length).replace(/^\n+/, '');
        saveDraft();  // the posted text leaves the stored draft too
        clearPhoto();
        showError('');
        view.upsert(entry);
      }).catch(function (e) {
        postAgain = false;
        showError(errorText(e) + '。内容已保留，按 Enter 或点“发布”重试。');
      }).then(function () {
        posting = false;
        postBtn.textContent = '发布';
        setWritable(writable);
        textarea.focus();
        if (postAgain) { postAgain = false; if (textarea.value.trim()) post(); }
      });
    }
    postBtn.addEventListener('click', post);
    textarea.addEventListener('keydown', function (e) {
      // While an input method is composing (拼音), Enter picks the characters: never post then.
      if (e.key !== 'Enter' || e.shiftKey || e.isComposing || e.keyCode === 229) return;
      e.preventDefault();
      post();
    });

    // ---- photos -------------------------------------------------------------------------------
    function clearPhoto() {
      pendingImage = null;
      preview.hidden = true;
      var img = preview.querySelector('img');
      if (img.src && img.src.indexOf('blob:') === 0) URL.revokeObjectURL(img.src);
      img.removeAttribute('src');
      uploadStatus.textContent = '';
      photoInput.value = '';
    }

    function upload(file) {
      if (!file) return;
      showError('');
      var img = preview.querySelector('img');
      if (img.src && img.src.indexOf('blob:') === 0) URL.revokeObjectURL(img.src);
      img.src = URL.createObjectURL(file);
      preview.hidden = false;
      preview.classList.remove('failed');
      uploadStatus.textContent = '上传中…';
      pendingImage = null;
      uploading = true;
      setWritable(writable);
      var form = new FormData();
      form.append('file', file);
      FangtanLive.api('POST', '/api/interviews/' + interviewId + '/images', form, true).then(function (image) {
        pendingImage = image;
        uploadStatus.textContent = '已上传 ' + image.width + '×' + image.height + '，随下一条发布';
      }).catch(function (e) {
        preview.classList.add('failed');
        uploadStatus.textContent = '上传失败';
        showError('图片上传失败：' + errorText(e));
      }).then(function () {
        uploading = false;
        setWritable(writable);
      });
    }
    photoInput.addEventListener('change', function () { upload(photoInput.files[0]); });
    $('photo-remove').addEventListener('click', function () { clearPhoto(); textarea.focus(); });
    textarea.addEventListener('paste', function (e) {
      var items = (e.clipboardData && e.clipboardData.files) || [];
      if (items.length && /^image\//.test(items[0].type)) { e.preventDefault(); upload(items[0]); }
    });

    // ---- the feed with its actions ------------------------------------------------------------
    function entryChoice(entry) {
      if (entry.speaker === 'guest') return 'guest:' + entry.guest_id;
      if (entry.speaker === 'host') {
        var named = 'host:' + entry.speaker_name;
        return speakerButtons.some(function (b) { return b.dataset.choice === named; }) ? named : 'host';
      }
      return entry.speaker;
    }
    function speakerOptions(select, entry) {
      speakerButtons.forEach(function (b) {
        var opt = document.createElement('option');
        opt.value = b.dataset.choice;
        opt.textContent = b.dataset.label;
        select.appendChild(opt);
      });
      select.value = entryChoice(entry);
      if (select.selectedIndex < 0 && speakerButtons.length) select.value = speakerButtons[0].dataset.choice;
    }
    function choiceOf(key) {
      var b = speakerButtons.filter(function (x) { return x.dataset.choice === key; })[0];
      if (!b) return null;
      return { speaker: b.dataset.speaker, guest_id: b.dataset.guestId ? Number(b.dataset.guestId) : undefined,
               speaker_name: b.dataset.speakerName };
    }

    function openEditor(node, entry) {
      editing[entry.id] = true;
      var form = document.createElement('div');
      form.className = 'edit-form';
      var select = document.createElement('select');
      select.className = 'edit-speaker';
      speakerOptions(select, entry);
      var text = document.createElement('textarea');
      text.className = 'edit-text';
      text.rows = 4;
      text.value = entry.text || '';
      form.appendChild(select);
      form.appendChild(text);
      var removePhoto = null;
      if (entry.image) {
        var label = document.createElement('label');
        label.className = 'edit-photo';
        removePhoto = document.createElement('input');
        removePhoto.type = 'checkbox';
        label.appendChild(removePhoto);
        label.appendChild(document.createTextNode(' 去掉图片'));
        form.appendChild(label);
      }
      var save = button('primary save-btn', '保存修改'), cancel = button('cancel-btn', '取消');
      var err = document.createElement('p');
      err.className = 'error edit-error';
      form.appendChild(save); form.appendChild(cancel); form.appendChild(err);
      node.appendChild(form);
      node.classList.add('editing');
      text.focus();

      function close() { delete editing[entry.id]; view.refresh(entry.id); }
      cancel.addEventListener('click', close);
      function submit() {
        var chosen = choiceOf(select.value);
        if (!chosen) { err.textContent = '请选择发言人'; return; }
        var body = speakerBody(chosen, text.value);
        if (removePhoto && removePhoto.checked) body.image_id = null;
        save.disabled = true;
        FangtanLive.api('PATCH', '/api/feed/' + entry.id, body).then(function (updated) {
          delete editing[entry.id];
          view.upsert(updated);
          view.refresh(entry.id);
        }).catch(function (e) {
          save.disabled = false;
          err.textContent = errorText(e) + '。修改内容已保留，可再试。';
        });
      }
      save.addEventListener('click', submit);
      text.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
        if (e.key === 'Escape') close();
      });
    }

    function actionFailed(node, e) {
      var err = node.querySelector('.action-error');
      if (err) err.textContent = errorText(e);
    }

    function decorate(node, entry) {
      var bar = document.createElement('div');
      bar.className = 'entry-actions';
      if (!entry.deleted) {
        var edit = button('edit-btn', '修改');
        edit.addEventListener('click', function () { openEditor(node, view.entries[entry.id] || entry); });
        var pin = button('pin-btn', entry.pinned ? '取消置顶' : '置顶');
        pin.addEventListener('click', function () {
          pin.disabled = true;
          FangtanLive.api('PATCH', '/api/feed/' + entry.id, { pinned: !entry.pinned })
            .then(function (updated) { view.upsert(updated); })
            .catch(function (e) { pin.disabled = false; actionFailed(node, e); });
        });
        var withdraw = button('withdraw-btn', '撤回');
        var armed = null;
        withdraw.addEventListener('click', function () {
          if (!armed) {  // a second click confirms: a stray click must not withdraw a line
            withdraw.textContent = '确认撤回？';
            withdraw.classList.add('armed');
            armed = setTimeout(function () { armed = null; withdraw.textContent = '撤回'; withdraw.classList.remove('armed'); }, 4000);
            return;
          }
          clearTimeout(armed);
          withdraw.disabled = true;
          FangtanLive.api('DELETE', '/api/feed/' + entry.id)
            .then(function (updated) { view.upsert(updated); })
            .catch(function (e) { withdraw.disabled = false; actionFailed(node, e); });
        });
        bar.appendChild(edit); bar.appendChild(pin); bar.appendChild(withdraw);
      }
      var history = button('history-btn', '历史');
      history.addEventListener('click', function () { toggleHistory(node, entry); });
      bar.appendChild(history);
      var err = document.createElement('span');
      err.className = 'error action-error';
      bar.appendChild(err);
      node.appendChild(bar);
    }

    var ACTIONS = { posted: '发布', edited: '修改', deleted: '撤回', pinned: '置顶', unpinned: '取消置顶' };
    function toggleHistory(node, entry) {
      var box = node.querySelector('.history');
      if (box) { box.parentNode.removeChild(box); return; }
      box = document.createElement('ol');
      box.className = 'history';
      node.appendChild(box);
      FangtanLive.api('GET', '/api/feed/' + entry.id + '/history').then(function (data) {
        data.revisions.forEach(function (rev) {
          var li = document.createElement('li');
          li.textContent = FangtanFeed.timeOfDay(rev.at) + ' ' + (rev.by || '') + ' ' + (ACTIONS[rev.action] || rev.action) +
            '：' + rev.speaker_name + '｜' + rev.text + (rev.image_id ? '［图片］' : '');
          box.appendChild(li);
        });
      }).catch(function (e) { box.textContent = errorText(e); });
    }

    var view = new FangtanFeed.FeedView($('feed'), {
      order: 'newest',
      keepWithdrawn: true,
      pinned: $('pinned'),
      decorate: decorate,
      isBusy: function (id) { return !!editing[id]; },
      onChange: function (v) {
        $('feed-empty').hidden = v.count() > 0;
        $('pinned-section').hidden = !document.querySelector('#pinned .entry');
        var live = Object.keys(v.entries).filter(function (id) { return !v.entries[id].deleted; }).length;
        $('feed-count').textContent = live + ' 条';
      },
    });
    FangtanFeed.installLightbox($('feed'), (function () {
      var box = document.createElement('div');
      box.className = 'lightbox'; box.hidden = true; box.id = 'lightbox';
      box.appendChild(document.createElement('img'));
      document.body.appendChild(box);
      return box;
    })());

    var STATE_NAMES = { planned: '计划中', preview: '预告', live: '直播中', ended: '已结束', published: '已发布' };
    function applyState(state) {
      var badge = $('state-badge');
      badge.textContent = STATE_NAMES[state] || state;
      badge.classList.toggle('live', state === 'live');
      setWritable(state === 'preview' || state === 'live' || state === 'ended');
    }

    FangtanLive.follow({
      namespace: '/studio',
      interviewId: interviewId,
      onSnapshot: function (snapshot) {
        view.reset((snapshot.feed && snapshot.feed.entries) || []);
        if (snapshot.interview) { applyState(snapshot.interview.state); buildSpeakers(snapshot.interview); }
      },
      onEvent: function (ev) {
        view.applyEvent(ev);
        if (ev.type === 'interview.state_changed') applyState(ev.data.state);
        // Guests or hosts added, renamed or removed by the admin: the speaker buttons follow.
        if (ev.type === 'interview.updated' && ev.data) buildSpeakers(ev.data);
      },
      onStatus: function (status) { FangtanFeed.setConnection($('conn'), status); },
    });
    setWritable(writable);
    textarea.focus();
  });
})(window);
