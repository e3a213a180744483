// The holder key may only be exported encrypted: its box is enabled once a passphrase is typed.
(function () {
  "use strict";
  var form = document.querySelector("[data-export-form]");
  if (!form) return;
  var passphrase = form.querySelector("input[name$='passphrase']");
  var keyBox = form.querySelector("input[name$='include_holder_key']");
  if (!passphrase || !keyBox) return;
  function sync() {
    keyBox.disabled = passphrase.value.length === 0;
    if (keyBox.disabled) keyBox.checked = false;
  }
  passphrase.addEventListener("input", sync);
  sync();
})();
