// The hall screen: poll the state every 2 s and draw it without reloading.
// When the server is away (a restart, a network drop) keep showing the last state, show a
// small marker and retry with a growing pause; a reload simply fetches the state again.
(function () {
  "use strict";

  var POLL_MS = 2000;
  var MAX_BACKOFF_MS = 10000;
  var MAX_ROWS_PER_COLUMN = 15;

  var root = document.getElementById("projector");
  var stateUrl = root.dataset.stateUrl;
  var delay = POLL_MS;
  var clock = null; // {remaining, running, at}
  var shownResults = null; // the results last drawn, as JSON text

  function byId(id) { return document.getElementById(id); }

  function clockText(seconds) {
    var sign = seconds < 0 ? "-" : "";
    var s = Math.abs(seconds);
    var m = Math.floor(s / 60);
    var r = s % 60;
    return sign + (m < 10 ? "0" : "") + m + ":" + (r < 10 ? "0" : "") + r;
  }

  function tick() {
    if (!clock) return;
    var left = clock.remaining;
    if (clock.running) left -= Math.floor((performance.now() - clock.at) / 1000);
    var el = byId("p-clock");
    el.textContent = clockText(left);
    el.classList.toggle("over", left < 0);
  }

  function drawCurrent(current) {
    byId("p-waiting").hidden = !!current;
    byId("p-side").hidden = !current;
    byId("p-rehearsal").hidden = !(current && current.rehearsal);
    byId("p-org").textContent = current ? current.organization : "";
    byId("p-secretary").textContent = current ? current.secretary : "";
    byId("p-count").textContent = current ? current["in"] + "/" + current.eligible : "";
  }

  function drawResults(results) {
    var text = JSON.stringify(results);
    byId("p-results").hidden = !results;
    byId("p-live").hidden = !!results;
    if (text === shownResults) return;
    shownResults = text;
    var cols = byId("p-results-cols");
    cols.textContent = "";
    if (!results) return;
    var template = byId("p-results-table");
    // Long agendas flow into balanced columns; three or more get a denser type.
    var columns = Math.max(1, Math.ceil(results.length / MAX_ROWS_PER_COLUMN));
    var perColumn = Math.max(1, Math.ceil(results.length / columns));
    cols.classList.toggle("dense", columns > 2);
    for (var start = 0; start < results.length; start += perColumn) {
      var table = template.content.firstElementChild.cloneNode(true);
      var body = table.querySelector("tbody");
      results.slice(start, start + perColumn).forEach(function (row) {
        var tr = document.createElement("tr");
        [row.rank, row.organization, row.secretary, row.composite, row.grade].forEach(
          function (value, i) {
            var td = document.createElement("td");
            td.textContent = value === null || value === undefined ? "—" : value;
            if (i === 3) td.className = "num";
            if (i === 4) td.className = "grade grade-" + (value || "none");
            tr.appendChild(td);
          }
        );
        body.appendChild(tr);
      });
      cols.appendChild(table);
    }
  }

  function draw(state) {
    byId("p-title").textContent = state.meeting.title;
    document.title = state.meeting.title;
    drawCurrent(state.current);
    drawResults(state.results);
    clock = {
      remaining: state.countdown.remaining,
      running: state.countdown.running,
      at: performance.now(),
    };
    tick();
  }

  function mark(id, on) { byId(id).hidden = !on; }

  function poll() {
    fetch(stateUrl, { cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404) {
          mark("p-gone", true);
          throw new Error("gone");
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (state) {
        draw(state);
        mark("p-offline", false);
        mark("p-gone", false);
        delay = POLL_MS;
      })
      .catch(function (error) {
        if (error.message !== "gone") mark("p-offline", true);
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      })
      .then(function () { setTimeout(poll, delay); });
  }

  setInterval(tick, 250);
  poll();
})();
