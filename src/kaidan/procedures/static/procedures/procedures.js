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
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
