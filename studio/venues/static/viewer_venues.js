/* Venues on the viewer page (主会场 + N, issue 13): lists the venues from the /live snapshot, marks
 * the one on air (`venue.on_air`), plays it through viewer_video.js (FangtanVideo.setVenue) and
 * lets the viewer watch another one; 跟随导播 goes back to following the director. Feed entries
 * that name their venue (data-venue-id) get its name beside the time.
 */
(function () {
  'use strict';

  var box = document.getElementById('venues');
  var list = document.getElementById('venue-list');
  if (!box || !list || !window.FangtanViewer) return;
  var venues = [];
  var chosen = null;   // a venue id the viewer picked; null: follow the one on air

  function byId(id) { return venues.filter(function (v) { return v.id === id; })[0]; }
  function onAir() { return venues.filter(function (v) { return v.on_air; })[0] || venues.filter(function (v) { return v.is_main; })[0]; }

  function playing() { return (chosen && byId(chosen)) || onAir(); }

  function render() {
    box.hidden = venues.length < 2;
    var now = playing();
    list.textContent = '';
    venues.forEach(function (v) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'venue-btn';
      b.dataset.venueId = v.id;
      b.setAttribute('aria-pressed', now && now.id === v.id ? 'true' : 'false');
      b.appendChild(document.createTextNode(v.name));
      if (v.on_air) {
        var tag = document.createElement('span');
        tag.className = 'on-air';
        tag.textContent = '导播中';
        b.appendChild(tag);
      }
      list.appendChild(b);
    });
    if (chosen) {
      var follow = document.createElement('button');
      follow.type = 'button';
      follow.className = 'venue-btn venue-follow';
      follow.textContent = '跟随导播';
      list.appendChild(follow);
    }
    if (window.FangtanVideo) {
      window.FangtanVideo.setVenue(now && now.hls_url && venues.length > 0
        ? { url: now.hls_url, label: '直播中 · ' + now.name, id: now.id } : null);
    }
    badges(document);
  }

  /* The venue's name on each feed entry that names one (the feed re-renders nodes on edits). */
  function badges(root) {
    if (!venues.length) return;
    Array.prototype.forEach.call(root.querySelectorAll('.entry[data-venue-id]'), function (node) {
      var v = byId(Number(node.dataset.venueId));
      var meta = node.querySelector('.meta');
      if (!v || !meta) return;
      var badge = meta.querySelector('.venue-badge');
      if (!badge) {
        badge = document.createElement('span');
        badge.className = 'venue-badge';
        meta.insertBefore(badge, meta.querySelector('time'));
      }
      if (badge.textContent !== v.name) badge.textContent = v.name;
    });
  }

  list.addEventListener('click', function (e) {
    var b = e.target.closest('button');
    if (!b) return;
    if (b.classList.contains('venue-follow')) chosen = null;
    else {
      var id = Number(b.dataset.venueId);
      var air = onAir();
      chosen = air && air.id === id ? null : id;
    }
    render();
  });

  ['feed', 'pinned'].forEach(function (id) {
    var node = document.getElementById(id);
    if (node && window.MutationObserver) {
      new MutationObserver(function () { badges(node); }).observe(node, { childList: true });
    }
  });

  window.FangtanViewer.register({
    onSnapshot: function (snapshot) {
      venues = snapshot.venues || [];
      if (chosen && !byId(chosen)) chosen = null;
      render();
    },
    onEvent: function (ev) {
      if (ev.type !== 'venue.on_air' || !ev.data) return;
      var known = false;
      venues.forEach(function (v) {
        v.on_air = v.id === ev.data.id;
        if (v.on_air) known = true;
      });
      if (!known) venues.push(ev.data);
      render();
    },
  });
})();
