/* The director page's 会场 panel (主会场 + N, issue 13): each venue with its ingest URL (for the
 * crew at that venue) and 上直播, which switches OBS to the venue's scene through the OBS owner and
 * tells viewers (`venue.on_air`); admins add venues here too. Refreshed after each action and every
 * few seconds while the page is visible (another director may switch).
 */
(function () {
  'use strict';

  var panel = document.getElementById('dir-venues');
  var root = document.getElementById('director');
  if (!panel || !root) return;
  var interviewId = root.dataset.interviewId;
  var rows = document.getElementById('venue-rows');
  var form = document.getElementById('venue-create');
  var errorBox = document.getElementById('venue-error');
  var base = '/api/interviews/' + interviewId + '/venues';
  var busy = false;

  function showError(err) { FangtanKit.showError(errorBox, err); }

  function render(venues) {
    rows.textContent = '';
    if (!venues.length) {
      var none = document.createElement('li');
      none.className = 'muted';
      none.textContent = '只有一个会场（未设置分会场）';
      rows.appendChild(none);
    }
    venues.forEach(function (v) {
      var li = document.createElement('li');
      li.className = 'venue-row';
      li.dataset.venueId = v.id;
      li.dataset.onAir = v.on_air ? 'true' : 'false';
      var name = document.createElement('strong');
      name.textContent = v.name + (v.is_main && v.name.indexOf('主会场') < 0 ? '（主会场）' : '');
      li.appendChild(name);
      if (v.ingest_url) {
        var url = document.createElement('code');
        url.className = 'venue-ingest';
        url.textContent = v.ingest_url;
        li.appendChild(url);
      }
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'venue-on-air' + (v.on_air ? '' : ' primary');
      b.dataset.venueId = v.id;
      b.disabled = !!v.on_air;
      b.textContent = v.on_air ? '直播中' : '上直播';
      li.appendChild(b);
      rows.appendChild(li);
    });
  }

  function load() {
    return FangtanLive.api('GET', base).then(function (data) { render(data.venues || []); });
  }

  rows.addEventListener('click', function (e) {
    var b = e.target.closest('.venue-on-air');
    if (!b || busy) return;
    busy = true;
    b.disabled = true;
    b.textContent = '切换中…';
    showError(null);
    FangtanLive.api('POST', base + '/' + b.dataset.venueId + '/on-air')
      .catch(showError)
      .then(function () { busy = false; return load(); });
  });

  if (panel.dataset.canCreate === 'true') {
    form.hidden = false;
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      showError(null);
      FangtanLive.api('POST', base, { name: form.elements.name.value, is_main: form.elements.is_main.checked })
        .then(function () { form.reset(); return load(); })
        .catch(showError);
    });
  }

  load().catch(showError);
  setInterval(function () { if (!document.hidden && !busy) load().catch(function () {}); }, 5000);
})();
