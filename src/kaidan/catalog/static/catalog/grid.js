/* Column widths of the dataset grid (Kaidan catalog app).
 *
 * The server gives each column a width from its type, header and values (<col class="gw-N">). Here a
 * handle at the right edge of each heading resizes its column by dragging (double-click: back to the
 * default); the widths are remembered in localStorage per user and dataset
 * ("kaidan.grid.widths.<user>.<dataset>" = {field id: px}). Runs again after each htmx swap of the grid.
 */
(function () {
  "use strict";
  var MIN = 40;

  function storageKey(table) {
    return "kaidan.grid.widths." + (table.dataset.user || "anonymous") + "." + (table.dataset.dataset || "");
  }

  function load(table) {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey(table)) || "{}") || {};
    } catch (e) {
      return {};
    }
  }

  function store(table, widths) {
    try {
      window.localStorage.setItem(storageKey(table), JSON.stringify(widths));
    } catch (e) { /* private mode or full: widths are not remembered */ }
  }

  function colFor(table, field) {
    return table.querySelector('colgroup col[data-field="' + field + '"]');
  }

  function apply(table) {
    var widths = load(table);
    Object.keys(widths).forEach(function (field) {
      var col = colFor(table, field);
      var px = parseInt(widths[field], 10);
      if (col && px >= MIN) col.style.width = px + "px";
    });
  }

  function addHandle(table, th) {
    var field = th.dataset.field;
    var handle = document.createElement("span");
    handle.className = "col-resize";
    handle.setAttribute("aria-hidden", "true");
    th.appendChild(handle);
    handle.addEventListener("pointerdown", function (event) {
      var col = colFor(table, field);
      if (!col) return;
      event.preventDefault();
      event.stopPropagation();
      var startX = event.clientX;
      var startWidth = th.getBoundingClientRect().width;
      handle.classList.add("active");
      if (handle.setPointerCapture) handle.setPointerCapture(event.pointerId);
      function move(e) {
        col.style.width = Math.max(MIN, Math.round(startWidth + e.clientX - startX)) + "px";
      }
      function up() {
        handle.classList.remove("active");
        handle.removeEventListener("pointermove", move);
        handle.removeEventListener("pointerup", up);
        handle.removeEventListener("pointercancel", up);
        var widths = load(table);
        widths[field] = parseInt(col.style.width, 10);
        store(table, widths);
      }
      handle.addEventListener("pointermove", move);
      handle.addEventListener("pointerup", up);
      handle.addEventListener("pointercancel", up);
    });
    handle.addEventListener("click", function (event) { event.preventDefault(); event.stopPropagation(); });
    handle.addEventListener("dblclick", function (event) {
      event.preventDefault();
      event.stopPropagation();
      var col = colFor(table, field);
      if (col) col.style.width = "";
      var widths = load(table);
      delete widths[field];
      store(table, widths);
    });
  }

  function enhance(root) {
    var tables = (root || document).querySelectorAll("table.grid");
    Array.prototype.forEach.call(tables, function (table) {
      if (table.dataset.widthsEnhanced) return;
      table.dataset.widthsEnhanced = "1";
      apply(table);
      var heads = table.querySelectorAll("thead th[data-field]");
      Array.prototype.forEach.call(heads, function (th) { addHandle(table, th); });
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
