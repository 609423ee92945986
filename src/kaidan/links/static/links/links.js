// Copy a share link to the clipboard (the input stays selectable when the clipboard is unavailable).
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.copy");
  if (!button) return;
  var input = document.getElementById(button.dataset.copy);
  var status = document.querySelector(".copy-status");
  input.select();
  var done = function () { if (status) status.textContent = button.dataset.done; };
  if (navigator.clipboard && navigator.clipboard.writeText) {
    navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});
