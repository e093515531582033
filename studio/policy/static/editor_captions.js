/* Caption timing of a policy explainer (政策解读, issue 13) on the editor page: the script's lines
 * (from the cue script, or pasted) are timed by pressing T as each sentence starts while the video
 * plays — the time is the editor's joined-recordings clock (FangtanEditor.joinedNow) — adjusted
 * by typing or a frame at a time, previewed over the video, and saved with
 * PUT /api/interviews/<id>/caption-timings. Publishing remaps them through the cut.
 */
(function () {
  'use strict';

  var card = document.getElementById('ed-captions');
  var root = document.getElementById('editor');
  if (!card || !root || !window.FangtanEditor) return;
  var FRAME = 0.04;
  var url = '/api/interviews/' + root.dataset.interviewId + '/caption-timings';
  var body = document.getElementById('cap-lines');
  var errorBox = document.getElementById('cap-error');
  var stateBox = document.getElementById('cap-state');
  var scriptBox = document.getElementById('cap-script');
  var preview = document.getElementById('cap-preview');
  var lines = [];        // [{text, start_s|null, end_s|null}]
  var scriptLines = [];
  var dirty = false;
  var video = window.FangtanEditor.video;

  var overlay = document.createElement('div');
  overlay.className = 'cap-overlay';
  overlay.id = 'cap-overlay';
  if (video && video.parentNode) {
    if (getComputedStyle(video.parentNode).position === 'static') video.parentNode.style.position = 'relative';
    video.parentNode.appendChild(overlay);
  }

  function setDirty(on) { dirty = on; stateBox.textContent = on ? '未保存' : '已保存'; }
  function showError(err) { FangtanKit.showError(errorBox, err); }
  function nextIndex() { for (var i = 0; i < lines.length; i++) if (lines[i].start_s == null) return i; return -1; }
  function round(t) { return Math.round(t * 1000) / 1000; }

  function render() {
    body.textContent = '';
    var next = nextIndex();
    lines.forEach(function (line, i) {
      var tr = document.createElement('tr');
      tr.dataset.index = i;
      if (i === next) tr.className = 'next';
      var n = document.createElement('td'); n.textContent = i + 1; tr.appendChild(n);
      var td = document.createElement('td');
      var input = document.createElement('input');
      input.className = 'cap-start';
      input.value = line.start_s == null ? '' : line.start_s.toFixed(3);
      input.setAttribute('aria-label', '第 ' + (i + 1) + ' 句开始时间（秒）');
      td.appendChild(input); tr.appendChild(td);
      var nudge = document.createElement('td');
      ['-', '+'].forEach(function (sign) {
        var b = document.createElement('button');
        b.type = 'button'; b.className = 'cap-nudge'; b.dataset.sign = sign; b.textContent = sign === '-' ? '−1帧' : '+1帧';
        nudge.appendChild(b);
      });
      var go = document.createElement('button');
      go.type = 'button'; go.className = 'cap-seek'; go.textContent = '定位';
      nudge.appendChild(go);
      tr.appendChild(nudge);
      var text = document.createElement('td'); text.textContent = line.text; tr.appendChild(text);
      body.appendChild(tr);
    });
  }

  function mark() {
    var i = nextIndex();
    if (i < 0) { showError('所有句子都已打点'); return; }
    var t = round(window.FangtanEditor.joinedNow());
    if (i > 0 && lines[i - 1].start_s != null && t <= lines[i - 1].start_s) { showError('打点时间必须晚于上一句'); return; }
    showError(null);
    lines[i].start_s = t;
    setDirty(true);
    render();
  }

  function undo() {
    var i = nextIndex();
    var last = i < 0 ? lines.length - 1 : i - 1;
    if (last < 0) return;
    lines[last].start_s = null;
    setDirty(true);
    render();
  }

  function fromScript(list) {
    lines = list.map(function (text) { return { text: text, start_s: null, end_s: null }; });
    scriptBox.hidden = list.length > 0;
    render();
  }

  /* The line on screen at joined time t (a line lasts until the next one starts). */
  function lineAt(t) {
    var found = null;
    lines.forEach(function (line, i) {
      if (line.start_s == null || line.start_s > t) return;
      var following = lines[i + 1] && lines[i + 1].start_s;
      var end = line.end_s != null ? line.end_s : (following != null ? following : line.start_s + 30);
      if (t < end) found = i;
    });
    return found;
  }

  function tick() {
    var i = preview.checked ? lineAt(window.FangtanEditor.joinedNow()) : null;
    var text = i == null ? '' : lines[i].text;
    if (overlay.textContent !== text) overlay.textContent = text;
    Array.prototype.forEach.call(body.children, function (tr) {
      tr.classList.toggle('current', Number(tr.dataset.index) === i);
    });
    requestAnimationFrame(tick);
  }

  document.addEventListener('keydown', function (e) {
    var tag = (e.target.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || tag === 'select' || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key.toLowerCase() !== 't') return;
    e.preventDefault();
    if (e.shiftKey) undo(); else mark();
  });
  document.getElementById('cap-mark').addEventListener('click', mark);
  document.getElementById('cap-undo').addEventListener('click', undo);
  document.getElementById('cap-load-script').addEventListener('click', function () {
    var typed = scriptBox.value.split('\n').map(function (s) { return s.trim(); }).filter(Boolean);
    fromScript(scriptLines.length ? scriptLines : typed);
    setDirty(true);
  });
  scriptBox.addEventListener('change', function () {
    if (scriptLines.length) return;
    fromScript(scriptBox.value.split('\n').map(function (s) { return s.trim(); }).filter(Boolean));
    scriptBox.hidden = false;
    setDirty(true);
  });
  body.addEventListener('change', function (e) {
    if (!e.target.classList.contains('cap-start')) return;
    var i = Number(e.target.closest('tr').dataset.index);
    var value = e.target.value.trim();
    var t = value === '' ? null : Number(value);
    if (t != null && !(t >= 0)) { showError('时间必须是不小于 0 的秒数'); return; }
    showError(null);
    lines[i].start_s = t == null ? null : round(t);
    setDirty(true);
    render();
  });
  body.addEventListener('click', function (e) {
    var tr = e.target.closest('tr');
    if (!tr) return;
    var line = lines[Number(tr.dataset.index)];
    if (e.target.classList.contains('cap-nudge') && line.start_s != null) {
      line.start_s = round(Math.max(0, line.start_s + (e.target.dataset.sign === '-' ? -FRAME : FRAME)));
      setDirty(true);
      render();
    } else if (e.target.classList.contains('cap-seek') && line.start_s != null) {
      window.FangtanEditor.seek(line.start_s);
    }
  });
  document.getElementById('cap-save').addEventListener('click', function () {
    var timed = lines.filter(function (l) { return l.start_s != null; });
    showError(null);
    FangtanLive.api('PUT', url, { lines: timed }).then(function (data) {
      stateBox.textContent = '已保存（' + data.lines.length + ' 句）';
      dirty = false;
    }).catch(showError);
  });

  FangtanLive.api('GET', url).then(function (data) {
    scriptLines = data.script_lines || [];
    if (data.lines && data.lines.length) {
      lines = data.lines.map(function (l) { return { text: l.text, start_s: l.start_s, end_s: l.end_s }; });
      // Script lines not timed yet follow the saved ones.
      scriptLines.slice(lines.length).forEach(function (text) { lines.push({ text: text, start_s: null, end_s: null }); });
      scriptBox.hidden = true;
      render();
    } else {
      fromScript(scriptLines);
    }
    card.dataset.ready = 'true';
    stateBox.textContent = '';
  }).catch(showError);
  requestAnimationFrame(tick);
})();
