/* The publisher's editor (剪辑与发布): play the recordings as one joined timeline, mark in/out,
 * remove ranges, choose chapters, poster and transcript corrections, save the edit decision
 * (PUT /api/interviews/<id>/edit) and publish with a progress bar.
 *
 * All times here are joined seconds (recording 1, then 2, … back to back), the same as the API.
 */
(function () {
  'use strict';
  var root = document.getElementById('editor');
  if (!root) return;
  var interviewId = parseInt(root.getAttribute('data-interview-id'), 10);
  var $ = function (id) { return document.getElementById(id); };
  var video = $('ed-video');
  var FRAME = 1 / 25;
  var STATE_LABELS = { planned: '计划', preview: '预告', live: '直播中', ended: '已结束', published: '已发布' };
  var JOB_LABELS = { queued: '排队中', running: '发布中', done: '已完成', failed: '失败', cancelled: '已取消' };
  var MARKER_CLASS = { cue: 'cue', question_on_air: 'question', question_answered: 'question', scene: 'scene', feed: 'feed' };

  var material = null;       // GET /api/interviews/<id>/edit
  var recordings = [];       // [{id, offset_s, duration_s, …}]
  var total = 0;
  var keep = [];             // [[in, out], …]
  var selIn = null, selOut = null;
  var poster = null;
  var chapters = [];         // [{at_s, title}]
  var chaptersEdited = false;
  var corrections = {};      // entry_id -> {speaker_name?, text?, hidden?}
  var currentRec = -1;
  var pendingSeek = null;
  var dirty = false;
  var activeJob = null, pollTimer = null;
  var textOnly = false;      // no recording: publish the text broadcast alone (图文实录，无视频)

  // ---- time helpers ------------------------------------------------------------------------
  function pad(n, w) { n = String(n); while (n.length < w) n = '0' + n; return n; }
  function tc(t) {
    if (t === null || t === undefined || isNaN(t)) return '';
    var ms = Math.round(Math.max(t, 0) * 1000);
    return pad(Math.floor(ms / 3600000), 2) + ':' + pad(Math.floor(ms / 60000) % 60, 2) + ':' +
      pad(Math.floor(ms / 1000) % 60, 2) + '.' + pad(ms % 1000, 3);
  }
  function short(t) {
    var s = Math.round(t); return Math.floor(s / 60) + ':' + pad(s % 60, 2);
  }
  function parseTc(text) {
    text = String(text || '').trim();
    if (!text) return null;
    var parts = text.split(':').map(Number);
    if (parts.some(isNaN) || parts.length > 3) return NaN;
    return parts.reduce(function (acc, p) { return acc * 60 + p; }, 0);
  }
  function clamp(t) { return Math.min(Math.max(t, 0), total); }
  function keptDuration() { return keep.reduce(function (s, r) { return s + r[1] - r[0]; }, 0); }

  // ---- range algebra -----------------------------------------------------------------------
  function subtract(ranges, a, b) {
    var out = [];
    ranges.forEach(function (r) {
      if (r[1] <= a || r[0] >= b) { out.push(r); return; }
      if (r[0] < a) out.push([r[0], a]);
      if (r[1] > b) out.push([b, r[1]]);
    });
    return out.filter(function (r) { return r[1] - r[0] >= 0.1; });
  }
  function intersect(ranges, a, b) {
    return ranges.map(function (r) { return [Math.max(r[0], a), Math.min(r[1], b)]; })
      .filter(function (r) { return r[1] - r[0] >= 0.1; });
  }
  function removedAt(t) {
    for (var i = 0; i < keep.length; i++) {
      if (t < keep[i][0]) return keep[i][0];       // inside the gap before range i: jump to it
      if (t < keep[i][1]) return null;             // inside a kept range
    }
    return total;                                  // after the last kept range
  }

  // ---- the player over several files -------------------------------------------------------
  function recAt(t) {
    for (var i = 0; i < recordings.length; i++) {
      if (t < recordings[i].offset_s + recordings[i].duration_s || i === recordings.length - 1) return i;
    }
    return -1;
  }
  function joinedNow() {
    if (currentRec < 0) return 0;
    return recordings[currentRec].offset_s + (video.currentTime || 0);
  }
  function load(index, local, play) {
    currentRec = index;
    pendingSeek = { t: local, play: play };
    video.src = '/api/recordings/' + recordings[index].id + '/media';
    video.load();
  }
  function seek(t, play) {
    if (!recordings.length) return;
    t = clamp(t);
    var i = recAt(t);
    var local = t - recordings[i].offset_s;
    if (i !== currentRec) { load(i, local, play === undefined ? !video.paused : play); return; }
    video.currentTime = local;
    if (play) video.play().catch(function () {});
    drawPlayhead();
  }
  video.addEventListener('loadedmetadata', function () {
    $('ed-player-note').hidden = true;
    if (pendingSeek) {
      video.currentTime = pendingSeek.t;
      if (pendingSeek.play) video.play().catch(function () {});
      pendingSeek = null;
    }
  });
  video.addEventListener('error', function () {
    var note = $('ed-player-note');
    note.hidden = false;
    note.textContent = '浏览器无法播放这个录像文件（格式或文件问题）。仍可输入时间码剪辑。';
  });
  video.addEventListener('ended', function () {
    if (currentRec + 1 < recordings.length) load(currentRec + 1, 0, true);
  });
  function tick() {
    var t = joinedNow();
    if (!video.paused && $('ed-preview').checked) {
      var jump = removedAt(t);
      if (jump !== null) {
        if (jump >= total - 0.01 || keep.length === 0 || t >= keep[keep.length - 1][1]) video.pause();
        else seek(jump + 0.001, true);
      }
    }
    drawPlayhead();
    requestAnimationFrame(tick);
  }

  // ---- drawing -----------------------------------------------------------------------------
  function pct(t) { return total ? (100 * t / total) + '%' : '0%'; }
  function drawPlayhead() {
    var t = joinedNow();
    $('ed-playhead').style.left = pct(t);
    $('ed-time').textContent = tc(t);
  }
  function drawTimeline() {
    var ranges = $('ed-ranges');
    ranges.textContent = '';
    var cursor = 0;
    keep.concat([[total, total]]).forEach(function (r) {
      if (r[0] > cursor) addBand(ranges, cursor, r[0], 'removed');
      if (r[1] > r[0]) addBand(ranges, r[0], r[1], 'kept');
      cursor = r[1];
    });
    recordings.slice(1).forEach(function (rec) {
      var join = document.createElement('div');
      join.className = 'join'; join.style.left = pct(rec.offset_s); join.title = '录像接续处';
      ranges.appendChild(join);
    });
    var sel = $('ed-selection');
    if (selIn !== null && selOut !== null && selOut > selIn) {
      sel.hidden = false; sel.style.left = pct(selIn); sel.style.width = pct(selOut - selIn);
    } else sel.hidden = true;
    var markers = $('ed-markers');
    markers.textContent = '';
    (material.markers || []).forEach(function (m) {
      if (m.t === null || !MARKER_CLASS[m.kind]) return;
      addTick(markers, m.t, MARKER_CLASS[m.kind], m.label || m.kind);
    });
    (material.entries || []).forEach(function (e) {
      if (e.t !== null && !e.deleted) addTick(markers, e.t, 'feed', (e.speaker_name || '') + ' ' + (e.text || '').slice(0, 30));
    });
    if (poster !== null) addTick(markers, poster, 'poster', '封面');
    $('ed-out-duration').textContent = short(keptDuration());
    $('ed-total').textContent = tc(total);
    $('ed-poster-at').textContent = poster === null ? '自动（第 10 秒左右）' : tc(poster);
  }
  function addBand(parent, a, b, cls) {
    var d = document.createElement('div');
    d.className = 'band ' + cls; d.style.left = pct(a); d.style.width = pct(b - a);
    d.title = (cls === 'kept' ? '保留 ' : '删除 ') + tc(a) + ' – ' + tc(b);
    parent.appendChild(d);
  }
  function addTick(parent, t, cls, label) {
    var d = document.createElement('div');
    d.className = 'tick ' + cls; d.style.left = pct(t); d.title = tc(t) + ' ' + label;
    parent.appendChild(d);
  }
  function drawKeep() {
    var body = $('ed-keep');
    body.textContent = '';
    keep.forEach(function (r, i) {
      var tr = document.createElement('tr');
      var num = document.createElement('td'); num.textContent = i + 1; tr.appendChild(num);
      [0, 1].forEach(function (k) {
        var td = document.createElement('td');
        var input = document.createElement('input');
        input.className = 'tc'; input.value = tc(r[k]);
        input.addEventListener('change', function () {
          var v = parseTc(input.value);
          if (v === null || isNaN(v)) { showError('时间码格式：时:分:秒.毫秒', 'ed-keep-error'); input.value = tc(r[k]); return; }
          showError('', 'ed-keep-error');
          r[k] = clamp(v); changed();
        });
        td.appendChild(input); tr.appendChild(td);
      });
      var len = document.createElement('td'); len.textContent = short(r[1] - r[0]); tr.appendChild(len);
      var del = document.createElement('td');
      var b = document.createElement('button'); b.type = 'button'; b.textContent = '删除此段';
      b.onclick = function () { keep.splice(i, 1); changed(); };
      var go = document.createElement('button'); go.type = 'button'; go.textContent = '定位';
      go.onclick = function () { seek(r[0], false); };
      del.appendChild(go); del.appendChild(b); tr.appendChild(del);
      body.appendChild(tr);
    });
  }
  function drawChapters() {
    var list = $('ed-chapters');
    list.textContent = '';
    chapters.forEach(function (c, i) {
      var li = document.createElement('li');
      var at = document.createElement('input'); at.className = 'tc'; at.value = tc(c.at_s);
      at.onchange = function () {
        var v = parseTc(at.value);
        if (v === null || isNaN(v)) { at.value = tc(c.at_s); return; }
        c.at_s = clamp(v); chaptersEdited = true; sortChapters(); changed();
      };
      var title = document.createElement('input'); title.className = 'title'; title.value = c.title; title.maxLength = 200;
      title.oninput = function () { c.title = title.value; chaptersEdited = true; markDirty(); };
      var go = document.createElement('button'); go.type = 'button'; go.textContent = '定位';
      go.onclick = function () { seek(c.at_s, false); };
      var del = document.createElement('button'); del.type = 'button'; del.textContent = '删除';
      del.onclick = function () { chapters.splice(i, 1); chaptersEdited = true; changed(); };
      if (removedAt(c.at_s) !== null) li.className = 'cut';
      li.title = removedAt(c.at_s) !== null ? '这一章的开头被剪掉了，发布时不会出现' : '';
      [at, title, go, del].forEach(function (el) { li.appendChild(el); });
      list.appendChild(li);
    });
  }
  function sortChapters() { chapters.sort(function (a, b) { return a.at_s - b.at_s; }); }
  function drawTranscript() {
    var list = $('ed-transcript');
    list.textContent = '';
    if (!(material.entries || []).some(function (e) { return !e.deleted; })) {
      var none = document.createElement('li'); none.className = 'empty'; none.textContent = '本访谈没有图文直播条目。';
      list.appendChild(none);
    }
    (material.entries || []).forEach(function (e) {
      if (e.deleted) return;
      var fix = corrections[e.id] || {};
      var li = document.createElement('li');
      li.className = 'entry' + (fix.hidden ? ' hidden-entry' : '') + (e.t !== null && removedAt(e.t) !== null ? ' cut' : '');
      var time = document.createElement('button'); time.type = 'button'; time.className = 'time';
      // Without video the entry's clock time is shown; with video, its place in the recordings.
      time.textContent = e.t === null ? (textOnly ? FangtanLive.formatTime(e.at) : '未录制') : tc(e.t);
      time.disabled = e.t === null;
      time.onclick = function () { seek(e.t, false); };
      var who = document.createElement('input'); who.className = 'who';
      who.value = fix.speaker_name !== undefined ? fix.speaker_name : (e.speaker_name || '');
      who.placeholder = { host: '主持人', guest: '嘉宾', netizen: '网友', narrator: '旁白' }[e.speaker] || '';
      var text = document.createElement('textarea'); text.rows = 2;
      text.value = fix.text !== undefined ? fix.text : (e.text || '');
      var hide = document.createElement('label'); hide.className = 'inline';
      var box = document.createElement('input'); box.type = 'checkbox'; box.checked = !!fix.hidden;
      hide.appendChild(box); hide.appendChild(document.createTextNode(' 不收录'));
      function update() {
        var f = {};
        if (who.value.trim() !== (e.speaker_name || '')) f.speaker_name = who.value.trim();
        if (text.value.trim() !== (e.text || '').trim()) f.text = text.value.trim();
        if (box.checked) f.hidden = true;
        if (Object.keys(f).length) corrections[e.id] = f; else delete corrections[e.id];
        li.classList.toggle('corrected', !!(f.text !== undefined || f.speaker_name !== undefined));
        li.classList.toggle('hidden-entry', !!f.hidden);
        markDirty();
      }
      who.oninput = update; text.oninput = update; box.onchange = update;
      li.appendChild(time); li.appendChild(who); li.appendChild(text); li.appendChild(hide);
      if (e.image_url) {
        var img = document.createElement('img'); img.src = e.image_url; img.alt = '图片'; img.loading = 'lazy';
        li.appendChild(img);
      }
      if (fix.text !== undefined || fix.speaker_name !== undefined) li.classList.add('corrected');
      list.appendChild(li);
    });
  }
  function drawRecordings() {
    var list = $('ed-recordings');
    list.textContent = '';
    if (!recordings.length) {
      var li = document.createElement('li'); li.textContent = '还没有录像。导播结束录制后自动登记，也可通过接口登记。';
      list.appendChild(li);
    }
    recordings.forEach(function (r, i) {
      var li = document.createElement('li');
      li.textContent = (i + 1) + '. ' + r.path.split('/').pop() + '　' + short(r.duration_s || 0) + '　' +
        (r.width || '?') + '×' + (r.height || '?') + '　开始于 ' + FangtanLive.formatTime(r.started_at);
      list.appendChild(li);
    });
  }
  function drawAll() { drawTimeline(); drawKeep(); drawChapters(); drawTranscript(); }

  // ---- editing actions ---------------------------------------------------------------------
  function markDirty() { dirty = true; $('ed-save-state').textContent = '有未保存的修改'; }
  function changed() { markDirty(); drawTimeline(); drawKeep(); drawChapters(); }
  function setIn(t) { selIn = clamp(t); $('ed-in').value = tc(selIn); drawTimeline(); }
  function setOut(t) { selOut = clamp(t); $('ed-out').value = tc(selOut); drawTimeline(); }
  function needSelection() {
    if (selIn === null || selOut === null || selOut - selIn < 0.1) { selError('请先设好入点和出点（出点须晚于入点）'); return false; }
    selError('');
    return true;
  }
  function removeSelection() {
    if (!needSelection()) return;
    keep = subtract(keep, selIn, selOut);
    selIn = selOut = null; $('ed-in').value = $('ed-out').value = '';
    changed();
  }
  function trimToSelection() {
    if (!needSelection()) return;
    keep = intersect(keep, selIn, selOut);
    changed();
  }
  function addChapterHere() {
    chapters.push({ at_s: Math.round(joinedNow() * 1000) / 1000, title: '新章节' });
    chaptersEdited = true; sortChapters(); changed();
  }

  // Errors appear next to the control that caused them (the page is long: a message at the top
  // would be off-screen while the publisher is at the publish button). slot: the id of the
  // error line beside that control; the top line is for loading only.
  function showError(message, slot) {
    var el = $(slot || 'ed-error');
    el.textContent = message || '';
    if (message && el.scrollIntoView) {
      var box = el.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) el.scrollIntoView({ block: 'center' });
    }
  }
  function selError(message) { showError(message, 'ed-sel-error'); }
  function publishError(message) { showError(message, 'ed-publish-error'); }

  $('ed-set-in').onclick = function () { setIn(joinedNow()); };
  $('ed-set-out').onclick = function () { setOut(joinedNow()); };
  $('ed-remove').onclick = removeSelection;
  $('ed-trim').onclick = trimToSelection;
  $('ed-reset').onclick = function () { keep = total ? [[0, total]] : []; changed(); };
  $('ed-poster').onclick = function () { poster = joinedNow(); markDirty(); drawTimeline(); };
  $('ed-chapter-add').onclick = addChapterHere;
  $('ed-chapter-default').onclick = function () {
    chapters = (material.default_chapters || []).map(function (c) { return { at_s: c.at_s, title: c.title }; });
    chaptersEdited = false; changed();
  };
  ['ed-in', 'ed-out'].forEach(function (id) {
    $(id).addEventListener('change', function () {
      var v = parseTc($(id).value);
      if (v === null) { if (id === 'ed-in') selIn = null; else selOut = null; drawTimeline(); return; }
      if (isNaN(v)) { selError('时间码格式：时:分:秒.毫秒，例如 00:12:30.500'); return; }
      selError('');
      if (id === 'ed-in') setIn(v); else setOut(v);
    });
  });
  $('ed-back').onclick = function () { seek(joinedNow() - 5); };
  $('ed-play').onclick = function () { if (video.paused) video.play().catch(function () {}); else video.pause(); };
  $('ed-fwd').onclick = function () { playFaster(); };
  $('ed-timeline').addEventListener('click', function (e) {
    var box = this.getBoundingClientRect();
    seek(total * (e.clientX - box.left) / box.width);
  });
  function playFaster() {
    if (video.paused) { video.playbackRate = 1; video.play().catch(function () {}); }
    else video.playbackRate = Math.min(video.playbackRate * 2, 8);
  }

  document.addEventListener('keydown', function (e) {
    if (textOnly) return;  // no video: the cutting keys have nothing to act on
    var tag = (e.target.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || tag === 'select' || e.ctrlKey || e.metaKey || e.altKey) return;
    var key = e.key.toLowerCase();
    var handled = true;
    if (key === 'i') setIn(joinedNow());
    else if (key === 'o') setOut(joinedNow());
    else if (key === 'x') removeSelection();
    else if (key === 'j') seek(joinedNow() - 5);
    else if (key === 'k' || key === ' ') { if (video.paused) video.play().catch(function () {}); else video.pause(); }
    else if (key === 'l') playFaster();
    else if (key === 'p') { poster = joinedNow(); markDirty(); drawTimeline(); }
    else if (key === 'm') addChapterHere();
    else if (e.key === 'ArrowLeft') { video.pause(); seek(joinedNow() - (e.shiftKey ? 1 : FRAME)); }
    else if (e.key === 'ArrowRight') { video.pause(); seek(joinedNow() + (e.shiftKey ? 1 : FRAME)); }
    else handled = false;
    if (handled) e.preventDefault();
  });
  window.addEventListener('beforeunload', function (e) { if (dirty) { e.preventDefault(); e.returnValue = ''; } });
  // The caption timing panel of a policy explainer (editor_captions.js) reads the same clock.
  window.FangtanEditor = { joinedNow: joinedNow, seek: seek, video: video };

  // ---- save and publish --------------------------------------------------------------------
  function decision() {
    if (textOnly) return { recording_ids: [], corrections: corrections };
    return {
      recording_ids: recordings.map(function (r) { return r.id; }),
      keep: keep.map(function (r) { return [Math.round(r[0] * 1000) / 1000, Math.round(r[1] * 1000) / 1000]; }),
      poster_s: poster === null ? null : Math.round(poster * 1000) / 1000,
      chapters: chaptersEdited ? chapters.filter(function (c) { return c.title.trim(); }) : null,
      corrections: corrections,
    };
  }
  function save() {
    publishError('');
    return FangtanLive.api('PUT', '/api/interviews/' + interviewId + '/edit', decision()).then(function (d) {
      dirty = false;
      $('ed-save-state').textContent = '已保存（第 ' + d.revision + ' 版）';
      return d;
    }, function (err) { publishError('保存失败：' + err.message); err.shown = true; throw err; });
  }
  $('ed-save').onclick = function () { save().catch(function () {}); };
  $('ed-publish').onclick = function () {
    save().then(function () {
      return FangtanLive.api('POST', '/api/interviews/' + interviewId + '/publish');
    }).then(function (d) { watchJob(d.job); }, function (err) {
      if (err && err.code === 'job_in_progress' && err.job_id) { watchJob({ id: err.job_id, state: 'running', progress: 0 }); return; }
      if (err && !err.shown) publishError('发布失败：' + (err.message || '网络错误'));
    });
  };
  $('ed-cancel').onclick = function () {
    if (!activeJob) return;
    FangtanLive.api('POST', '/api/jobs/' + activeJob.id + '/cancel').then(showJob, function (err) { publishError('取消失败：' + err.message); });
  };
  $('ed-unpublish').onclick = function () {
    if (!window.confirm('撤下后访谈回顾页和订阅条目都会删除，确定吗？')) return;
    publishError('');
    FangtanLive.api('DELETE', '/api/interviews/' + interviewId + '/publish').then(function () {
      setState('ended');
    }, function (err) { publishError('撤下失败：' + err.message); });
  };

  function setState(state) {
    var badge = $('ed-state');
    badge.textContent = STATE_LABELS[state] || state;
    badge.className = 'badge' + (state === 'published' ? ' ok' : '');
    $('ed-unpublish').hidden = state !== 'published';
    $('ed-archive-link').hidden = state !== 'published';
    $('ed-publish').disabled = !(state === 'ended' || state === 'published');
    $('ed-publish').title = $('ed-publish').disabled ? '访谈结束后才能发布' : '';
  }
  function showJob(job) {
    activeJob = job;
    var box = $('ed-job');
    box.hidden = false;
    $('ed-progress').value = job.progress || 0;
    var text = (JOB_LABELS[job.state] || job.state) + ' ' + Math.round((job.progress || 0) * 100) + '%';
    if (job.state === 'running' && job.eta_s !== undefined) text += '，约剩 ' + Math.max(1, Math.round(job.eta_s)) + ' 秒';
    if (job.cancel_requested && job.state === 'running') text += '（正在取消）';
    if (job.error) text += '：' + job.error;
    $('ed-job-text').textContent = text;
    showCutPath(job);
    box.className = 'job ' + job.state;
    var running = job.state === 'queued' || job.state === 'running';
    $('ed-cancel').hidden = !running;
    $('ed-publish').disabled = running;
    if (!running) {
      stopPolling();
      if (job.state === 'done') { setState('published'); $('ed-job-text').textContent = '发布完成。'; appendArchiveLink(); }
      refreshJobs();
    }
  }
  // How the video is cut (smart cut or the full encode, and why): the pipeline says once it has decided.
  function cutPathText(job) {
    if (job.path === 'smart') return '剪辑方式：智能剪辑（画面直接复制，只重新编码剪辑点附近的画面）';
    if (job.path === 'full') return '剪辑方式：完整重新编码' + (job.reason ? '。原因：' + job.reason : '');
    return '';
  }
  function showCutPath(job) {
    var line = $('ed-job-path'), text = cutPathText(job);
    line.textContent = text;
    line.hidden = !text;
  }
  function appendArchiveLink() {
    var a = document.createElement('a');
    a.href = '/archive/' + interviewId + '/'; a.target = '_blank'; a.textContent = ' 打开访谈回顾页';
    $('ed-job-text').appendChild(a);
  }
  function watchJob(job) {
    stopPolling();
    showJob(job);
    if (job.state !== 'queued' && job.state !== 'running') return;
    pollTimer = setInterval(function () {
      FangtanLive.api('GET', '/api/jobs/' + job.id).then(showJob, function () {});
    }, 1000);
  }
  function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }
  function refreshJobs() {
    FangtanLive.api('GET', '/api/interviews/' + interviewId + '/jobs').then(function (d) { drawJobs(d.jobs); }, function () {});
  }
  function drawJobs(list) {
    var ul = $('ed-jobs');
    ul.textContent = '';
    (list || []).slice(0, 5).forEach(function (j) {
      var li = document.createElement('li');
      li.textContent = '任务 ' + j.id + '：' + (JOB_LABELS[j.state] || j.state) + (j.finished_at ? '，' + FangtanLive.formatTime(j.finished_at) : '') +
        (j.path ? '，' + (j.path === 'smart' ? '智能剪辑' : '完整重新编码') : '') + (j.error ? '，' + j.error : '');
      ul.appendChild(li);
    });
  }

  // ---- start -------------------------------------------------------------------------------
  FangtanLive.api('GET', '/api/interviews/' + interviewId + '/edit').then(function (m) {
    material = m;
    recordings = m.recordings || [];
    total = m.total_s || 0;
    var e = m.edit;
    keep = (e.keep || []).map(function (r) { return [r[0], r[1]]; });
    poster = e.poster_s;
    chaptersEdited = e.chapters !== null && e.chapters !== undefined;
    chapters = (chaptersEdited ? e.chapters : m.default_chapters || []).map(function (c) { return { at_s: c.at_s, title: c.title }; });
    corrections = e.corrections || {};
    textOnly = !!m.text_only;
    $('ed-text-only').hidden = !textOnly;
    $('ed-player-card').hidden = textOnly;
    $('ed-video-columns').hidden = textOnly;
    $('ed-publish').textContent = textOnly ? '发布图文实录（无视频）' : '发布到访谈回顾';
    setState(m.interview.state);
    $('ed-save-state').textContent = m.saved ? '已保存（第 ' + e.revision + ' 版）' : '尚未保存剪辑方案';
    drawRecordings();
    drawAll();
    drawJobs(m.jobs);
    var running = (m.jobs || []).filter(function (j) { return j.state === 'queued' || j.state === 'running'; })[0];
    if (running) watchJob(running);
    // A later visit still says how the last publish was cut and why (the list says only which way).
    else if (m.jobs && m.jobs.length) showCutPath(m.jobs[0]);
    if (recordings.length) load(0, 0, false);
    requestAnimationFrame(tick);
    root.setAttribute('data-ready', '1');
  }, function (err) { showError('加载失败：' + err.message); });

  // Jobs started elsewhere (another editor, the CLI) show up here too.
  FangtanLive.follow({
    namespace: '/studio', interviewId: interviewId,
    onSnapshot: function () {},
    onEvent: function (ev) {
      if (ev.type === 'publish.job') {
        if (!activeJob || activeJob.id !== ev.data.id || !pollTimer) watchJob(ev.data); else showJob(ev.data);
      } else if (ev.type === 'interview.state_changed') setState(ev.data.state);
    },
  });
})();
