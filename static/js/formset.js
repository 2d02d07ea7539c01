// Editable row tables built from Django formsets: "add row" clones the formset's empty form
// (kept in a <template>), and an optional live sum follows one numeric column.
(function () {
  "use strict";

  function totalInput(prefix) {
    return document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  }

  function numberRows(body) {
    body.querySelectorAll("[data-formset-row]").forEach(function (row, i) {
      var cell = row.querySelector("[data-row-number]");
      if (cell) cell.textContent = String(i + 1);
    });
  }

  function updateSum(prefix) {
    var target = document.querySelector('[data-formset-sum="' + prefix + '"]');
    if (!target) return;
    var field = target.getAttribute("data-sum-field");
    var cents = 0;
    document.querySelectorAll('[data-formset="' + prefix + '"] [data-formset-row]').forEach(
      function (row) {
        var del = row.querySelector('input[name$="-DELETE"]');
        var input = row.querySelector('input[name$="-' + field + '"]');
        if (!input || (del && del.checked)) return;
        var value = parseFloat(input.value);
        // Whole cents, so that 0.1 + 0.2 shows as 0.30.
        if (isFinite(value)) cents += Math.round(value * 100);
      }
    );
    target.textContent = (cents / 100).toFixed(2);
  }

  function addRow(prefix) {
    var template = document.querySelector('[data-formset-template="' + prefix + '"]');
    var body = document.querySelector('[data-formset="' + prefix + '"] [data-formset-body]');
    var total = totalInput(prefix);
    if (!template || !body || !total) return;
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    numberRows(body);
    var rows = body.querySelectorAll("[data-formset-row]");
    var first = rows[rows.length - 1].querySelector("input:not([type=hidden])");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-formset-add]");
    if (!button) return;
    event.preventDefault();
    var prefix = button.getAttribute("data-formset-add");
    addRow(prefix);
    updateSum(prefix);
  });

  function refreshFrom(event) {
    var table = event.target.closest("[data-formset]");
    if (table) updateSum(table.getAttribute("data-formset"));
  }
  document.addEventListener("input", refreshFrom);
  document.addEventListener("change", refreshFrom);

  document.querySelectorAll("[data-formset-sum]").forEach(function (target) {
    updateSum(target.getAttribute("data-formset-sum"));
  });
})();
