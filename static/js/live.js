/* Fangtan live client: follow one interview's events with resume, no gaps, no duplicates.
 *
 * FangtanLive.follow({namespace: '/live' | '/studio', interviewId, onSnapshot, onEvent, onStatus})
 *  - first join takes a snapshot (ack.snapshot) and its last_seq;
 *  - each event carries `prev` (the audience's previous seq); prev > lastSeq means we missed
 *    something, so we re-join with last_seq and the server replays the gap;
 *  - events with seq <= lastSeq were already applied and are dropped;
 *  - on reconnect we re-join with last_seq; `resync_required` takes a fresh snapshot.
 */
(function (global) {
  'use strict';

  function follow(opts) {
    var lastSeq = null;
    var joining = false;
    var rejoinWanted = false;
    var socket = global.io(opts.namespace, {
      transports: ['websocket', 'polling'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
      withCredentials: true,
    });
    var status = function (s, detail) { if (opts.onStatus) opts.onStatus(s, detail); };

    function apply(ev) {
      if (lastSeq !== null && ev.seq <= lastSeq) return;  // already applied
      lastSeq = ev.seq;
      opts.onEvent(ev);
    }

    function join(fresh) {
      if (joining) { rejoinWanted = true; return; }
      joining = true;
      var payload = { interview_id: opts.interviewId };
      if (!fresh && lastSeq !== null) payload.last_seq = lastSeq;
      socket.timeout(10000).emit('join', payload, function (err, ack) {
        joining = false;
        if (err) { status('retrying'); setTimeout(function () { join(fresh); }, 1000); return; }
        if (!ack || !ack.ok) {
          var code = ack && ack.error && ack.error.code;
          if (code === 'resync_required') { lastSeq = null; join(true); return; }
          status('error', ack && ack.error); return;
        }
        if (ack.snapshot) {
          lastSeq = ack.last_seq;
          opts.onSnapshot(ack.snapshot, ack.last_seq);
        }
        (ack.events || []).forEach(apply);
        if (lastSeq === null || ack.last_seq > lastSeq) lastSeq = ack.last_seq;
        status('live');
        if (rejoinWanted) { rejoinWanted = false; join(false); }
      });
    }

    socket.on('connect', function () { join(lastSeq === null); });
    socket.on('disconnect', function () { status('offline'); });
    socket.on('connect_error', function (e) { status('offline', e && e.message); });
    socket.on('event', function (ev) {
      if (lastSeq === null) return;           // the join ack will bring it
      if (ev.prev > lastSeq) { join(false); return; }  // a gap: let the server replay it
      apply(ev);
    });

    return {
      socket: socket,
      lastSeq: function () { return lastSeq; },
      /* Send a socket action and get its ack as a Promise (rejects with the error object). */
      action: function (name, data) {
        return new Promise(function (resolve, reject) {
          socket.timeout(10000).emit(name, data || {}, function (err, ack) {
            if (err) return reject({ code: 'timeout', message: '服务器无响应' });
            if (ack && ack.ok) resolve(ack); else reject((ack && ack.error) || { code: 'unknown', message: '未知错误' });
          });
        });
      },
    };
  }

  /* JSON API helper: sends the CSRF token on writes, throws {status, code, message} on errors. */
  function api(method, url, body, isForm) {
    var headers = { 'Accept': 'application/json' };
    var csrf = document.querySelector('meta[name="csrf-token"]');
    if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf.content;
    var init = { method: method, headers: headers, credentials: 'same-origin' };
    if (body !== undefined && body !== null) {
      if (isForm) init.body = body;
      else if (typeof body === 'string') { headers['Content-Type'] = 'text/plain; charset=utf-8'; init.body = body; }
      else { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    }
    return fetch(url, init).then(function (resp) {
      var type = resp.headers.get('Content-Type') || '';
      var parse = type.indexOf('json') >= 0 ? resp.json() : resp.text();
      return parse.then(function (data) {
        if (!resp.ok) {
          var e = (data && data.error) || { code: 'http_' + resp.status, message: '请求失败 (' + resp.status + ')' };
          e.status = resp.status;
          throw e;
        }
        return data;
      });
    });
  }

  /* Plain text to DOM: escaped text with http(s) URLs turned into safe links. */
  function renderText(el, text) {
    el.textContent = '';
    var re = /https?:\/\/[^\s<>"'）)，。]+/g, last = 0, m;
    text = String(text || '');
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) el.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = document.createElement('a');
      a.href = m[0]; a.textContent = m[0]; a.rel = 'noopener noreferrer nofollow'; a.target = '_blank';
      el.appendChild(a);
      last = m.index + m[0].length;
    }
    if (last < text.length) el.appendChild(document.createTextNode(text.slice(last)));
    return el;
  }

  function formatTime(iso) {
    if (!iso) return '';
    // The server writes times in the studio's zone (+08:00): show that wall time, as the viewer
    // page and the feed do, not the browser's zone (a laptop on UTC showed 08:47 beside 16:47).
    var wall = /T(\d\d:\d\d:\d\d)(?:\.\d+)?[+-]\d\d:?\d\d$/.exec(String(iso));
    if (wall) return wall[1];
    var d = new Date(iso);
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }

  /* A new element with a class and plain text (never parsed as HTML). */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  global.FangtanLive = { follow: follow, api: api, renderText: renderText, formatTime: formatTime, el: el };
})(window);
