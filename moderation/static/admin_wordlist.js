/* Sensitive-word list editor: load, save (PUT text/plain), import a .txt file, export. */
(function () {
  'use strict';
  var FL = window.FangtanLive;
  var box = document.getElementById('wordlist');
  var status = document.getElementById('wordlist-status');

  function load() {
    FL.api('GET', '/api/wordlist').then(function (text) {
      box.value = text;
      status.textContent = '共 ' + text.split('\n').filter(Boolean).length + ' 个词';
    }).catch(function (err) { status.textContent = err.message; });
  }

  function save(body) {
    status.textContent = '保存中…';
    FL.api('PUT', '/api/wordlist', body).then(function (res) {
      status.textContent = '已保存：共 ' + res.count + ' 个词（新增 ' + res.added + '，删除 ' + res.removed + '）';
      load();
    }).catch(function (err) { status.textContent = err.message; });
  }

  document.getElementById('wordlist-form').addEventListener('submit', function (e) {
    e.preventDefault();
    save(box.value);
  });
  document.getElementById('wordlist-file').addEventListener('change', function () {
    if (!this.files.length) return;
    var form = new FormData();
    form.append('file', this.files[0]);
    FL.api('PUT', '/api/wordlist', form, true).then(function (res) {
      status.textContent = '已导入：共 ' + res.count + ' 个词';
      load();
    }).catch(function (err) { status.textContent = err.message; });
    this.value = '';
  });
  load();
})();
