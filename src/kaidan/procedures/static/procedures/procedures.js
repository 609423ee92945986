/* Online procedures: show a conditional field only while its condition holds, and move focus to the error
   summary. Without JavaScript every field shows, with a note saying when it applies. */
(function () {
  "use strict";
  function valueOf(form, key) {
    var inputs = form.querySelectorAll('[name="' + key + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio") { if (input.checked) return input.value; continue; }
      if (input.type === "checkbox") return input.checked ? "true" : "";
      return input.value;
    }
    return "";
  }
  function update(form) {
    form.querySelectorAll("[data-show-if-field]").forEach(function (wrapper) {
      var expected = wrapper.getAttribute("data-show-if-value");
      var actual = valueOf(form, wrapper.getAttribute("data-show-if-field"));
      var truthy = ["true", "1", "yes", "on", "はい"].indexOf(String(expected).toLowerCase()) >= 0;
      var shown = actual === expected || (actual === "true" && truthy);
      wrapper.hidden = !shown;
      var note = wrapper.querySelector(".condition");
      if (note) note.hidden = true;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-show-if-field]")) return;
      update(form);
      form.addEventListener("change", function () { update(form); });
    });
    document.querySelectorAll("fieldset[data-postal-url]").forEach(function (box) {
      var inputs = box.querySelectorAll("input");
      var postal = inputs[0], line = inputs[inputs.length - 1], status = box.querySelector(".postal-status");
      postal.addEventListener("input", function () {
        var digits = postal.value.replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); }).replace(/\D/g, "");
        if (digits.length !== 7 || line.value.trim()) return;
        fetch(box.getAttribute("data-postal-url") + "?code=" + digits, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data || !data.address || line.value.trim()) return;
            line.value = data.address;
            if (status) status.textContent = box.getAttribute("data-filled") || "";
          })
          .catch(function () {});
      });
    });
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
