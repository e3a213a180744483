// Import pages, progressively enhanced: the forms and the Refresh link work without this file.
(function () {
  "use strict";

  function listFiles(list, files) {
    list.textContent = "";
    Array.prototype.forEach.call(files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name;
      list.appendChild(item);
    });
  }

  function enhanceDropzone(zone) {
    var input = zone.querySelector("[data-drop-input]");
    var list = zone.querySelector("[data-drop-list]");
    var hint = zone.querySelector("[data-drop-hint]");
    if (!input || !list) {
      return;
    }
    zone.classList.add("dropzone--active");
    if (hint) {
      hint.hidden = false;
    }
    input.addEventListener("change", function () { listFiles(list, input.files); });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dropzone--over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dropzone--over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) {
        return;
      }
      input.files = event.dataTransfer.files;
      listFiles(list, input.files);
    });
  }

  function pollBatch(section) {
    var progress = section.querySelector("[data-batch-progress]");
    var count = section.querySelector("[data-batch-count]");
    var label = section.querySelector("[data-batch-label]");
    // The finished page lists every file; the server renders it (satchel.js reloads it).
    window.Satchel.poll(section.getAttribute("data-batch-status"), function (data) {
      progress.max = Math.max(data.total, 1);
      progress.value = data.done;
      progress.textContent = data.done + " of " + data.total;
      count.textContent = data.done + " of " + data.total;
      label.textContent = data.status_label;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-dropzone]").forEach(enhanceDropzone);
    document.querySelectorAll("[data-batch-status]").forEach(pollBatch);
  });
})();
