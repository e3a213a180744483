// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  function copyFrom(button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) {
      return;
    }
    var text = target.value !== undefined ? target.value : target.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else if (target.select) {
      target.select();
      document.execCommand("copy");
      done();
    }
  }

  // Ask a background job's status address (JSON with `finished`) until the job is finished,
  // handing each answer to `onData`, then load the page again, which the server renders
  // finished; back off while the address does not answer. Without this file, the page's
  // Refresh link does the same. Shared with import.js (a ZIP batch's progress).
  function poll(url, onData) {
    var delay = 1000;
    function ask() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          onData(data);
          if (data.finished) {
            window.location.reload();
            return;
          }
          window.setTimeout(ask, delay);
        })
        .catch(function () {
          delay = Math.min(delay * 2, 15000);
          window.setTimeout(ask, delay);
        });
    }
    window.setTimeout(ask, delay);
  }
  window.Satchel = { poll: poll };

  // A background job's page (export, restore).
  function pollJob(element) {
    poll(element.getAttribute("data-job-status"), function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-status]").forEach(pollJob);
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copyFrom(button); });
    });
    document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  });
})();
