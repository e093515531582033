/* Archive page: chapter and transcript buttons seek the video; the chapter track is loaded
 * (mode "hidden") so players and scripts can read its cues; the current chapter is highlighted. */
(function () {
  'use strict';
  var video = document.getElementById('archive-video');
  if (!video) return;
  var tracks = video.textTracks;
  for (var i = 0; i < tracks.length; i++) {
    if (tracks[i].kind === 'chapters') tracks[i].mode = 'hidden';
  }
  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('.seek');
    if (!button) return;
    video.currentTime = parseFloat(button.getAttribute('data-start')) || 0;
    video.play().catch(function () {});
    video.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  });
  var chapterButtons = document.querySelectorAll('.chapters .seek');
  video.addEventListener('timeupdate', function () {
    var t = video.currentTime, current = null;
    chapterButtons.forEach(function (b) { if (parseFloat(b.getAttribute('data-start')) <= t + 0.05) current = b; });
    chapterButtons.forEach(function (b) { b.classList.toggle('current', b === current); });
  });
})();
