/* Staff login page: POST /api/session, then go to `next` (same-site paths only) or the start page. */
(function () {
  'use strict';
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
      var next = form.dataset.next || '';
      // Only a path on this site: "//host" or "/\host" would leave it.
      location.href = /^\/(?![\/\\])/.test(next) ? next : '/';
    }).catch(function (e) {
      err.textContent = e.status === 429 ? (e.message || '登录失败次数过多，请稍后再试') : (e.message || '登录失败');
      button.disabled = false;
    });
  });
})();
