/* Marketplace: search-as-you-type suggestions for the keyword box (progressive enhancement; the form works without it). */
(function () {
  'use strict';

  function init() {
    var input = document.querySelector('input[data-suggest]');
    var list = input && document.getElementById(input.getAttribute('list'));
    if (!input || !list || !window.fetch) return;
    var timer = null;
    var last = '';
    var controller = null;

    function render(items) {
      while (list.firstChild) list.removeChild(list.firstChild);
      items.forEach(function (item) {
        var option = document.createElement('option');
        option.value = item.title; // textContent/value: never parsed as HTML
        list.appendChild(option);
      });
    }

    function fetchSuggestions() {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      if (q.length < 1) { render([]); return; }
      if (controller && controller.abort) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(input.getAttribute('data-suggest') + '?q=' + encodeURIComponent(q), {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (res) { return res.ok ? res.json() : { items: [] }; })
        .then(function (body) { render((body && body.items) || []); })
        .catch(function () { /* suggestions are optional */ });
    }

    input.addEventListener('input', function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 200);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
