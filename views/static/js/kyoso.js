/* Kyoso: small progressive enhancements. Every page works without this file. */
(function () {
  'use strict';

  function init() {
    // Move focus to the error summary so screen-reader and keyboard users hear it first.
    var summary = document.getElementById('error-summary');
    if (summary) summary.focus();

    // Join form: show the municipality list only when the kind is "municipality".
    var kind = document.getElementById('orgKind');
    var muniField = document.getElementById('municipality-field');
    if (kind && muniField) {
      var select = muniField.querySelector('select');
      var sync = function () {
        var isMunicipality = kind.value === 'municipality';
        muniField.hidden = !isMunicipality;
        if (select) {
          select.disabled = !isMunicipality;
          if (isMunicipality) select.setAttribute('required', '');
          else select.removeAttribute('required');
        }
      };
      kind.addEventListener('change', sync);
      sync();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
