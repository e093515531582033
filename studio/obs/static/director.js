/* The director's console (/studio/<id>/director).
 *
 * OBS's state arrives three ways, all rendered by render(state): the `obs` part of the staff
 * snapshot, `obs.state` events (every change), and `obs.telemetry` (about once a second, with
 * bitrate and frame figures). Commands go to the JSON API (the server's OBS owner executes them).
 * Timecodes tick locally from the recording's start and pauses, corrected by the server's clock.
 */
(function () {
  'use strict';

  var root = document.getElementById('director');
  if (!root) return;
  var interviewId = Number(root.dataset.interviewId);
  var interview = JSON.parse(document.getElementById('interview-data').textContent);
  var obsEnabled = root.dataset.obsEnabled === 'true';
  var canPreview = root.dataset.canPreview === 'true';  // planned → preview is the admin's
  var STATE_NAMES = { planned: '计划中', preview: '预告', live: '直播中', ended: '已结束', published: '已发布' };
  var state = null;          // the last OBS state
  var clockOffset = 0;       // server time - our time, ms
  var onAirQuestion = null;  // {id, text, nickname}
  var busy = false;

  function $(id) { return document.getElementById(id); }

  function showError(err) { FangtanKit.showError('obs-error', err); }

  function api(method, url, body) {
    showError(null);
    return FangtanLive.api(method, url, body).then(function (data) {
      if (data && data.scenes) render(data);
      return data;
    }).catch(function (err) { showError(err); throw err; });
  }

  // ---- rendering ---------------------------------------------------------------------------

  function sceneButtons(scenes, program) {
    var box = $('scenes');
    var ordered = scenes.filter(function (s) { return s.indexOf('叠加·') !== 0; })
      .concat(scenes.filter(function (s) { return s.indexOf('叠加·') === 0; }));
    var key = ordered.join('\n');
    if (box.dataset.key !== key) {
      box.dataset.key = key;
      box.textContent = '';
      ordered.forEach(function (name, i) {
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'scene-btn' + (name.indexOf('叠加·') === 0 ? ' overlay-scene' : '');
        b.dataset.scene = name;
        if (i < 9) { var k = document.createElement('kbd'); k.textContent = String(i + 1); b.appendChild(k); b.dataset.key = String(i + 1); }
        b.appendChild(document.createTextNode(name));
        b.addEventListener('click', function () { switchScene(name); });
        box.appendChild(b);
      });
    }
    Array.prototype.forEach.call(box.children, function (b) {
      var on = b.dataset.scene === program;
      b.classList.toggle('program', on);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
  }

  function onScreen(s) {
    var overlays = s.overlays || {};
    return [s.program_scene, !!overlays.lower_third_visible, !!overlays.question_visible].join('|');
  }

  function render(next) {
    if (!next) return;
    // A cut, or a strip shown or hidden, shows in the preview soon, not at the next 2 s refresh.
    var newPicture = !!(state && next.connected && onScreen(state) !== onScreen(next));
    state = next;
    if (newPicture) pictureChanged();
    if (next.server_time) clockOffset = Date.parse(next.server_time) - Date.now();
    var conn = $('obs-conn');
    if (!next.enabled && !obsEnabled) { conn.dataset.status = 'disabled'; conn.textContent = '未配置 OBS'; }
    else if (next.connected) {
      conn.dataset.status = 'connected';
      conn.textContent = 'OBS 已连接' + (next.obs_version ? '（' + next.obs_version + '）' : '');
    } else { conn.dataset.status = 'disconnected'; conn.textContent = 'OBS 未连接'; }
    $('obs-error').textContent = (!next.connected && next.error) ? next.error.message : '';
    sceneButtons(next.scenes || [], next.program_scene);
    setDisabled(!next.connected);

    var stream = next.stream || {}, record = next.record || {};
    $('stream-box').dataset.active = stream.active ? 'true' : 'false';
    $('record-box').dataset.active = record.active ? 'true' : 'false';
    $('record-box').dataset.paused = record.paused ? 'true' : 'false';
    $('stream-start').hidden = !!stream.active;
    $('stream-stop').hidden = !stream.active;
    $('record-start').hidden = !!record.active;
    $('record-stop').hidden = !record.active;
    $('record-pause').hidden = !record.active || !!record.paused;
    $('record-resume').hidden = !record.active || !record.paused;

    // Without a connected OBS there are no figures: "—", never zeros that look like measurements.
    var stats = next.connected ? next.stats : {};
    if (stats) {
      var known = function (v) { return v !== null && v !== undefined; };
      var streaming = !!stream.active;
      $('stat-bitrate').textContent = streaming && known(stats.stream_bitrate_kbps) ? stats.stream_bitrate_kbps + ' kbps' : '—';
      var dropped = $('stat-dropped');
      dropped.textContent = streaming && known(stats.stream_total_frames) ? (stats.stream_skipped_frames || 0) + ' / ' + stats.stream_total_frames : '—';
      dropped.classList.toggle('warn', streaming && stats.stream_total_frames > 0 && stats.stream_skipped_frames / stats.stream_total_frames > 0.02);
      var skipped = $('stat-skipped');
      skipped.textContent = known(stats.render_total_frames) ? (stats.render_skipped_frames || 0) + ' / ' + stats.render_total_frames : '—';
      skipped.classList.toggle('warn', stats.render_total_frames > 0 && stats.render_skipped_frames / stats.render_total_frames > 0.02);
      var congestion = $('stat-congestion');
      congestion.textContent = streaming && known(stats.stream_congestion) ? Math.round(stats.stream_congestion * 100) + '%' : '—';
      congestion.classList.toggle('warn', streaming && (stats.stream_congestion || 0) > 0.3);
      $('stat-fps').textContent = known(stats.active_fps) ? stats.active_fps + ' fps / ' + (known(stats.cpu_usage) ? stats.cpu_usage + '%' : '—') : '—';
      var list = $('warnings');
      list.textContent = '';
      (stats.warnings || []).forEach(function (w) { var li = document.createElement('li'); li.textContent = w; list.appendChild(li); });
    }

    var overlays = next.overlays || {};
    var strip = overlays.lower_third || {};
    Array.prototype.forEach.call(document.querySelectorAll('#guest-strips li[data-guest-id]'), function (li) {
      li.classList.toggle('on-air', !!overlays.lower_third_visible && Number(li.dataset.guestId) === strip.guest_id);
    });
    $('question-overlay').dataset.visible = overlays.question_visible ? 'true' : 'false';
    if (!next.connected) {
      // No OBS: no picture. The old frame would pass for the programme; an empty image for a fault.
      $('preview').hidden = true;
      $('preview').removeAttribute('src');
      $('preview-caption').textContent = next.enabled || obsEnabled ? 'OBS 未连接，暂无节目画面' : '未配置 OBS，无节目画面';
    }
    tickTimecodes();
  }

  function setDisabled(disabled) {
    Array.prototype.forEach.call(root.querySelectorAll('.scene-btn, .output button, .dir-overlays button'), function (b) {
      b.disabled = disabled;
    });
  }

  var hms = FangtanKit.timecode;

  function tickTimecodes() {
    if (!state) return;
    var now = Date.now() + clockOffset;
    var stream = state.stream || {}, record = state.record || {};
    // "—" while not streaming / recording: 00:00:00 would read as "just started".
    $('stream-tc').textContent = stream.active && stream.started_at ? hms((now - Date.parse(stream.started_at)) / 1000) : '—';
    var rec = null;
    if (record.active && record.started_at) {
      var pausedMs = (record.paused_total_s || 0) * 1000;
      if (record.paused && record.paused_at) pausedMs += now - Date.parse(record.paused_at);
      rec = (now - Date.parse(record.started_at) - pausedMs) / 1000;
    }
    $('record-tc').textContent = rec === null ? '—' : hms(rec);
  }
  setInterval(tickTimecodes, 250);

  function renderInterviewState(s) {
    interview.state = s;
    var badge = $('interview-state');
    badge.textContent = STATE_NAMES[s] || s;
    badge.classList.toggle('live', s === 'live');
    // A planned interview is announced first (发布预告: the viewer page opens with the time and
    // questions can be collected); going live straight away stays possible, as the second choice.
    var preview = $('publish-preview');
    preview.hidden = s !== 'planned';
    preview.disabled = !canPreview || !!transition;
    $('preview-note').hidden = s !== 'planned' || canPreview;
    $('go-live').hidden = !(s === 'preview' || s === 'planned' || s === 'ended');
    $('go-live').textContent = s === 'ended' ? '恢复直播' : '开始直播';
    // Red for the next step only: 开始直播 after the preview; not 恢复直播 where 结束直播 just was.
    $('go-live').classList.toggle('primary', s === 'preview');
    $('end-live').hidden = s !== 'live';
    ['go-live', 'end-live'].forEach(function (id) { $(id).disabled = !!transition; });
  }

  /* One state change at a time: the buttons stay disabled until the answer, so a double click
   * asks once and sends once. An answer "already in that state" (another screen, or a request
   * whose answer was lost) is the wanted outcome, not an error. */
  var transition = null;
  function changeState(target, question) {
    if (transition) return;
    transition = target;
    renderInterviewState(interview.state);
    if (question && !window.confirm(question)) { transition = null; renderInterviewState(interview.state); return; }
    showError(null);
    FangtanLive.api('POST', '/api/interviews/' + interviewId + '/state', { state: target }).then(function (data) {
      transition = null;
      renderInterviewState((data && data.state) || target);
    }, function (err) {
      transition = null;
      if (err && err.code === 'invalid_transition' && err.state === target) { renderInterviewState(target); return; }
      renderInterviewState(interview.state);
      showError(err);
    });
  }

  function renderQuestion() {
    var p = $('question-text');
    p.textContent = '';
    if (!onAirQuestion) {
      var span = document.createElement('span'); span.className = 'muted'; span.textContent = '主持人上屏问题后显示在这里';
      p.appendChild(span);
    } else {
      p.textContent = (onAirQuestion.nickname ? '网友「' + onAirQuestion.nickname + '」：' : '') + onAirQuestion.text +
        (onAirQuestion.answered ? '（已回答）' : '');
    }
  }

  // ---- commands ----------------------------------------------------------------------------

  function switchScene(name) {
    if (!state || !state.connected || name === state.program_scene) return;
    api('POST', '/api/obs/scene', { scene_name: name }).catch(function () {});
  }

  function output(kind, action, question) {
    if (busy) return;
    if (question && !window.confirm(question)) return;
    busy = true;
    api('POST', '/api/obs/' + kind, { action: action }).catch(function () {}).then(function () { busy = false; });
  }

  function lowerThird(guestId, visible) {
    return api('POST', '/api/obs/lower-third', { guest_id: guestId, visible: visible }).catch(function () {});
  }

  function questionOverlay(visible) {
    var q = onAirQuestion || ((state && state.overlays && state.overlays.question) ? { id: state.overlays.question.question_id } : null);
    if (!q) { showError({ message: '还没有上屏的网友提问' }); return; }
    var body = { question_id: q.id, visible: visible };
    if (q.text) { body.text = q.text; if (q.nickname) body.nickname = q.nickname; }
    api('POST', '/api/obs/question-overlay', body).catch(function () {});
  }

  $('stream-start').addEventListener('click', function () { output('stream', 'start'); });
  $('stream-stop').addEventListener('click', function () { output('stream', 'stop', '确定停止推流？观众将看不到直播画面。'); });
  $('record-start').addEventListener('click', function () { output('record', 'start'); });
  $('record-stop').addEventListener('click', function () { output('record', 'stop', '确定停止录制？'); });
  $('record-pause').addEventListener('click', function () { output('record', 'pause'); });
  $('record-resume').addEventListener('click', function () { output('record', 'resume'); });
  Array.prototype.forEach.call(document.querySelectorAll('.strip-show'), function (b) {
    b.addEventListener('click', function () { lowerThird(Number(b.dataset.guestId), true); });
  });
  Array.prototype.forEach.call(document.querySelectorAll('.strip-hide'), function (b) {
    b.addEventListener('click', function () { lowerThird(Number(b.dataset.guestId), false); });
  });
  $('question-show').addEventListener('click', function () { questionOverlay(true); });
  $('question-hide').addEventListener('click', function () { questionOverlay(false); });
  $('publish-preview').addEventListener('click', function () {
    changeState('preview', '发布预告？观众页将公开访谈时间和嘉宾，并开始征集网友提问。');
  });
  $('go-live').addEventListener('click', function () {
    changeState('live', interview.state === 'planned' ? '尚未发布预告，确定直接开始直播？观众页将显示“直播中”。'
      : '确定开始直播？观众页将显示“直播中”。');
  });
  $('end-live').addEventListener('click', function () { changeState('ended', '确定结束直播？'); });

  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target && e.target.tagName) || '';
    if (tag === 'INPUT' && e.target.type !== 'radio' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    if (/^[1-9]$/.test(e.key)) {
      var b = document.querySelector('.scene-btn[data-key="' + e.key + '"]');
      if (b) { e.preventDefault(); switchScene(b.dataset.scene); }
      return;
    }
    var key = e.key.toLowerCase();
    var overlays = (state && state.overlays) || {};
    if (key === 'n') {
      var chosen = document.querySelector('input[name="strip-guest"]:checked');
      if (!chosen) return;
      var gid = Number(chosen.value);
      var shown = overlays.lower_third_visible && overlays.lower_third && overlays.lower_third.guest_id === gid;
      lowerThird(gid, !shown);
    } else if (key === 'q') {
      questionOverlay(!overlays.question_visible);
    } else if (key === 'r' && state) {
      if (state.record.active) output('record', 'stop', '确定停止录制？'); else output('record', 'start');
    } else if (key === 'p' && state && state.record.active) {
      output('record', state.record.paused ? 'resume' : 'pause');
    }
  });

  // ---- the program preview: only while the page is visible ---------------------------------

  var previewTimer = null, previewBusy = false, previewAgain = false;
  function refreshPreview() {
    if (document.visibilityState !== 'visible' || !state || !state.connected) return;
    if (previewBusy) { previewAgain = true; return; }  // a cut during a shot: one more after it
    previewBusy = true;
    previewAgain = false;
    FangtanLive.api('POST', '/api/obs/screenshot', { width: 320 }).then(function (shot) {
      if (shot.image) { $('preview').src = shot.image; $('preview').hidden = false; }
      $('preview-caption').textContent = '节目画面：' + (shot.scene || '');
    }).catch(function () {}).then(function () {
      previewBusy = false;
      if (previewAgain) refreshPreview();
    });
  }
  // OBS answers before it has drawn the change: a new text is rendered on a later frame, and a
  // transition takes its time. A shot at once would often show the old picture, so the shot is
  // taken once the picture has settled; changes in quick succession make one shot.
  var PICTURE_SETTLE_MS = 400, settleTimer = null;
  function pictureChanged() {
    clearTimeout(settleTimer);
    settleTimer = setTimeout(refreshPreview, PICTURE_SETTLE_MS);
  }
  function schedulePreview() {
    clearInterval(previewTimer);
    previewTimer = null;
    if (document.visibilityState === 'visible') { refreshPreview(); previewTimer = setInterval(refreshPreview, 2000); }
  }
  document.addEventListener('visibilitychange', schedulePreview);

  // ---- live updates ------------------------------------------------------------------------

  var connEl = $('conn');
  var live = FangtanLive.follow({
    namespace: '/studio', interviewId: interviewId,
    onSnapshot: function (snapshot) {
      if (snapshot.interview) renderInterviewState(snapshot.interview.state);
      var items = (snapshot.questions && snapshot.questions.items) || [];
      var current = items.filter(function (q) { return q.status === 'on_air'; })[0];
      onAirQuestion = current ? { id: current.id, text: current.text, nickname: current.nickname } : null;
      renderQuestion();
      if (snapshot.obs) render(snapshot.obs);
      schedulePreview();
    },
    onEvent: function (ev) {
      if (ev.type === 'obs.state') render(ev.data);
      else if (ev.type === 'interview.state_changed') renderInterviewState(ev.data.state);
      else if (ev.type === 'question.on_air') {
        onAirQuestion = { id: ev.data.id, text: ev.data.text, nickname: ev.data.nickname };
        renderQuestion();
      } else if (ev.type === 'question.answered' && onAirQuestion && onAirQuestion.id === ev.data.id) {
        onAirQuestion.answered = true;
        renderQuestion();
      }
    },
    onStatus: FangtanKit.connection(connEl, { live: '页面已连接', offline: '页面连接中断，重连中…', connecting: '页面连接中…',
                                              retrying: '页面连接中…', error: '页面连接中…' }),
  });
  live.socket.on('obs.telemetry', render);
  renderInterviewState(interview.state);
})();
