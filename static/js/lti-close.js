// LTI Dynamic Registration: the registration is over, so tell the platform's window that
// opened this page (a pop-up's opener, or the page framing it) to close it.
(function () {
  "use strict";
  var platform = window.opener || (window.parent !== window ? window.parent : null);
  if (!platform) return;
  platform.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
})();
