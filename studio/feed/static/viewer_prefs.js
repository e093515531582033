/* The viewer's own reading preference, kept per device (issue 15): 长辈模式 (适老化) makes text and
 * controls larger. Loaded async in <head>: on a repeat visit it comes from the cache and sets the
 * class before the first paint; the button (aria-pressed) is wired as soon as it exists.
 */
(function (global) {
  'use strict';

  var KEY = 'fangtan.largeText';
  var root = document.documentElement;

  function stored() {
    try { return global.localStorage.getItem(KEY) === '1'; } catch (e) { return false; }  // private mode
  }

  function apply(on) {
    root.classList.toggle('large-text', on);
    var button = document.getElementById('large-toggle');
    if (button) {
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
      button.textContent = on ? '标准字号' : '长辈模式';
    }
  }

  function wire() {
    var button = document.getElementById('large-toggle');
    if (!button || button.dataset.wired) return;
    button.dataset.wired = '1';
    apply(stored());
    button.addEventListener('click', function () {
      var on = !root.classList.contains('large-text');
      try { global.localStorage.setItem(KEY, on ? '1' : '0'); } catch (e) { /* private mode: this visit only */ }
      apply(on);
    });
  }

  if (stored()) root.classList.add('large-text');
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wire);
  else wire();
})(window);
