/* The feed editor's venue picker (主会场 + N, issue 13): shown when the interview has venues; the
 * entry posted names the venue picked (feed_editor.js reads #feed-venue). The pick is kept per
 * interview on this device, like the speaker. */
(function () {
  'use strict';

  var box = document.getElementById('fe-venue');
  var select = document.getElementById('feed-venue');
  var data = document.getElementById('interview-data');
  if (!box || !select || !data) return;
  var interviewId = JSON.parse(data.textContent).id;
  var key = 'fangtan.feed-venue.' + interviewId;

  FangtanLive.api('GET', '/api/interviews/' + interviewId + '/venues').then(function (resp) {
    var venues = resp.venues || [];
    if (!venues.length) return;
    venues.forEach(function (v) {
      var option = document.createElement('option');
      option.value = String(v.id);
      option.textContent = v.name + (v.is_main ? '（主会场）' : '');
      select.appendChild(option);
    });
    var saved = null;
    try { saved = localStorage.getItem(key); } catch (e) { /* private mode */ }
    if (saved && venues.some(function (v) { return String(v.id) === saved; })) select.value = saved;
    box.hidden = false;
  }).catch(function () {});

  select.addEventListener('change', function () {
    try { localStorage.setItem(key, select.value); } catch (e) { /* private mode */ }
  });
})();
