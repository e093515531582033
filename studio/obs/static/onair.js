/* The on-air badge (templates/_onair.html): is the programme streaming, recording, at what timecode.
 *
 * Self-contained so any staff page can include the partial: it asks for the state once with the
 * `obs.onair` socket action on /studio and then follows `obs.telemetry`, which the OBS owner
 * sends to every staff page about once a second and on each change. The timecode ticks locally.
 */
(function () {
  'use strict';

  function start() {
    var box = document.getElementById('onair');
    if (!box || !window.io) return;
    var state = null, offset = 0;
    var socket = window.io('/studio', { transports: ['websocket', 'polling'], withCredentials: true });

    var hms = window.FangtanKit.timecode;

    function tick() {
      var tc = document.getElementById('onair-tc');
      var record = state && state.record;
      // Not recording: "—", not 00:00:00 (which reads as a recording that just started).
      if (!record || !record.active || !record.started_at) { tc.textContent = '—'; return; }
      var now = Date.now() + offset;
      var paused = (record.paused_total_s || 0) * 1000;
      if (record.paused && record.paused_at) paused += now - Date.parse(record.paused_at);
      tc.textContent = hms((now - Date.parse(record.started_at) - paused) / 1000);
    }

    function render(next) {
      if (!next) return;
      state = next;
      if (next.server_time) offset = Date.parse(next.server_time) - Date.now();
      var obs = !next.enabled ? 'disabled' : (next.connected ? 'connected' : 'disconnected');
      box.dataset.obs = obs;
      document.getElementById('onair-obs').textContent =
        obs === 'connected' ? 'OBS 已连接' : (obs === 'disabled' ? '未配置 OBS' : 'OBS 未连接');
      var stream = next.stream || {}, record = next.record || {};
      box.dataset.stream = stream.active ? 'on' : 'off';
      box.dataset.record = record.active ? (record.paused ? 'paused' : 'on') : 'off';
      document.getElementById('onair-stream').textContent = stream.active ? '推流中' : '未推流';
      document.getElementById('onair-record').textContent = record.active ? (record.paused ? '录制暂停' : '录制中') : '未录制';
      tick();
    }

    socket.on('connect', function () {
      socket.timeout(10000).emit('obs.onair', {}, function (err, ack) { if (!err && ack && ack.ok) render(ack.state); });
    });
    socket.on('obs.telemetry', render);
    setInterval(tick, 500);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
