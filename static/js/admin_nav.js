/* Staff navigation: the logout button (a file, not inline: the pages' CSP forbids inline scripts). */
(function () {
  'use strict';
  var button = document.getElementById('logout-btn');
  if (!button) return;
  button.addEventListener('click', function () {
    FangtanLive.api('DELETE', '/api/session').catch(function () {}).then(function () { location.href = '/login'; });
  });
})();
