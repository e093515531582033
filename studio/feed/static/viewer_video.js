/* The viewer page's live video: plays the HLS stream (natively where the browser can: iOS, Android;
 * else with hls.js, fetched from data-hls-lib only once there is a stream to play) while
 * `stream.state` says it is on, shows 直播未开始 / 直播中 / 直播已结束, and recovers by itself:
 * a stalled or failed player is rebuilt with backoff as long as the stream is said to be on.
 */
(function () {
  'use strict';

  var box = document.getElementById('live-video');
  if (!box || !window.FangtanViewer) return;
  var video = document.getElementById('live-video-player');
  var label = document.getElementById('live-video-status');
  var defaultUrl = box.dataset.hlsUrl || '';
  var hlsLib = box.dataset.hlsLib || '';
  var hlsLoading = null;
  // The browser said it plays HLS, then failed twice in a row without playing: hls.js from then on.
  var nativeFailed = false, nativeErrors = 0;
  var stream = { active: false };
  var interviewState = document.getElementById('viewer-root') ? document.getElementById('viewer-root').dataset.state : null;
  var sawStream = false;
  var hls = null, playingUrl = null, retryTimer = null, retryDelay = 1000, lastTime = 0, stallChecks = 0;
  // A broadcast with venues (主会场 + N): viewer_venues.js names the venue's own HLS to play.
  var venue = null;

  function setState(state, text) {
    box.dataset.state = state;
    label.textContent = text;
  }

  function stop() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (hls) { hls.destroy(); hls = null; }
    if (playingUrl) { video.removeAttribute('src'); video.load(); }
    playingUrl = null;
  }

  function retry() {
    // The stream may still be starting (no playlist yet) or come back after a network hiccup.
    stop();
    retryTimer = setTimeout(apply, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 10000);
  }

  function nativeHls() {
    return !nativeFailed && !!video.canPlayType('application/vnd.apple.mpegurl');
  }

  /* hls.js (≈500 KB) is the heaviest thing the page could load: only now, and only once. */
  function loadHls() {
    if (window.Hls) return Promise.resolve(window.Hls);
    if (!hlsLoading) {
      hlsLoading = new Promise(function (resolve, reject) {
        var script = document.createElement('script');
        script.src = hlsLib;
        script.async = true;
        script.onload = function () { resolve(window.Hls); };
        script.onerror = function () { hlsLoading = null; reject(new Error('hls.js')); };
        document.head.appendChild(script);
      });
    }
    return hlsLoading;
  }

  function play(url) {
    if (playingUrl === url) return;
    stop();
    playingUrl = url;
    if (nativeHls()) {
      video.dataset.player = 'native';
      video.src = url;
      video.play().catch(function () {});
    } else if (!window.Hls && hlsLib && (window.MediaSource || window.ManagedMediaSource)) {
      loadHls().then(function () {
        if (playingUrl === url && !hls) { playingUrl = null; play(url); }
      }, function () { if (playingUrl === url) retry(); });
    } else if (window.Hls && window.Hls.isSupported()) {
      video.dataset.player = 'hls.js';
      hls = new window.Hls({ liveSyncDurationCount: 3, manifestLoadingMaxRetry: 6, levelLoadingMaxRetry: 6,
                             fragLoadingMaxRetry: 6, lowLatencyMode: false });
      hls.on(window.Hls.Events.MANIFEST_PARSED, function () {
        retryDelay = 1000;
        video.play().catch(function () {});
      });
      hls.on(window.Hls.Events.ERROR, function (_e, data) {
        if (!data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && hls) { hls.recoverMediaError(); return; }
        retry();
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else {
      setState('error', '当前浏览器无法播放直播视频');
    }
  }

  function apply() {
    if (venue && interviewState === 'live') {
      setState('live', venue.label);
      play(venue.url);
      return;
    }
    var url = stream.hls_url || defaultUrl;
    if (stream.active && url) {
      setState('live', '直播中');
      play(url);
      return;
    }
    stop();
    if (stream.active) setState('live', '直播中（未配置播放地址）');
    else if (interviewState === 'ended' || interviewState === 'published') setState('ended', '直播已结束');
    // The interview is on air (banner 直播中) but OBS is not streaming: the text feed is the
    // broadcast for now; "直播未开始" there would contradict the banner.
    else if (interviewState === 'live') setState('waiting', sawStream || stream.ended ? '视频直播暂停中，图文直播继续进行' : '图文直播进行中，视频直播尚未开始');
    else if (sawStream || stream.ended) setState('ended', '直播已结束');
    else setState('waiting', '直播未开始');
  }

  video.addEventListener('error', function () {
    if (!hls && playingUrl && video.dataset.player === 'native') {
      nativeErrors += 1;
      if (nativeErrors >= 2 && hlsLib && (window.MediaSource || window.ManagedMediaSource)) nativeFailed = true;
    }
    if (stream.active || venue) retry();
  });
  video.addEventListener('playing', function () { nativeErrors = 0; });
  // A player that stops advancing while the stream is on is rebuilt (e.g. after the encoder restarted).
  setInterval(function () {
    if (!(stream.active || venue) || !playingUrl || video.paused && video.readyState < 2) { stallChecks = 0; return; }
    if (video.currentTime === lastTime) {
      stallChecks += 1;
      if (stallChecks >= 4) { stallChecks = 0; retry(); }
    } else { stallChecks = 0; lastTime = video.currentTime; }
  }, 5000);

  window.FangtanVideo = {
    /* {url, label} of the venue to play, or null for the programme stream. */
    setVenue: function (choice) {
      if (choice && venue && choice.url === venue.url && choice.label === venue.label) return;
      venue = choice && choice.url ? choice : null;
      retryDelay = 1000;
      apply();
    },
  };

  window.FangtanViewer.register({
    onSnapshot: function (snapshot) {
      if (snapshot.interview) interviewState = snapshot.interview.state;
      stream = snapshot.stream || { active: false };
      if (stream.active) sawStream = true;
      apply();
    },
    onEvent: function (ev) {
      if (ev.type === 'stream.state') {
        stream = ev.data || { active: false };
        sawStream = true;  // a stream.state only follows a stream that started
        retryDelay = 1000;
        apply();
      } else if (ev.type === 'interview.state_changed') {
        interviewState = ev.data.state;
        apply();
      }
    },
  });
})();
