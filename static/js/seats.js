// The seats page: confirm before links are replaced or revoked, tick a whole group at once,
// and switch the scope to "ticked seats" (or "one group") when the user does that.
(function () {
  "use strict";

  var form = document.getElementById("seat-form");
  if (!form) return;

  function setScope(value) {
    var radio = form.querySelector('input[name="scope"][value="' + value + '"]');
    if (radio) radio.checked = true;
  }

  function countTicked() {
    var n = form.querySelectorAll('input[name="seats"]:checked').length;
    var target = form.querySelector("[data-ticked-count]");
    if (target) target.textContent = String(n);
    return n;
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  form.addEventListener("change", function (event) {
    var target = event.target;
    var group = target.getAttribute("data-check-group");
    if (group) {
      form.querySelectorAll('input[name="seats"][data-group="' + group + '"]').forEach(
        function (box) { box.checked = target.checked; }
      );
    }
    if (target.name === "seats" || group) {
      setScope(countTicked() ? "selected" : "all");
    } else if (target.getAttribute("data-scope") === "group") {
      setScope("group");
    }
  });

  countTicked();
})();
