/* The live text feed on the page: FangtanFeed (rendering, shared with the feed editor) and
 * FangtanViewer (the public viewer page /i/<id>).
 *
 * FangtanFeed.FeedView keeps one DOM node per entry, keyed by id and ordered by the seq of the
 * event that posted it; a node is rebuilt only when its revision changes, so the server-rendered
 * first paint is kept (and its photos are not reloaded) when the snapshot arrives.
 *
 * FangtanViewer.register({onSnapshot(snapshot, lastSeq), onEvent(ev)}) lets the page's other
 * parts (live video, questions) share the one /live connection; viewer.js starts following after
 * DOMContentLoaded, so plugins loaded after it are registered in time.
 */
(function (global) {
  'use strict';

  var SPEAKER_LABELS = { host: '主持人', guest: '嘉宾', netizen: '网友提问', narrator: '旁白' };
  var THUMB_EDGE = 480;

  var el = FangtanLive.el;

  /* HH:MM:SS as the server wrote it (already in the studio's zone, like the server-rendered page),
   * not in the browser's zone. */
  function timeOfDay(iso) {
    var m = /T(\d\d:\d\d:\d\d)/.exec(iso || '');
    return m ? m[1] : '';
  }

  /* One entry as DOM; the same markup as the `feed_entry` macro in viewer.html. */
  function renderEntry(entry) {
    var node = el('article', 'entry speaker-' + (entry.speaker || 'unknown'));
    node.dataset.id = entry.id;
    node.dataset.seq = entry.seq;
    node.dataset.rev = entry.revision;
    if (entry.venue_id) node.dataset.venueId = entry.venue_id;  // its venue's name: viewer_venues.js
    if (entry.pinned) node.classList.add('pinned');
    if (entry.deleted) node.classList.add('withdrawn');

    var meta = el('div', 'meta');
    var label = entry.speaker_label || SPEAKER_LABELS[entry.speaker] || '';
    meta.appendChild(el('span', 'speaker', label));
    if ((entry.speaker === 'host' || entry.speaker === 'guest') && entry.speaker_name && entry.speaker_name !== label) {
      meta.appendChild(el('span', 'name', entry.speaker_name));
    }
    var time = el('time', null, timeOfDay(entry.at));
    time.setAttribute('datetime', entry.at || '');
    meta.appendChild(time);
    if (entry.pinned) meta.appendChild(el('span', 'pin-badge', '置顶'));
    if (entry.edited) meta.appendChild(el('span', 'edited-badge', '已修改'));
    if (entry.deleted) meta.appendChild(el('span', 'withdrawn-badge', '已撤回（观众不可见）'));
    node.appendChild(meta);

    if (entry.text) global.FangtanLive.renderText(node.appendChild(el('div', 'text')), entry.text);
    if (entry.image) {
      var link = el('a', 'photo');
      link.href = entry.image.url;
      link.dataset.full = entry.image.url;
      var img = el('img');
      var scale = Math.min(1, THUMB_EDGE / Math.max(entry.image.width, entry.image.height));
      img.src = entry.image.thumb_url;
      img.loading = 'lazy';
      img.decoding = 'async';
      img.width = Math.round(entry.image.width * scale);
      img.height = Math.round(entry.image.height * scale);
      img.alt = '现场图片';
      link.appendChild(img);
      node.appendChild(link);
    }
    return node;
  }

  /* A list of entries in a container, newest or oldest first.
   * opts: {order: 'newest'|'oldest', keepWithdrawn: bool, pinned: container for pinned copies,
   *        decorate(node, entry), onAdded(entry, node), onChange()} */
  function FeedView(container, opts) {
    this.container = container;
    this.opts = opts || {};
    this.order = this.opts.order || 'newest';
    this.entries = {};   // id -> entry
    this.nodes = {};     // id -> node
    var self = this;
    Array.prototype.forEach.call(container.querySelectorAll('.entry[data-id]'), function (node) {
      self.nodes[node.dataset.id] = node;  // server-rendered: adopted, replaced on the next revision
    });
  }

  FeedView.prototype.setOrder = function (order) {
    this.order = order;
    this.container.dataset.order = order;
    var self = this, ids = this._sortedIds(), children = this.container.children;
    // Already in this order (the server-rendered page): nodes are not moved, so the live region
    // does not announce the whole feed again and nothing is laid out twice.
    var same = ids.length === children.length && ids.every(function (id, i) { return children[i] === self.nodes[id]; });
    if (same) return;
    ids.forEach(function (id) { self.container.appendChild(self.nodes[id]); });
  };

  FeedView.prototype._sortedIds = function () {
    var self = this, dir = this.order === 'newest' ? -1 : 1;
    return Object.keys(this.nodes).sort(function (a, b) {
      return dir * (Number(self.nodes[a].dataset.seq) - Number(self.nodes[b].dataset.seq));
    });
  };

  FeedView.prototype._place = function (node) {
    var seq = Number(node.dataset.seq), newest = this.order === 'newest';
    var children = this.container.children;
    for (var i = 0; i < children.length; i++) {
      var other = children[i];
      if (other === node) continue;
      var otherSeq = Number(other.dataset.seq);
      if (newest ? otherSeq < seq : otherSeq > seq) { this.container.insertBefore(node, other); return; }
    }
    this.container.appendChild(node);
  };

  /* Replace the whole list (a snapshot): unchanged entries keep their nodes. */
  FeedView.prototype.reset = function (entries) {
    var keep = {}, self = this;
    this.entries = {};
    (entries || []).forEach(function (entry) {
      if (entry.deleted && !self.opts.keepWithdrawn) return;
      keep[entry.id] = true;
      self._upsert(entry, false);
    });
    Object.keys(this.nodes).forEach(function (id) { if (!keep[id]) self._drop(id); });
    this._changed();
  };

  FeedView.prototype.upsert = function (entry) {
    if (entry.deleted && !this.opts.keepWithdrawn) { this.remove(entry.id); return; }
    var isNew = !this.nodes[entry.id];
    this._upsert(entry, true);
    if (isNew && this.opts.onAdded) this.opts.onAdded(entry, this.nodes[entry.id]);
    this._changed();
  };

  FeedView.prototype._upsert = function (entry, live) {
    var known = this.entries[entry.id];
    if (known && known.revision > entry.revision) return;  // a late, older copy
    this.entries[entry.id] = entry;
    var old = this.nodes[entry.id];
    // Already showing this revision (server-rendered, or the POST answer before its event).
    if (old && Number(old.dataset.rev) === entry.revision) return;
    if (old && this.opts.isBusy && this.opts.isBusy(entry.id)) return;  // being edited: keep the form
    var node = renderEntry(entry);
    if (this.opts.decorate) this.opts.decorate(node, entry);
    if (old) this.container.replaceChild(node, old); else this._place(node);
    this.nodes[entry.id] = node;
    if (live && !old) node.classList.add('fresh');
  };

  /* Re-render one entry from what the view knows (e.g. after an edit form is closed). */
  FeedView.prototype.refresh = function (id) {
    var entry = this.entries[id], old = this.nodes[id];
    if (!entry || !old) return;
    var node = renderEntry(entry);
    if (this.opts.decorate) this.opts.decorate(node, entry);
    this.container.replaceChild(node, old);
    this.nodes[id] = node;
    this._changed();
  };

  FeedView.prototype.remove = function (id) {
    delete this.entries[id];
    this._drop(id);
    this._changed();
  };

  FeedView.prototype._drop = function (id) {
    var node = this.nodes[id];
    if (node && node.parentNode) node.parentNode.removeChild(node);
    delete this.nodes[id];
  };

  FeedView.prototype._changed = function () {
    var pinned = this.opts.pinned, self = this;
    if (pinned) {
      pinned.textContent = '';
      Object.keys(this.entries).map(function (id) { return self.entries[id]; })
        .filter(function (entry) { return entry.pinned && !entry.deleted; })
        .sort(function (a, b) { return b.seq - a.seq; })
        .forEach(function (entry) { pinned.appendChild(renderEntry(entry)); });
    }
    if (this.opts.onChange) this.opts.onChange(this);
  };

  FeedView.prototype.count = function () { return Object.keys(this.nodes).length; };

  /* Apply a feed.* event to a view; returns true when it was one. */
  FeedView.prototype.applyEvent = function (ev) {
    if (ev.type === 'feed.posted' || ev.type === 'feed.edited' || ev.type === 'feed.pinned') {
      this.upsert(ev.data);
      return true;
    }
    if (ev.type === 'feed.deleted') {
      var known = this.entries[ev.data.id];
      if (this.opts.keepWithdrawn && known) {
        var withdrawn = {};
        Object.keys(known).forEach(function (k) { withdrawn[k] = known[k]; });
        withdrawn.deleted = true; withdrawn.pinned = false; withdrawn.revision = ev.data.revision;
        this.upsert(withdrawn);
      } else {
        this.remove(ev.data.id);
      }
      return true;
    }
    return false;
  };

  /* A lightbox for the feed's photos: click a thumbnail, see the full picture. */
  function installLightbox(root, box) {
    var img = box.querySelector('img');
    function close() { box.hidden = true; img.removeAttribute('src'); document.body.classList.remove('lightbox-open'); }
    root.addEventListener('click', function (e) {
      var link = e.target.closest && e.target.closest('a.photo');
      if (!link || !root.contains(link)) return;
      e.preventDefault();
      img.src = link.dataset.full || link.href;
      box.hidden = false;
      document.body.classList.add('lightbox-open');
    });
    box.addEventListener('click', close);
    document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && !box.hidden) close(); });
  }

  var CONN_TEXT = { connecting: '连接中…', live: '实时更新中', offline: '网络已断开，恢复后自动补齐',
                    retrying: '正在重新连接…', error: '连接出错，请刷新页面' };

  function setConnection(node, status) { FangtanKit.connection(node, CONN_TEXT)(status); }

  global.FangtanFeed = { renderEntry: renderEntry, timeOfDay: timeOfDay, FeedView: FeedView, installLightbox: installLightbox,
                         setConnection: setConnection, SPEAKER_LABELS: SPEAKER_LABELS };

  // ---- the viewer page ----------------------------------------------------------------------

  var plugins = [];

  function each(method, a, b) {
    plugins.forEach(function (plugin) {
      if (typeof plugin[method] !== 'function') return;
      try { plugin[method](a, b); } catch (err) { if (global.console) console.error('viewer plugin', err); }
    });
  }

  global.FangtanViewer = {
    register: function (plugin) { plugins.push(plugin); },
  };

  var STATE_BANNERS = { preview: ['preview', '预告'], live: ['live', '直播中'], ended: ['review', '回顾'],
                        published: ['review', '回顾'] };

  /* The sticky 我要提问 bar (issue 8.4): on a phone the question form is at the bottom of a long
   * feed. It shows while questions are accepted, read from the questions part itself (#vq-closed
   * is hidden exactly then, whoever updates it), and jumps to the form with the cursor in it. */
  function installAskJump() {
    var bar = document.getElementById('ask-bar');
    var closed = document.getElementById('vq-closed');
    if (!bar || !closed) return;
    // The feed's toolbar is sticky too: it sticks below the bar (--ask-bar-h), not under it.
    function publishHeight() {
      document.documentElement.style.setProperty('--ask-bar-h', (bar.hidden ? 0 : bar.offsetHeight) + 'px');
    }
    function sync() { bar.hidden = !closed.hidden; publishHeight(); }
    sync();
    new MutationObserver(sync).observe(closed, { attributes: true, attributeFilter: ['hidden'] });
    // Large-text mode and the wide layout (no bar) change its height.
    if (window.ResizeObserver) new ResizeObserver(publishHeight).observe(bar);
    document.getElementById('ask-jump').addEventListener('click', function (e) {
      e.preventDefault();
      var form = document.getElementById('vq-form'), again = document.getElementById('vq-again');
      if (form.hidden && again && !document.getElementById('vq-receipt').hidden) again.click();  // asked before: ask again
      var text = document.getElementById('vq-text');
      form.scrollIntoView({ block: 'start', behavior: 'auto' });
      // Focus without a second scroll: the form's top stays under the bar.
      try { text.focus({ preventScroll: true }); } catch (err) { text.focus(); }
    });
  }

  function startViewer(root) {
    var interviewId = Number(root.dataset.interviewId);
    var feedNode = document.getElementById('feed');
    var pill = document.getElementById('new-pill');
    var toggle = document.getElementById('order-toggle');
    var conn = document.getElementById('conn');
    var empty = document.getElementById('feed-empty');
    var pinnedSection = document.getElementById('pinned-section');
    var unseen = 0;
    var followingBottom = false;  // oldest-first and scrolled to the end: keep following
    var storedOrder = null;
    try { storedOrder = global.localStorage.getItem('fangtan.feedOrder'); } catch (e) { /* private mode */ }
    // The reader's own choice wins; otherwise the server's (oldest first once the live is over).
    var order = storedOrder === 'oldest' || storedOrder === 'newest' ? storedOrder : feedNode.dataset.order;

    function newestVisible() {
      // "Away" means the newest entry is off screen: new ones would pass unnoticed.
      var rect = feedNode.getBoundingClientRect();
      if (order === 'newest') return rect.top > -80;
      return rect.bottom < global.innerHeight + 80;
    }

    function updatePill() {
      if (unseen > 0 && !newestVisible()) {
        pill.textContent = unseen + ' 条新消息';
        pill.hidden = false;
      } else {
        unseen = 0;
        pill.hidden = true;
      }
    }

    function scrollToNewest() {
      var rect = feedNode.getBoundingClientRect();
      var target = order === 'newest' ? rect.top + global.scrollY - 12 : rect.bottom + global.scrollY - global.innerHeight + 12;
      global.scrollTo({ top: Math.max(target, 0), behavior: 'smooth' });
      unseen = 0;
      pill.hidden = true;
    }

    var view = new FeedView(feedNode, {
      order: order,
      pinned: document.getElementById('pinned'),
      onAdded: function (entry, node) {
        if (order === 'oldest' && followingBottom) {
          node.scrollIntoView({ block: 'end' });
        } else if (!newestVisible()) {
          unseen += 1;
        }
        updatePill();
      },
      onChange: function (v) {
        empty.hidden = v.count() > 0;
        pinnedSection.hidden = !document.querySelector('#pinned .entry');
      },
    });

    function applyOrder(next) {
      order = next;
      view.setOrder(next);
      toggle.dataset.order = next;
      toggle.textContent = next === 'newest' ? '最新在前' : '最早在前';
      try { global.localStorage.setItem('fangtan.feedOrder', next); } catch (e) { /* private mode */ }
      unseen = 0;
      updatePill();
    }
    applyOrder(order);
    toggle.addEventListener('click', function () { applyOrder(order === 'newest' ? 'oldest' : 'newest'); });
    pill.addEventListener('click', scrollToNewest);
    global.addEventListener('scroll', function () {
      followingBottom = order === 'oldest' && feedNode.getBoundingClientRect().bottom < global.innerHeight + 40;
      if (!pill.hidden) updatePill();
    }, { passive: true });
    installLightbox(root, document.getElementById('lightbox'));
    installAskJump();

    function applyInterview(data) {
      if (!data) return;
      if (data.title) document.getElementById('title').textContent = data.title;
      var topic = document.getElementById('topic');
      if (topic && data.topic) topic.textContent = data.topic;
      if (data.guests) applyGuests(data.guests);
      if (data.state) applyState(data.state);
    }

    function applyGuests(guests) {
      var box = document.getElementById('guests');
      if (!box) return;  // the page had none: a reload shows them
      Array.prototype.forEach.call(box.querySelectorAll('.guest'), function (n) { box.removeChild(n); });
      guests.forEach(function (guest) {
        var row = el('div', 'guest');
        row.dataset.guestId = guest.id;
        var photo;
        if (guest.photo_url) {
          photo = el('img', 'guest-photo');
          photo.src = guest.photo_url + '/thumb'; photo.alt = guest.name; photo.loading = 'lazy';
          photo.width = 72; photo.height = 72;
        } else {
          photo = el('span', 'guest-photo guest-initial', (guest.name || '').slice(0, 1));
        }
        var text = el('div', 'guest-text');
        text.appendChild(el('div', 'guest-name', guest.name));
        if (guest.title) text.appendChild(el('div', 'guest-title', guest.title));
        if (guest.bio) text.appendChild(el('p', 'guest-bio', guest.bio));
        row.appendChild(photo); row.appendChild(text);
        box.appendChild(row);
      });
    }

    // Once the live is over, "实时更新中" is not true any more (corrections still arrive): the
    // connection shows 直播已结束, quietly; data-status stays, for what follows it.
    var connStatus = 'connecting';
    function showConnection(status) {
      connStatus = status;
      setConnection(conn, status);
      var over = root.dataset.state === 'ended' || root.dataset.state === 'published';
      conn.toggleAttribute('data-over', over && status === 'live');
      if (over && status === 'live') conn.textContent = '直播已结束';
    }

    function applyState(state) {
      var banner = document.getElementById('state-banner');
      var spec = STATE_BANNERS[state];
      root.dataset.state = state;
      showConnection(connStatus);
      if (!spec || banner.dataset.state === state) return;
      banner.dataset.state = state;
      banner.className = 'banner banner-' + spec[0];
      banner.textContent = '';
      banner.appendChild(el('span', 'banner-label', spec[1]));
      if (state === 'published') {
        var link = el('a', 'banner-link', '观看剪辑后的视频与文字实录');
        link.href = '/archive/' + interviewId + '/';
        banner.appendChild(link);
        // A text broadcast's archive has no video: its interview.json says kind "text".
        fetch(link.href + 'interview.json').then(function (r) { return r.ok ? r.json() : null; }).then(function (meta) {
          if (meta && meta.kind === 'text') link.textContent = '查看图文直播实录';
        }).catch(function () { /* keep the general wording */ });
      }
    }

    // PUBLIC_FANOUT=nchan (data-fanout on the page): the events come through nginx (live_nchan.js).
    var follower = root.dataset.fanout === 'nchan' && global.FangtanLiveNchan ? global.FangtanLiveNchan : global.FangtanLive;
    var live = follower.follow({
      namespace: '/live',
      interviewId: interviewId,
      onSnapshot: function (snapshot, lastSeq) {
        applyInterview(snapshot.interview);
        view.reset((snapshot.feed && snapshot.feed.entries) || []);
        each('onSnapshot', snapshot, lastSeq);
      },
      onEvent: function (ev) {
        view.applyEvent(ev);
        if (ev.type === 'interview.state_changed') applyState(ev.data.state);
        if (ev.type === 'interview.updated') applyInterview(ev.data);
        each('onEvent', ev);
      },
      onStatus: showConnection,
    });
    // A phone that loses its network keeps a dead WebSocket open until the ping times out
    // (up to 30 s); the browser knows at once, so drop it now and resume as soon as it is back.
    global.addEventListener('offline', function () { live.socket.disconnect(); showConnection('offline'); });
    global.addEventListener('online', function () { showConnection('retrying'); live.socket.connect(); });
    global.FangtanViewer.live = live;
  }

  document.addEventListener('DOMContentLoaded', function () {
    var root = document.getElementById('viewer-root');
    if (root) startViewer(root);
  });
})(window);
