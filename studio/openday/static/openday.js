// Open day phone pages: the registration form and the questionnaire (one answer per device).
(function () {
  'use strict';
  function $(id) { return document.getElementById(id); }
  function post(url, body) {
    return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                        credentials: 'same-origin', body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); });
  }
  function show(el, text, error) { el.textContent = text; el.className = error ? 'error' : ''; }

  var form = $('signup-form');
  if (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = {};
      ['name', 'phone', 'identity_group', 'reason'].forEach(function (k) { body[k] = form.elements[k].value; });
      post('/api/interviews/' + form.dataset.interview + '/registrations', body).then(function (r) {
        show($('signup-result'), r.ok ? r.data.message : r.data.error.message, !r.ok);
        if (r.ok) { form.hidden = true; }
      });
    });
  }

  var box = $('surveys');
  if (!box) { return; }
  function question(q) {
    var set = document.createElement('fieldset');
    set.className = 'od-question';
    set.dataset.qid = q.id;
    set.dataset.type = q.type;
    var legend = document.createElement('legend');
    legend.textContent = q.id + '. ' + q.text + (q.type === 'multiple' ? '（可多选）' : '');
    set.appendChild(legend);
    if (q.type === 'text') {
      var area = document.createElement('textarea');
      area.maxLength = 500; area.rows = 3; area.name = 'q' + q.id;
      set.appendChild(area);
    } else {
      q.options.forEach(function (text, i) {
        var label = document.createElement('label');
        var input = document.createElement('input');
        input.type = q.type === 'single' ? 'radio' : 'checkbox';
        input.name = 'q' + q.id; input.value = String(i);
        label.appendChild(input);
        label.appendChild(document.createTextNode(' ' + text));
        set.appendChild(label);
      });
    }
    return set;
  }
  function collect(formEl) {
    var answers = {};
    formEl.querySelectorAll('fieldset').forEach(function (set) {
      var qid = set.dataset.qid;
      if (set.dataset.type === 'text') { answers[qid] = set.querySelector('textarea').value; return; }
      var picked = Array.prototype.map.call(set.querySelectorAll('input:checked'), function (i) { return +i.value; });
      if (picked.length) { answers[qid] = set.dataset.type === 'single' ? picked[0] : picked; }
    });
    return answers;
  }
  function bars(s) {
    var wrap = document.createElement('div');
    s.questions.forEach(function (q) {
      var r = s.results && s.results[String(q.id)];
      if (!r || !r.counts) { return; }
      var total = r.counts.reduce(function (a, b) { return a + b; }, 0) || 1;
      var h = document.createElement('h3'); h.textContent = q.text; wrap.appendChild(h);
      q.options.forEach(function (text, i) {
        var row = document.createElement('div'); row.className = 'od-bar';
        var name = document.createElement('span'); name.textContent = text;
        var track = document.createElement('span'); var fill = document.createElement('span');
        fill.className = 'fill'; fill.style.width = (100 * r.counts[i] / total) + '%'; track.appendChild(fill);
        var n = document.createElement('span'); n.textContent = r.counts[i];
        row.appendChild(name); row.appendChild(track); row.appendChild(n); wrap.appendChild(row);
      });
    });
    return wrap;
  }
  fetch('/api/interviews/' + box.dataset.interview + '/surveys', { credentials: 'same-origin' })
    .then(function (r) { return r.json(); }).then(function (data) {
      box.textContent = '';
      var open = data.surveys.filter(function (s) { return s.state === 'open' || s.results_public; });
      if (!open.length) { box.textContent = '暂无进行中的问卷'; return; }
      open.forEach(function (s) {
        var h = document.createElement('h2'); h.textContent = s.title; box.appendChild(h);
        if (s.state !== 'open') { box.appendChild(bars(s)); return; }
        var f = document.createElement('form'); f.className = 'od-form'; f.dataset.survey = s.id;
        s.questions.forEach(function (q) { f.appendChild(question(q)); });
        var button = document.createElement('button'); button.type = 'submit'; button.className = 'primary';
        button.textContent = '提交问卷'; f.appendChild(button);
        f.addEventListener('submit', function (ev) {
          ev.preventDefault();
          post('/api/surveys/' + s.id + '/responses', { answers: collect(f) }).then(function (r) {
            show($('survey-result'), r.ok ? r.data.message : r.data.error.message, !r.ok);
            if (r.ok || (r.data.error && r.data.error.code === 'already_answered')) { f.hidden = true; }
          });
        });
        box.appendChild(f);
      });
    });
}());
