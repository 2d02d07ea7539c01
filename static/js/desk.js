// The control desk: tick the countdown between polls and mark a lost connection.
// The panel (#desk-panel) is refreshed by htmx every 2 s; each refresh carries the
// seconds left and whether the countdown runs, so the clock never drifts for long.
(function () {
  "use strict";

  var anchor = null;

  function clockText(seconds) {
    var sign = seconds < 0 ? "-" : "";
    var s = Math.abs(seconds);
    var m = Math.floor(s / 60);
    var r = s % 60;
    return sign + (m < 10 ? "0" : "") + m + ":" + (r < 10 ? "0" : "") + r;
  }

  function readClock() {
    var el = document.getElementById("desk-clock");
    if (!el) { anchor = null; return; }
    anchor = {
      el: el,
      remaining: parseInt(el.dataset.remaining, 10) || 0,
      running: el.dataset.running === "1",
      at: performance.now(),
    };
    tick();
  }

  function tick() {
    if (!anchor) return;
    var left = anchor.remaining;
    if (anchor.running) left -= Math.floor((performance.now() - anchor.at) / 1000);
    anchor.el.textContent = clockText(left);
    anchor.el.classList.toggle("text-danger", left < 0);
  }

  function setOffline(offline) {
    var marker = document.getElementById("desk-offline");
    if (marker) marker.classList.toggle("d-none", !offline);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    // A panel request that ended on the sign-in page means the session expired: reload.
    var url = event.detail.xhr && event.detail.xhr.responseURL;
    if (url && url.indexOf("/accounts/login/") !== -1) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });
  document.addEventListener("htmx:afterSwap", function () { setOffline(false); readClock(); });
  document.addEventListener("htmx:sendError", function () { setOffline(true); });
  document.addEventListener("htmx:responseError", function () { setOffline(true); });

  readClock();
  setInterval(tick, 250);
})();
