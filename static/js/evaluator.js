// The evaluator page: follow the desk by polling the state every 2–3 s, and never lose a
// ballot. What the evaluator types is kept in localStorage (per seat link) as a draft; a
// submitted ballot goes to an outbox there first and leaves it only when the server answers.
// Resending uses the same ballot_id, so the server stores it once however often it arrives.
(function () {
  "use strict";

  var POLL_MS = 2000;
  var POLL_JITTER_MS = 1000; // 300 laptops should not poll in step
  var HIDDEN_POLL_MS = 10000;
  var RETRY_MIN_MS = 2000;
  var RETRY_MAX_MS = 15000;
  var REQUEST_TIMEOUT_MS = 10000;
  var ACK_GRACE_MS = 10000; // a state read before an answer may not show that ballot yet

  function byId(id) { return document.getElementById(id); }

  var root = byId("evaluator");
  var base = root.dataset.baseUrl;
  var T = JSON.parse(byId("ev-strings").textContent);
  var state = JSON.parse(byId("ev-state").textContent);
  var storeKey = "evaluator:" + base;
  var store = loadStore();
  var selected = null; // the organization code the sheet shows
  var lastCurrent = state.current;
  var bannerFor = null;
  var acks = {}; // org -> {ballot, at}: answers newer than the last state read
  var sending = false;
  var retryDelay = RETRY_MIN_MS;
  var retryTimer = null;
  var pollTimer = null;
  var gone = false;

  // Storage ---------------------------------------------------------------------------------

  function loadStore() {
    var empty = { drafts: {}, outbox: {}, selected: null };
    try {
      var saved = JSON.parse(window.localStorage.getItem(storeKey) || "null");
      return saved && saved.drafts && saved.outbox ? saved : empty;
    } catch (e) {
      return empty;
    }
  }

  function save() {
    store.selected = selected;
    try {
      window.localStorage.setItem(storeKey, JSON.stringify(store));
    } catch (e) { /* private mode or full: the page still works while it stays open */ }
  }

  // Small helpers ---------------------------------------------------------------------------

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function uuid4() {
    // crypto.randomUUID needs HTTPS; halls often serve plain http on the intranet.
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function normalizeNumber(text) {
    // Full-width digits and point from a Chinese input method count as ordinary ones.
    return String(text || "").trim().replace(/[\uff10-\uff19]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/[\uff0e\u3002]/g, ".");
  }

  function cents(text) {
    // Exact: "18.5" -> 1850, or null when it is not a number with at most two decimals.
    var m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(normalizeNumber(text));
    if (!m) return null;
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }

  function showCents(value) {
    var whole = Math.floor(value / 100);
    var rest = value % 100;
    if (!rest) return String(whole);
    return whole + "." + (rest < 10 ? "0" + rest : String(rest % 10 ? rest : rest / 10));
  }

  function reporterOf(org) {
    var list = state.meeting.reporters;
    for (var i = 0; i < list.length; i++) if (list[i].org === org) return list[i];
    return null;
  }

  function isOwn(org) { return !!state.meeting.seat.org && state.meeting.seat.org === org; }

  function isOpen(org) { return state.open.indexOf(org) !== -1; }

  function serverBallot(org) {
    var ack = acks[org];
    var known = state.ballots[org];
    if (ack && Date.now() - ack.at < ACK_GRACE_MS && (!known || known.ballot_id !== ack.ballot.ballot_id)) {
      return ack.ballot;
    }
    return known || null;
  }

  function statusOf(org) {
    if (isOwn(org)) return "own";
    var out = store.outbox[org];
    if (out) return out.status;
    return serverBallot(org) ? "sent" : "none";
  }

  function hasContent(values) {
    if (!values) return false;
    var scores = values.scores || {};
    for (var code in scores) if (scores[code]) return true;
    return !!values.grade || !!values.opinion;
  }

  // A half-filled sheet that can still be sent is never replaced by the desk moving on. Once
  // its scoring has closed it cannot be sent; the page follows the desk and the draft stays
  // on the device, shown again (read-only) when its chip is tapped.
  function formDirty() {
    var draft = selected && store.drafts[selected];
    return !!(draft && draft.dirty && hasContent(draft) && isOpen(selected) && !isOwn(selected));
  }

  // The form --------------------------------------------------------------------------------

  var form = byId("ev-form");
  var opinion = byId("ev-opinion");
  var grades = Array.prototype.slice.call(form.querySelectorAll("input[name=grade]"));

  function indicatorInputs() {
    return Array.prototype.slice.call(byId("ev-indicators").querySelectorAll("input"));
  }

  function buildIndicators() {
    var box = byId("ev-indicators");
    box.textContent = "";
    if (!state.meeting.parts.indicators) return;
    var template = byId("ev-indicator-row");
    state.meeting.indicators.forEach(function (indicator, i) {
      var row = template.content.firstElementChild.cloneNode(true);
      var input = row.querySelector("input");
      input.id = "ev-score-" + i;
      input.dataset.code = indicator.code;
      input.dataset.max = indicator.max_points;
      row.querySelector("label").htmlFor = input.id;
      row.querySelector(".ev-indicator-name").textContent = indicator.name;
      row.querySelector(".ev-indicator-max").textContent = fmt(T.max, { max: indicator.max_points });
      box.appendChild(row);
    });
  }

  function readForm() {
    var scores = {};
    indicatorInputs().forEach(function (input) { scores[input.dataset.code] = normalizeNumber(input.value); });
    var checked = grades.filter(function (g) { return g.checked; })[0];
    return { scores: scores, grade: checked ? checked.value : "", opinion: opinion.value };
  }

  function fillForm(values) {
    values = values || {};
    var scores = values.scores || {};
    indicatorInputs().forEach(function (input) { input.value = scores[input.dataset.code] || ""; });
    grades.forEach(function (g) { g.checked = g.value === values.grade; });
    opinion.value = values.opinion || "";
    clearErrors();
    drawTotal();
  }

  function valuesFor(org) {
    var draft = store.drafts[org];
    if (draft) return draft;
    var out = store.outbox[org];
    if (out) return out.ballot;
    return serverBallot(org);
  }

  function scoreError(input) {
    var value = cents(input.value);
    var max = cents(input.dataset.max);
    if (input.value.trim() === "") return T.missing;
    if (value === null || value > max) return fmt(T.invalid_score, { max: input.dataset.max });
    return "";
  }

  function drawTotal() {
    var total = byId("ev-total");
    total.hidden = !state.meeting.parts.indicators;
    if (total.hidden) return;
    var sum = 0, max = 0;
    indicatorInputs().forEach(function (input) {
      var value = cents(input.value);
      max += cents(input.dataset.max) || 0;
      if (value !== null && value <= cents(input.dataset.max)) sum += value;
    });
    total.textContent = fmt(T.total, { total: showCents(sum), max: showCents(max) });
    byId("ev-count").textContent = String(opinion.value.length);
  }

  function clearErrors() {
    form.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    byId("ev-grades").classList.remove("is-invalid");
    byId("ev-errors").hidden = true;
  }

  function markError(field, message) {
    var input = null;
    if (field.indexOf("scores.") === 0) {
      input = indicatorInputs().filter(function (i) { return "scores." + i.dataset.code === field; })[0];
    } else if (field === "opinion") {
      input = opinion;
    } else if (field === "grade") {
      byId("ev-grades").classList.add("is-invalid");
      byId("ev-grade-error").textContent = message;
      byId("ev-grade-error").classList.add("d-block");
      return true;
    }
    if (!input) return false;
    input.classList.add("is-invalid");
    input.parentNode.querySelector(".invalid-feedback").textContent = message;
    return true;
  }

  function showErrors(errors) {
    clearErrors();
    byId("ev-grade-error").classList.remove("d-block");
    var rest = [];
    Object.keys(errors).forEach(function (field) {
      if (!markError(field, errors[field])) rest.push(errors[field]);
    });
    var box = byId("ev-errors");
    box.textContent = rest.join(" ");
    box.hidden = !rest.length;
  }

  function checkLocally(values) {
    var errors = {};
    if (state.meeting.parts.indicators) {
      indicatorInputs().forEach(function (input) {
        var message = scoreError(input);
        if (message) errors["scores." + input.dataset.code] = message;
      });
    }
    if (state.meeting.parts.grades && !values.grade) errors.grade = T.choose_grade;
    return Object.keys(errors).length ? errors : null;
  }

  function saveDraft() {
    if (!selected) return;
    var values = readForm();
    values.dirty = true;
    store.drafts[selected] = values;
    save();
    drawTotal();
  }

  form.addEventListener("input", function (event) {
    if (event.target.classList) event.target.classList.remove("is-invalid");
    saveDraft();
    drawStrip();
  });
  form.addEventListener("change", function () { saveDraft(); drawStrip(); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!selected || !isOpen(selected) || isOwn(selected)) return;
    var values = readForm();
    var errors = checkLocally(values);
    if (errors) { showErrors(errors); return; }
    clearErrors();
    var ballot = { ballot_id: uuid4(), org: selected, grade: values.grade || null, opinion: values.opinion.trim() };
    if (state.meeting.parts.indicators) ballot.scores = values.scores;
    store.outbox[selected] = { ballot: ballot, status: "pending" };
    store.drafts[selected] = { scores: values.scores, grade: values.grade, opinion: values.opinion, dirty: false };
    save();
    draw();
    retryDelay = RETRY_MIN_MS;
    flush();
  });

  // Talking to the server -------------------------------------------------------------------

  function request(url, options) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    var settings = Object.assign(
      { cache: "no-store", credentials: "omit", signal: controller ? controller.signal : undefined },
      options || {}
    );
    return fetch(url, settings).then(function (response) {
      clearTimeout(timer);
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  function setOnline(online) {
    var badge = byId("ev-net");
    badge.textContent = online ? T.online : T.offline;
    badge.className = "badge rounded-pill ev-net " + (online ? "text-bg-success" : "text-bg-secondary");
    badge.dataset.online = online ? "1" : "0";
  }

  function linkGone() {
    gone = true;
    clearTimeout(pollTimer);
    clearTimeout(retryTimer);
    byId("ev-gone").hidden = false;
    byId("ev-sheet").hidden = true;
    byId("ev-banner").hidden = true;
  }

  function nextPending() {
    for (var org in store.outbox) if (store.outbox[org].status === "pending") return org;
    return null;
  }

  function scheduleRetry() {
    if (retryTimer || gone) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  function answered(org, id, entry, result) {
    var current = store.outbox[org];
    var same = !!current && current.ballot.ballot_id === id;
    if (result.status === 200) {
      var ballot = Object.assign({}, entry.ballot, { ballot_id: result.body.ballot_id, receipt: result.body.receipt });
      acks[org] = { ballot: ballot, at: Date.now() };
      if (same) delete store.outbox[org];
    } else if (result.status === 409) {
      if (same) Object.assign(current, { status: "refused", message: result.body.error || T.closed });
    } else if (result.status === 400) {
      if (same) Object.assign(current, { status: "invalid", errors: result.body.errors || {} });
      if (same && org === selected) showErrors(current.errors);
    } else {
      return false; // the server is busy or restarting: try again later
    }
    return true;
  }

  function flush() {
    if (sending || gone) return;
    var org = nextPending();
    if (!org) return;
    sending = true;
    var entry = store.outbox[org];
    var id = entry.ballot.ballot_id;
    request(base + "ballots", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(entry.ballot)
    }).then(function (result) {
      sending = false;
      if (result.status === 404 || result.status === 403) { linkGone(); return; }
      setOnline(true);
      if (!answered(org, id, entry, result)) { scheduleRetry(); return; }
      retryDelay = RETRY_MIN_MS;
      save();
      draw();
      flush();
    }, function () {
      sending = false;
      setOnline(false);
      scheduleRetry();
    });
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    if (gone) return;
    var wait = document.hidden ? HIDDEN_POLL_MS : POLL_MS + Math.random() * POLL_JITTER_MS;
    pollTimer = setTimeout(poll, wait);
  }

  function poll() {
    request(base + "state").then(function (result) {
      if (result.status === 404 || result.status === 403) { linkGone(); return; }
      if (result.status !== 200) throw new Error("state " + result.status);
      setOnline(true);
      applyState(result.body);
      if (nextPending()) {
        retryDelay = RETRY_MIN_MS;
        clearTimeout(retryTimer);
        retryTimer = null;
        flush();
      }
    }).catch(function () {
      setOnline(false);
    }).then(schedulePoll);
  }

  function applyState(next) {
    var scheme = JSON.stringify([state.meeting.indicators, state.meeting.parts]);
    state = next;
    if (JSON.stringify([state.meeting.indicators, state.meeting.parts]) !== scheme) {
      buildIndicators();
      fillForm(valuesFor(selected));
    }
    if (state.current !== lastCurrent) {
      lastCurrent = state.current;
      followDesk(state.current);
    }
    if (!selected || !reporterOf(selected)) {
      var fallback = defaultSelection();
      if (fallback !== selected) select(fallback);
    }
    draw();
  }

  // Following the desk ----------------------------------------------------------------------

  function followDesk(current) {
    if (!current || current === selected) {
      bannerFor = null;
      return;
    }
    if (formDirty()) bannerFor = current; // never replace a half-filled ballot
    else select(current);
  }

  function defaultSelection() {
    if (state.current) return state.current;
    if (state.open.length) return state.open[0];
    var list = state.meeting.reporters;
    return list.length ? list[0].org : null;
  }

  function select(org) {
    selected = org;
    if (bannerFor === org) bannerFor = null;
    save();
    fillForm(valuesFor(org));
    var out = org && store.outbox[org];
    if (out && out.status === "invalid") showErrors(out.errors || {});
    draw();
  }

  byId("ev-switch").addEventListener("click", function () { if (bannerFor) select(bannerFor); });

  byId("ev-next-unscored").addEventListener("click", function () {
    var org = this.dataset.org;
    if (org) select(org);
  });

  // Drawing ---------------------------------------------------------------------------------

  function statusLabel(status) {
    return {
      none: T.not_scored, draft: T.draft, pending: T.pending, sent: T.sent,
      refused: T.refused, invalid: T.invalid, own: T.own
    }[status];
  }

  var stripKey = null;

  function drawStrip() {
    // Chips are built once per agenda and updated in place, so a poll never eats a tap.
    var strip = byId("ev-strip");
    var reporters = state.meeting.reporters;
    var key = reporters.map(function (r) { return r.org + "\u0001" + r.order + "\u0001" + r.name; }).join("\u0002");
    if (key !== stripKey) {
      stripKey = key;
      strip.textContent = "";
      reporters.forEach(function (reporter) {
        var chip = document.createElement("button");
        chip.type = "button";
        chip.className = "ev-chip";
        chip.dataset.org = reporter.org;
        var name = document.createElement("span");
        name.className = "ev-chip-name";
        name.textContent = reporter.order + ". " + reporter.name;
        var mark = document.createElement("span");
        mark.className = "ev-chip-status";
        chip.appendChild(name);
        chip.appendChild(mark);
        strip.appendChild(chip);
      });
    }
    Array.prototype.forEach.call(strip.children, function (chip) {
      var org = chip.dataset.org;
      var status = statusOf(org);
      var draft = store.drafts[org];
      if (status === "none" && draft && draft.dirty && hasContent(draft)) status = "draft";
      chip.dataset.status = status;
      chip.classList.toggle("active", org === selected);
      chip.classList.toggle("is-current", org === state.current);
      chip.classList.toggle("is-open", isOpen(org));
      chip.setAttribute("aria-pressed", org === selected ? "true" : "false");
      chip.querySelector(".ev-chip-status").textContent = statusLabel(status);
    });
  }

  byId("ev-strip").addEventListener("click", function (event) {
    var chip = event.target.closest(".ev-chip");
    if (chip) select(chip.dataset.org);
  });

  function drawReporter(reporter) {
    byId("ev-order").textContent = fmt(T.order, { n: reporter.order });
    byId("ev-practice").hidden = !reporter.rehearsal;
    byId("ev-now").hidden = reporter.org !== state.current;
    byId("ev-org").textContent = reporter.name;
    byId("ev-secretary").textContent = reporter.secretary;
    var badge = byId("ev-scoring");
    var open = isOpen(reporter.org);
    badge.textContent = open ? T.open : reporter.scoring === "closed" ? T.closed : T.not_open;
    badge.className = "badge " + (open ? "text-bg-success" : "text-bg-secondary");
    var report = reporter.org === state.current ? state.meeting.report : null;
    var any = false;
    byId("ev-report").querySelectorAll(".ev-part").forEach(function (part) {
      var value = report ? report[part.dataset.part] : null;
      var list = part.querySelector("ol");
      if (list) {
        list.textContent = "";
        (value || []).forEach(function (line) {
          var item = document.createElement("li");
          item.textContent = line;
          list.appendChild(item);
        });
      } else {
        part.querySelector("p").textContent = value || "";
      }
      part.hidden = !(value && value.length);
      any = any || !part.hidden;
    });
    byId("ev-report").hidden = !any;
    var file = byId("ev-report-file");
    file.hidden = !reporter.report_file;
    file.href = base + "reports/" + encodeURIComponent(reporter.org);
  }

  function drawStatus(org) {
    var box = byId("ev-status");
    var status = statusOf(org);
    var out = store.outbox[org];
    var counted = serverBallot(org);
    var title = "", receipt = "", text = "", tone = "";
    if (status === "pending") {
      title = T.pending; text = T.pending_long; tone = "alert-warning";
    } else if (status === "refused") {
      title = T.refused; text = out.message || ""; tone = "alert-danger";
      if (counted) receipt = fmt(T.counted, { code: counted.receipt });
    } else if (status === "invalid") {
      title = T.invalid; tone = "alert-danger";
      if (counted) receipt = fmt(T.counted, { code: counted.receipt });
    } else if (status === "sent") {
      title = T.sent; tone = "alert-success";
      receipt = fmt(T.receipt, { code: counted.receipt });
      text = isOpen(org) ? T.sent_long : "";
    }
    box.hidden = !title;
    box.dataset.status = status;
    box.className = "alert " + tone;
    byId("ev-status-title").textContent = title;
    byId("ev-receipt").textContent = receipt;
    byId("ev-status-text").textContent = text;
  }

  function drawBallot(reporter) {
    var own = isOwn(reporter.org);
    var open = isOpen(reporter.org);
    byId("ev-own").hidden = !own;
    form.hidden = own;
    byId("ev-fields").disabled = !open;
    byId("ev-submit").hidden = !open;
    byId("ev-grades").hidden = !state.meeting.parts.grades;
    var note = byId("ev-scoring-note");
    note.hidden = open;
    note.textContent = reporter.scoring === "closed" ? T.closed : T.not_open;
    byId("ev-submit").textContent = serverBallot(reporter.org) ? T.resubmit : T.submit;
    byId("ev-count").textContent = String(opinion.value.length);
    drawStatus(reporter.org);
    var next = byId("ev-next-unscored");
    var candidate = state.open.filter(function (org) {
      return org !== reporter.org && !isOwn(org) && (statusOf(org) === "none" || statusOf(org) === "invalid");
    })[0];
    next.hidden = !(state.open.length > 1 && candidate);
    if (candidate) {
      next.dataset.org = candidate;
      next.textContent = T.next_unscored + "：" + reporterOf(candidate).name;
    }
  }

  function drawBanner() {
    var banner = byId("ev-banner");
    var reporter = bannerFor && bannerFor !== selected ? reporterOf(bannerFor) : null;
    banner.hidden = !reporter || gone;
    if (reporter) {
      banner.dataset.org = reporter.org;
      byId("ev-banner-text").textContent = fmt(T.next, { org: reporter.name });
    }
  }

  function draw() {
    if (gone) return;
    var reporter = selected ? reporterOf(selected) : null;
    byId("ev-title").textContent = state.meeting.title;
    byId("ev-waiting").hidden = !!reporter;
    byId("ev-sheet").hidden = !reporter;
    drawStrip();
    drawBanner();
    if (!reporter) return;
    drawReporter(reporter);
    drawBallot(reporter);
  }

  // Start -----------------------------------------------------------------------------------

  window.addEventListener("online", function () {
    retryDelay = RETRY_MIN_MS;
    clearTimeout(retryTimer);
    retryTimer = null;
    flush();
    poll();
  });
  window.addEventListener("offline", function () { setOnline(false); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });

  buildIndicators();
  // A reload keeps the sheet the evaluator was filling in, even if the desk moved on.
  var kept = store.selected && reporterOf(store.selected) ? store.selected : null;
  var keptDirty = kept && store.drafts[kept] && store.drafts[kept].dirty;
  select(keptDirty ? kept : defaultSelection());
  if (keptDirty && state.current && state.current !== kept) bannerFor = state.current;
  setOnline(navigator.onLine !== false);
  draw();
  flush();
  schedulePoll();
})();
