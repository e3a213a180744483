// Share pages, progressive enhancement only: without this file both choices stay visible and
// the card is printed with the browser's own print command.
(function () {
  "use strict";

  function showChosenPart(form) {
    var chosen = form.querySelector('input[name="what"]:checked');
    if (!chosen || chosen.type !== "radio") {
      return;
    }
    form.querySelectorAll("[data-share-part]").forEach(function (part) {
      part.hidden = part.getAttribute("data-share-part") !== chosen.value;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".share-form").forEach(function (form) {
      form.querySelectorAll('input[name="what"]').forEach(function (radio) {
        radio.addEventListener("change", function () { showChosenPart(form); });
      });
      showChosenPart(form);
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
