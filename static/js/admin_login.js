/* Staff login page: POST /api/session, then go to `next` (same-site paths only) or the start page. */
(function () {
  'use strict';
  // Only a path on this site. The server already sends a checked value; this checks again the
  // way the browser will read it: resolved against this origin ("/\t/evil", "/\\evil", "//evil"
  // and "https://evil" all resolve elsewhere), same origin, a path with exactly one leading "/".
  function safeNext(next) {
    if (typeof next !== 'string' || next.charAt(0) !== '/' || /[\u0000-\u0020\u007f\\]/.test(next)) return '/';
    var url;
    try { url = new URL(next, location.origin); } catch (e) { return '/'; }
    if (url.origin !== location.origin || !/^\/(?![\/\\])/.test(url.pathname)) return '/';
    return url.pathname + url.search + url.hash;
  }
  var form = document.getElementById('login-form');
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var err = document.getElementById('login-error');
    var button = form.querySelector('button[type=submit]');
    err.textContent = '';
    button.disabled = true;
    FangtanLive.api('POST', '/api/session', {
      username: document.getElementById('username').value,
      password: document.getElementById('password').value
    }).then(function () {
      location.href = safeNext(form.dataset.next || '');
    }).catch(function (e) {
      err.textContent = e.status === 429 ? (e.message || '登录失败次数过多，请稍后再试') : (e.message || '登录失败');
      button.disabled = false;
    });
  });
})();
