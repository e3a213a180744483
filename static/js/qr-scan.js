// Reading a QR code with the camera, where the browser offers BarcodeDetector. Progressive
// enhancement only: without it the page offers the picture upload, read on the server.
(function () {
  "use strict";

  function stop(stream, video) {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    }
    video.hidden = true;
    video.srcObject = null;
  }

  function scan(box) {
    var form = box.closest("form");
    var target = form.querySelector("[data-qr-target]");
    var video = box.querySelector("[data-qr-scan-video]");
    var status = box.querySelector("[data-qr-scan-status]");
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    var stream = null;
    var done = false;

    function look() {
      if (done) {
        return;
      }
      detector.detect(video).then(function (codes) {
        var found = codes.find(function (code) { return code.rawValue; });
        if (found) {
          done = true;
          stop(stream, video);
          target.value = found.rawValue;
          status.textContent = box.getAttribute("data-msg-found");
          form.submit();
        } else {
          window.requestAnimationFrame(look);
        }
      }).catch(function () { window.requestAnimationFrame(look); });
    }

    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (opened) {
        stream = opened;
        video.srcObject = stream;
        video.hidden = false;
        status.textContent = box.getAttribute("data-msg-point");
        return video.play();
      })
      .then(look)
      .catch(function () {
        stop(stream, video);
        status.textContent = box.getAttribute("data-msg-failed");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
      return;
    }
    document.querySelectorAll("[data-qr-scan]").forEach(function (box) {
      if (!box.closest("form").querySelector("[data-qr-target]")) {
        return;
      }
      box.hidden = false;
      box.querySelector("[data-qr-scan-start]").addEventListener("click", function () { scan(box); });
    });
  });
})();
