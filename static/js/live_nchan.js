/* Fangtan live client through nginx's nchan (PUBLIC_FANOUT=nchan): the same contract as
 * FangtanLive.follow in live.js — every public event exactly once, in seq order — but the events
 * come by EventSource from GET /live/<id>/events (nchan, inside nginx), not from Socket.IO.
 *
 * FangtanLiveNchan.follow({interviewId, onSnapshot, onEvent, onStatus, eventsUrl?, apiBase?})
 *  - the EventSource opens first; once it is open the snapshot is fetched
 *    (GET /api/interviews/<id>/snapshot) and its last_seq becomes lastSeq;
 *  - each event carries `prev` (the previous public seq): prev > lastSeq means something is
 *    missing (a publish that failed, an nginx restart, two app processes publishing out of
 *    order), so events wait in a buffer, and the gap is filled from
 *    GET /api/interviews/<id>/events?after=lastSeq; seq <= lastSeq was already applied: dropped;
 *  - after every (re)open one more fill runs a little over a second later: the snapshot and
 *    events answers may be up to 1 s old (nginx caches them), and that fill is then newer than
 *    the moment the subscription opened, so nothing published just before it is lost;
 *  - resync_required (410) takes a fresh snapshot.
 * Requests go without cookies: this is the public audience, the same answer for everyone.
 */
(function (global) {
  'use strict';

  var SETTLE_MS = 1100;    // > nginx's 1 s cache of the snapshot and events answers
  var HOLD_MS = 300;       // an out-of-order event (two app processes) usually arrives by then

  function getJSON(url) {
    return fetch(url, { credentials: 'omit', headers: { 'Accept': 'application/json' } }).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (data) {
        if (!resp.ok) {
          var e = (data && data.error) || { code: 'http_' + resp.status, message: '请求失败 (' + resp.status + ')' };
          e.status = resp.status;
          throw e;
        }
        return data;
      });
    });
  }

  function follow(opts) {
    var id = opts.interviewId;
    var eventsUrl = opts.eventsUrl || '/live/' + id + '/events';
    var apiBase = opts.apiBase || '/api/interviews/' + id;
    var lastSeq = null;
    var buffer = {};           // seq -> event not applied yet (waiting for a gap to fill)
    var source = null;
    var wanted = true;         // false after disconnect()
    var snapshotting = false, filling = false, fillTimer = null, reopenTimer = null, reopenDelay = 1000;
    var status = function (s, detail) { if (opts.onStatus) opts.onStatus(s, detail); };

    function pending() { return Object.keys(buffer).map(Number).sort(function (a, b) { return a - b; }); }

    /* Apply buffered events while they follow on from lastSeq; a gap leaves the rest waiting. */
    function drain() {
      if (lastSeq === null) return;
      var seqs = pending();
      for (var i = 0; i < seqs.length; i++) {
        var ev = buffer[seqs[i]];
        if (ev.seq <= lastSeq) { delete buffer[seqs[i]]; continue; }  // already applied
        if (ev.prev > lastSeq) break;                                     // a gap before it
        delete buffer[seqs[i]];
        lastSeq = ev.seq;
        opts.onEvent(ev);
      }
      if (pending().length) scheduleFill(HOLD_MS);
    }

    function scheduleFill(ms) {
      if (fillTimer !== null) return;
      fillTimer = setTimeout(function () { fillTimer = null; fill(); }, ms);
    }

    function fill() {
      if (lastSeq === null) { snapshot(); return; }
      if (filling) { scheduleFill(SETTLE_MS); return; }
      filling = true;
      getJSON(apiBase + '/events?after=' + lastSeq).then(function (data) {
        filling = false;
        (data.events || []).forEach(function (ev) { if (ev.seq > lastSeq) buffer[ev.seq] = ev; });
        drain();
        // The answer holds every public event up to its last_seq: nothing below it is missing.
        if (data.last_seq > lastSeq && !pending().some(function (s) { return s <= data.last_seq; })) lastSeq = data.last_seq;
        drain();
        // Still a gap: the answer came from a cache older than the event; ask again after it expired.
        if (pending().length) scheduleFill(SETTLE_MS);
      }, function (err) {
        filling = false;
        if (err && err.code === 'resync_required') { lastSeq = null; buffer = {}; snapshot(); return; }
        status('retrying');
        scheduleFill(2000);
      });
    }

    function snapshot() {
      if (snapshotting) return;
      snapshotting = true;
      getJSON(apiBase + '/snapshot').then(function (data) {
        snapshotting = false;
        lastSeq = data.last_seq;
        opts.onSnapshot(data.snapshot, data.last_seq);
        drain();
        if (source && source.readyState === 1) status('live');
        scheduleFill(SETTLE_MS);
      }, function (err) {
        snapshotting = false;
        status(err && err.status === 404 ? 'error' : 'retrying', err);
        if (!err || err.status !== 404) setTimeout(snapshot, 2000);
      });
    }

    function open() {
      if (source) source.close();
      source = new EventSource(eventsUrl);
      source.onopen = function () {
        reopenDelay = 1000;
        if (lastSeq === null) { snapshot(); return; }
        status('live');
        fill();                     // what was published while we were away
        scheduleFill(SETTLE_MS);    // and what a cached answer may not have held yet
      };
      source.onmessage = function (msg) {
        var ev;
        try { ev = JSON.parse(msg.data); } catch (e) { return; }
        if (!ev || typeof ev.seq !== 'number') return;
        if (lastSeq !== null && ev.seq <= lastSeq) return;
        buffer[ev.seq] = ev;
        drain();
      };
      source.onerror = function () {
        status('offline');
        // CONNECTING: the browser retries by itself (resuming by Last-Event-ID); CLOSED (an
        // error answer, e.g. nginx up but the location missing): open a new one, backing off.
        if (source.readyState === 2 && wanted && reopenTimer === null) {
          reopenTimer = setTimeout(function () { reopenTimer = null; if (wanted) open(); }, reopenDelay);
          reopenDelay = Math.min(reopenDelay * 2, 15000);
        }
      };
    }

    open();

    // viewer.js drops and reopens the connection on the browser's offline/online events.
    var connection = {
      connect: function () { wanted = true; if (!source || source.readyState === 2) open(); },
      disconnect: function () {
        wanted = false;
        if (source) { source.close(); source = null; }
        status('offline');
      },
    };
    return {
      socket: connection,
      transport: 'nchan',
      lastSeq: function () { return lastSeq; },
      close: connection.disconnect,
    };
  }

  global.FangtanLiveNchan = { follow: follow };
})(window);
