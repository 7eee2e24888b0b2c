/* The door scanner: reads the QR of a check-in code from the camera (jsQR) and submits the check-in form. */
(function () {
  'use strict';
  function ready(fn) {
    if (document.readyState !== 'loading') fn();
    else document.addEventListener('DOMContentLoaded', fn);
  }
  ready(function () {
    var root = document.querySelector('[data-scanner]');
    var form = document.querySelector('[data-check-in-form]');
    if (!root || !form) return;
    var video = root.querySelector('[data-scanner-video]');
    var canvas = root.querySelector('[data-scanner-canvas]');
    var status = root.querySelector('[data-scanner-status]');
    var start = root.querySelector('[data-scanner-start]');
    var input = form.querySelector('input[name="code"]');
    var done = false;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof window.jsQR !== 'function') {
      start.hidden = true;
      return;
    }
    function tick() {
      if (done) return;
      if (video.readyState >= 2 && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        var ctx = canvas.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(img.data, img.width, img.height, { inversionAttempts: 'attemptBoth' });
        var code = found && String(found.data || '').replace(/[^A-Za-z0-9]/g, '');
        if (code && code.length >= 6 && code.length <= 32) {
          done = true;
          input.value = code;
          status.textContent = start.getAttribute('data-read') || code;
          var stream = video.srcObject;
          if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
          form.submit();
          return;
        }
      }
      requestAnimationFrame(tick);
    }
    start.addEventListener('click', function () {
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
        .then(function (stream) {
          video.srcObject = stream;
          video.hidden = false;
          start.hidden = true;
          root.setAttribute('data-scanning', 'true');
          return video.play();
        })
        .then(function () { requestAnimationFrame(tick); })
        .catch(function (err) {
          status.textContent = (start.getAttribute('data-error') || '') + ' ' + (err && err.name ? err.name : '');
        });
    });
  });
})();
