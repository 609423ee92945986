/* Inline cell editing for the dataset grid (Kaidan editing app).
 *
 * Enhances table.grid[data-editable="true"]: cells <td data-field="<field pk>"> in rows
 * <tr data-row="<id>" data-rev="<rev>"> become focusable and editable with Enter, F2 or a
 * double-click (masked cells are not editable). Enter saves, Escape cancels. A save POSTs the expected rev; when
 * someone else saved the row first the server answers 409: the other person's value and name are
 * announced, the user's text stays in the input, and saving again replaces their value knowingly.
 * The grid is re-rendered by htmx (filters, pages): enhancement runs again after each swap.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var cfg = script ? script.dataset : {};
  var cellUrl = cfg.cellUrl || "";
  var hintId = "grid-edit-hint";

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall through */ }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function urlFor(rowId) {
    return cellUrl.replace(/\/rows\/0\/cell$/, "/rows/" + encodeURIComponent(rowId) + "/cell");
  }

  // The messages above the grid (editing/_grid_messages.html, outside #grid so htmx swaps keep them):
  // a collapsible help, a status line and an alert. Never beside the table: they must not narrow it.
  function regions(table) {
    var box = document.getElementById("grid-edit-messages");
    if (!box) {
      box = document.createElement("div");
      box.className = "grid-edit-messages";
      box.id = "grid-edit-messages";
      var hint = document.createElement("p");
      hint.id = hintId;
      hint.className = "helptext";
      hint.textContent = cfg.hint || "";
      var bar = document.createElement("div");
      bar.className = "grid-edit-bar";
      var status = document.createElement("p");
      status.setAttribute("role", "status");
      status.className = "grid-edit-status";
      var alert = document.createElement("p");
      alert.setAttribute("role", "alert");
      alert.className = "grid-edit-alert";
      alert.id = "grid-edit-alert";
      box.appendChild(hint);
      bar.appendChild(status);
      bar.appendChild(alert);
      box.appendChild(bar);
      var anchor = table.closest("#grid") || table.closest(".grid-layout") || table;
      anchor.parentNode.insertBefore(box, anchor);
    }
    return { box: box, status: box.querySelector("[role=status]"), alert: box.querySelector("[role=alert]") };
  }

  function columnLabel(table, cell) {
    var index = Array.prototype.indexOf.call(cell.parentNode.children, cell);
    var head = table.tHead && table.tHead.rows[0] && table.tHead.rows[0].cells[index];
    return head ? head.textContent.trim() : "";
  }

  function valueHolder(cell) {
    return cell.querySelector("a") || cell;
  }

  function startEdit(table, cell) {
    if (cell.classList.contains("editing")) return;
    var row = cell.closest("tr[data-row]");
    var holder = valueHolder(cell);
    var current = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : holder.textContent.trim();
    var input = document.createElement("input");
    input.type = "text";
    input.className = "grid-edit-input";
    input.value = cell.dataset.pending !== undefined ? cell.dataset.pending : current;
    input.setAttribute(
      "aria-label",
      (cfg.editing || "Editing") + ": " + columnLabel(table, cell) + " (" + (cfg.row || "row") + " " + row.dataset.row + ")"
    );
    input.setAttribute("aria-describedby", hintId);
    cell._kaidanSaved = Array.prototype.slice.call(cell.childNodes);
    cell.classList.add("editing");
    cell.textContent = "";
    cell.appendChild(input);
    input.focus();
    input.select();
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        save(table, cell, input);
      } else if (event.key === "Escape") {
        event.preventDefault();
        cancel(table, cell);
      }
    });
  }

  function finish(cell, nodes) {
    cell.textContent = "";
    nodes.forEach(function (node) { cell.appendChild(node); });
    cell.classList.remove("editing");
    delete cell.dataset.pending;
  }

  function cancel(table, cell) {
    finish(cell, cell._kaidanSaved || []);
    cell.classList.remove("conflict");
    cell.focus();
  }

  function save(table, cell, input) {
    var row = cell.closest("tr[data-row]");
    var msg = regions(table);
    var body = new FormData();
    body.append("field", cell.dataset.field);
    body.append("value", input.value);
    body.append("rev", row.dataset.rev || "");
    msg.alert.textContent = "";
    msg.status.textContent = cfg.saving || "";
    input.setAttribute("aria-busy", "true");
    fetch(urlFor(row.dataset.row), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      input.removeAttribute("aria-busy");
      var data = result.data || {};
      if (result.status === 200) {
        var saved = cell._kaidanSaved || [];
        finish(cell, saved);
        valueHolder(cell).textContent = data.value;
        if (cell.hasAttribute("data-value")) cell.setAttribute("data-value", data.input);
        row.dataset.rev = String(data.rev);
        cell.classList.remove("conflict");
        cell.removeAttribute("aria-describedby");
        msg.status.textContent = data.message || cfg.saved || "";
        cell.focus();
      } else if (result.status === 409) {
        // Someone else saved first: tell who and what, keep the user's text, take the new rev.
        if (data.rev !== undefined) row.dataset.rev = String(data.rev);
        cell.classList.add("conflict");
        msg.status.textContent = "";
        msg.alert.textContent = data.message || "";
        input.setAttribute("aria-describedby", "grid-edit-alert " + hintId);
        input.focus();
      } else {
        input.setAttribute("aria-invalid", "true");
        msg.status.textContent = "";
        msg.alert.textContent = data.message || cfg.failed || "";
        input.setAttribute("aria-describedby", "grid-edit-alert " + hintId);
        input.focus();
      }
    }).catch(function () {
      input.removeAttribute("aria-busy");
      msg.status.textContent = "";
      msg.alert.textContent = cfg.failed || "";
    });
  }

  function enhance(root) {
    var tables = (root || document).querySelectorAll('table.grid[data-editable="true"]');
    Array.prototype.forEach.call(tables, function (table) {
      if (table.dataset.editEnhanced) return;
      table.dataset.editEnhanced = "1";
      regions(table);
      var cells = table.querySelectorAll("tr[data-row] td[data-field]:not(.masked)");
      Array.prototype.forEach.call(cells, function (cell) {
        if (!cell.querySelector("a")) cell.tabIndex = 0;
        cell.setAttribute("aria-describedby", hintId);
      });
      table.addEventListener("dblclick", function (event) {
        var cell = event.target.closest("td[data-field]:not(.masked)");
        if (cell && table.contains(cell) && !event.target.closest("input")) {
          event.preventDefault();
          startEdit(table, cell);
        }
      });
      table.addEventListener("keydown", function (event) {
        var cell = event.target.closest("td[data-field]:not(.masked)");
        if (!cell || event.target !== cell) return;
        if (event.key === "Enter" || event.key === "F2") {
          event.preventDefault();
          startEdit(table, cell);
        }
      });
    });
  }

  function init() {
    enhance(document);
    document.body.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
