/* Accounts page (/admin/users): create, change role, disable/enable, reset password.
 * After a change the page reloads from the server; on an error the typed values stay. */
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };

  function patch(userId, body) {
    return FangtanLive.api('PATCH', '/api/users/' + userId, body);
  }

  function showError(err) { FangtanKit.showError('users-error', err, '操作失败'); }

  $('users-table').addEventListener('change', function (e) {
    if (!e.target.classList.contains('role-select')) return;
    var row = e.target.closest('tr');
    var select = e.target;
    $('users-error').textContent = '';
    patch(row.dataset.id, { role: select.value }).then(function () { location.reload(); }).catch(function (err) {
      showError(err);
      select.value = select.querySelector('option[selected]').value;
    });
  });

  var dialog = $('password-dialog');
  var target = null;

  $('users-table').addEventListener('click', function (e) {
    var b = e.target.closest('button[data-action]');
    if (!b) return;
    var row = b.closest('tr');
    $('users-error').textContent = '';
    if (b.dataset.action === 'disable') {
      if (!confirm('停用账号 ' + row.dataset.username + '？其所有登录会立即失效。')) return;
      patch(row.dataset.id, { active: false }).then(function () { location.reload(); }).catch(showError);
    } else if (b.dataset.action === 'enable') {
      patch(row.dataset.id, { active: true }).then(function () { location.reload(); }).catch(showError);
    } else if (b.dataset.action === 'password') {
      target = row;
      $('pw-user').textContent = row.dataset.username;
      $('pw-new').value = '';
      $('pw-error').textContent = '';
      dialog.showModal();
      $('pw-new').focus();
    }
  });

  $('pw-cancel').addEventListener('click', function () { dialog.close(); });
  $('password-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var password = $('pw-new').value;
    if (password.length < 8) { $('pw-error').textContent = '密码至少 8 个字符'; return; }
    patch(target.dataset.id, { password: password }).then(function () {
      dialog.close();
      if (target.querySelector('.muted')) location.href = '/login';   // my own password: log in again
    }).catch(function (err) { $('pw-error').textContent = err.message || '重置失败'; });
  });

  $('create-form').addEventListener('submit', function (e) {
    e.preventDefault();
    $('create-error').textContent = '';
    var body = {
      username: $('c-username').value.trim(), display_name: $('c-display_name').value.trim(),
      role: $('c-role').value, password: $('c-password').value,
    };
    if (!body.username) { $('create-error').textContent = '请填写用户名'; $('c-username').focus(); return; }
    if (body.password.length < 8) { $('create-error').textContent = '密码至少 8 个字符'; $('c-password').focus(); return; }
    FangtanLive.api('POST', '/api/users', body).then(function () { location.reload(); })
      .catch(function (err) { $('create-error').textContent = err.message || '创建失败'; });
  });
})();
