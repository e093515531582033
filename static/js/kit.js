/* The pages' small shared kit (issue 9): toast, error display, durations, connection status.
 *
 * Loaded by base.html after live.js on every page, so each page script finds window.FangtanKit.
 * Each helper keeps the DOM the pages had (ids, classes, data-status): only the code is shared.
 */
(function (global) {
  'use strict';

  // ---- toast --------------------------------------------------------------------------------
  // A short message that goes away by itself; an error stays longer, to be read.
  var TOAST_MS = 2500, TOAST_ERROR_MS = 6000;

  /* Show `message` in `node` (an element or its id). kind: 'error', or anything else for info.
   * A node that starts `hidden` is shown and hidden again; one with data-toast="fade" stays in
   * the layout and fades (its CSS styles `.show`). The node also gets the class `error` or not. */
  function toast(node, message, kind) {
    node = typeof node === 'string' ? document.getElementById(node) : node;
    if (!node) return;
    var isError = kind === 'error';
    var fades = node.dataset.toast === 'fade';
    node.textContent = message;
    node.classList.toggle('error', isError);
    node.classList.toggle('info', !isError && !fades);
    node.classList.add('show');
    if (!fades) node.hidden = false;
    clearTimeout(node._kitToastTimer);
    node._kitToastTimer = setTimeout(function () {
      node.classList.remove('show');
      if (!fades) node.hidden = true;
    }, isError ? TOAST_ERROR_MS : TOAST_MS);
  }

  // ---- errors -------------------------------------------------------------------------------
  /* The human text of an error: our API's {code, message} (FangtanLive.api throws its `error`
   * with `status`), an Error, or a plain string; `fallback` when it says nothing. */
  function errorText(err, fallback) {
    if (!err) return fallback || '';
    if (typeof err === 'string') return err;
    return err.message || fallback || String(err);
  }

  /* Write an error into its line beside the control (an element or id); a falsy err clears it. */
  function showError(node, err, fallback) {
    node = typeof node === 'string' ? document.getElementById(node) : node;
    if (node) node.textContent = err ? errorText(err, fallback) : '';
  }

  // ---- durations ----------------------------------------------------------------------------
  function pad2(n) { return (n < 10 ? '0' : '') + n; }

  /* A duration as the timers show it: m:ss under an hour, h:mm:ss from one; rounded to the
   * second; a negative one (behind plan, overrun) gets a minus sign (U+2212). */
  function duration(seconds) {
    var neg = seconds < 0;
    var t = Math.abs(Math.round(seconds || 0));
    var h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    return (neg ? '−' : '') + (h ? h + ':' + pad2(m) : m) + ':' + pad2(s);
  }

  /* A timecode as OBS shows it: hh:mm:ss, whole seconds, never negative. */
  function timecode(seconds) {
    var t = Math.max(0, Math.floor(seconds || 0));
    return pad2(Math.floor(t / 3600)) + ':' + pad2(Math.floor(t % 3600 / 60)) + ':' + pad2(t % 60);
  }

  // ---- connection status --------------------------------------------------------------------
  // The states FangtanLive.follow (and FangtanLiveNchan.follow) report through onStatus.
  var CONNECTION_TEXT = { connecting: '连接中…', live: '已连接', offline: '已断开，正在重连…',
                          retrying: '重连中…', error: '连接出错，请刷新页面' };

  /* A badge for the page's socket: returns onStatus(status) that sets node's data-status and its
   * text from `texts` (per page wording; missing states take the kit's). opts.classPrefix: also
   * set className = prefix + status (the host page styles `.conn.live`). */
  function connection(node, texts, opts) {
    node = typeof node === 'string' ? document.getElementById(node) : node;
    texts = texts || {};
    opts = opts || {};
    return function (status) {
      if (!node) return;
      node.dataset.status = status;
      if (opts.classPrefix !== undefined) node.className = opts.classPrefix + status;
      node.textContent = texts[status] || CONNECTION_TEXT[status] || status;
    };
  }

  // ---- the studio's wall time ------------------------------------------------------------
  /* {year, month, day, hour, minute} of an ISO time as the server writes it, in the studio's
   * zone (2026-12-03T02:18:00.000+08:00): that wall time, not the browser's (a laptop on UTC
   * showed 18:18 of the day before beside the consoles' 02:18). null for no or a bad time. */
  function wallTime(iso) {
    if (!iso) return null;
    var m = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d))?/.exec(String(iso));
    if (!m) return null;
    return { year: +m[1], month: +m[2], day: +m[3], hour: +(m[4] || 0), minute: +(m[5] || 0) };
  }

  global.FangtanKit = { toast: toast, errorText: errorText, showError: showError, duration: duration,
                        timecode: timecode, connection: connection, CONNECTION_TEXT: CONNECTION_TEXT,
                        wallTime: wallTime };
})(window);
