// The camera, where the browser offers BarcodeDetector: reads a QR code into the link field
// and opens it. Without it the page works the same with a pasted link or an uploaded picture.
(function () {
  "use strict";
  var form = document.querySelector("[data-receive-form]");
  if (!form || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var button = form.querySelector("[data-scan]");
  var video = form.querySelector("[data-scan-video]");
  var status = form.querySelector("[data-scan-status]");
  var input = form.querySelector("input[name=link]");
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" } })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        status.textContent = "Point the camera at the QR code.";
        return video.play().then(function () {
          var scan = function () {
            detector.detect(video).then(function (codes) {
              if (codes.length) {
                stream.getTracks().forEach(function (track) { track.stop(); });
                input.value = codes[0].rawValue;
                status.textContent = "QR code read.";
                form.submit();
              } else {
                window.requestAnimationFrame(scan);
              }
            });
          };
          scan();
        });
      })
      .catch(function () {
        status.textContent = "The camera is not available: paste the link or upload a picture instead.";
      });
  });
})();
