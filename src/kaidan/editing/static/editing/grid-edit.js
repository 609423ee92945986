/* Inline cell editing for the dataset grid (Kaidan editing app).
 *
 * Enhances table.grid[data-editable="true"]: cells <td data-field="<field pk>"> in rows
 * <tr data-row="<id>" data-rev="<rev>"> become focusable and editable with Enter, F2 or a
 * double-click (masked cells are not editable). Enter saves, Escape cancels. A save POSTs the expected rev; when
 * someone else saved the row first the server answers 409: the other person's value and name are
 * announced, the user's text stays in the input, and saving again replaces their value knowingly.
 * The grid is re-rendered by htmx (filters, pages): enhancement runs again after each swap.
 *
 * Spreadsheet habits: arrow keys move between cells, Shift+arrows (or a mouse drag) select a block,
 * typing starts editing, Tab saves and moves on. Ctrl+C copies the block as tab-separated text (Excel
 * reads it); Ctrl+V of tab-separated text at a cell, and Ctrl+D (fill down), show a preview of every
 * change (old → new) and, once confirmed, save the block as ONE revision (POST data-paste-url, JSON;
 * all or nothing: refused cells are marked aria-invalid and listed above the table). "Undo the last
 * save" writes the previous values back as a new revision through the same endpoint.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var cfg = script ? script.dataset : {};
  var cellUrl = cfg.cellUrl || "";
  var pasteUrl = cfg.pasteUrl || "";
  var lastUndo = null;
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
    return head ? head.getAttribute("title") || head.textContent.trim() : "";
  }

  function valueHolder(cell) {
    return cell.querySelector("a") || cell;
  }

  function startEdit(table, cell, typed) {
    if (cell.classList.contains("editing")) return;
    hideFull();
    var row = cell.closest("tr[data-row]");
    var holder = valueHolder(cell);
    var current = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : holder.textContent.trim();
    var input = document.createElement("input");
    input.type = "text";
    input.className = "grid-edit-input";
    input.value = typed !== undefined ? typed : (cell.dataset.pending !== undefined ? cell.dataset.pending : current);
    cell._kaidanBefore = current;
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
    if (typed !== undefined) {
      input.setSelectionRange(input.value.length, input.value.length);
    } else {
      input.select();
    }
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        save(table, cell, input);
      } else if (event.key === "Tab") {
        // Spreadsheet habit: Tab saves and moves on (Shift+Tab: back).
        event.preventDefault();
        save(table, cell, input, event.shiftKey ? [0, -1] : [0, 1]);
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
    cell.classList.remove("conflict", "invalid");
    cell.focus();
  }

  function save(table, cell, input, then) {
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
        cell.classList.remove("conflict", "invalid");
        cell.removeAttribute("aria-invalid");
        cell.setAttribute("aria-describedby", hintId);
        msg.status.textContent = data.message || cfg.saved || "";
        if (cell._kaidanBefore !== undefined && cell._kaidanBefore !== data.input) {
          var undo = { changes: {}, expected: {} };
          undo.changes[row.dataset.row] = {};
          undo.changes[row.dataset.row][cell.dataset.field] = cell._kaidanBefore;
          undo.expected[row.dataset.row] = Number(data.rev);
          offerUndo(table, undo);
        }
        cell.focus();
        if (then) move(table, cell, then[0], then[1], false);
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
        cell.classList.add("invalid");
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

  // ---- Cells as a matrix: rows of the page, editable-or-masked cells of each row ----------------------

  function rowsOf(table) {
    return Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-row]"));
  }

  function cellsOf(tr) {
    return Array.prototype.slice.call(tr.querySelectorAll("td[data-field]"));
  }

  function position(table, cell) {
    var tr = cell.closest("tr[data-row]");
    return { r: rowsOf(table).indexOf(tr), c: cellsOf(tr).indexOf(cell) };
  }

  function cellAt(table, r, c) {
    var tr = rowsOf(table)[r];
    return tr ? cellsOf(tr)[c] || null : null;
  }

  function textOf(cell) {
    return cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : valueHolder(cell).textContent.trim();
  }

  // ---- Selection (a block from anchor to focus) ----------------------------------------------------

  function block(table) {
    var sel = table._kaidanSel;
    if (!sel) return null;
    return {
      top: Math.min(sel.anchor.r, sel.focus.r), bottom: Math.max(sel.anchor.r, sel.focus.r),
      left: Math.min(sel.anchor.c, sel.focus.c), right: Math.max(sel.anchor.c, sel.focus.c),
    };
  }

  function paint(table) {
    Array.prototype.forEach.call(table.querySelectorAll("td.selected"), function (td) { td.classList.remove("selected"); });
    var b = block(table);
    if (!b) return;
    var many = b.bottom > b.top || b.right > b.left;
    for (var r = b.top; r <= b.bottom; r++) {
      for (var c = b.left; c <= b.right; c++) {
        var td = cellAt(table, r, c);
        if (td && many) td.classList.add("selected");
      }
    }
    if (many) {
      regions(table).status.textContent = (cfg.selected || "{rows} × {cols}")
        .replace("{rows}", String(b.bottom - b.top + 1)).replace("{cols}", String(b.right - b.left + 1));
    }
  }

  function select(table, pos, extend) {
    if (extend && table._kaidanSel) {
      table._kaidanSel.focus = pos;
    } else {
      table._kaidanSel = { anchor: pos, focus: pos };
    }
    paint(table);
  }

  function move(table, cell, dr, dc, extend) {
    var from = extend && table._kaidanSel ? table._kaidanSel.focus : position(table, cell);
    var target = cellAt(table, from.r + dr, from.c + dc);
    if (!target) return;
    if (extend) {
      select(table, { r: from.r + dr, c: from.c + dc }, true);
      target.scrollIntoView({ block: "nearest", inline: "nearest" });
      return;
    }
    table._kaidanMoving = true;
    target.focus();
    table._kaidanMoving = false;
    select(table, position(table, target), false);
    target.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  // ---- Copy: the block as tab-separated text, as Excel writes it -------------------------------------

  function tsvCell(text) {
    return /[\t\n\r"]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function copyText(table) {
    var b = block(table);
    if (!b) return "";
    var lines = [];
    for (var r = b.top; r <= b.bottom; r++) {
      var cells = [];
      for (var c = b.left; c <= b.right; c++) {
        var td = cellAt(table, r, c);
        cells.push(td ? tsvCell(textOf(td)) : "");
      }
      lines.push(cells.join("\t"));
    }
    return lines.join("\r\n");
  }

  function parseTsv(text) {
    text = text.replace(/\r\n?/g, "\n");
    if (text.slice(-1) === "\n") text = text.slice(0, -1);
    var rows = [[]], cell = "", quoted = false, i = 0;
    while (i < text.length) {
      var ch = text.charAt(i);
      if (quoted) {
        if (ch === '"' && text.charAt(i + 1) === '"') { cell += '"'; i += 2; continue; }
        if (ch === '"') { quoted = false; i++; continue; }
        cell += ch; i++; continue;
      }
      if (ch === '"' && cell === "") { quoted = true; i++; continue; }
      if (ch === "\t") { rows[rows.length - 1].push(cell); cell = ""; i++; continue; }
      if (ch === "\n") { rows[rows.length - 1].push(cell); rows.push([]); cell = ""; i++; continue; }
      cell += ch; i++;
    }
    rows[rows.length - 1].push(cell);
    return rows;
  }

  // ---- A block of changes: preview, save as one revision, undo ----------------------------------------

  function clearInvalid(table) {
    Array.prototype.forEach.call(table.querySelectorAll("td.invalid"), function (td) {
      td.classList.remove("invalid");
      td.removeAttribute("aria-invalid");
    });
  }

  // changes: [{cell, row, field, old, text}] → preview dialog → POST as one block.
  function planBlock(table, anchor, values) {
    var msg = regions(table);
    var changes = [];
    for (var i = 0; i < values.length; i++) {
      for (var j = 0; j < values[i].length; j++) {
        var td = cellAt(table, anchor.r + i, anchor.c + j);
        if (!td) {
          msg.alert.textContent = cfg.outside || "";
          return;
        }
        if (td.classList.contains("masked")) {
          msg.alert.textContent = cfg.masked || "";
          return;
        }
        var old = textOf(td);
        if (old !== values[i][j]) {
          changes.push({
            cell: td, row: td.closest("tr[data-row]"), field: td.dataset.field, old: old, text: values[i][j],
          });
        }
      }
    }
    if (!changes.length) {
      msg.status.textContent = cfg.nothing || "";
      return;
    }
    preview(table, changes);
  }

  function preview(table, changes) {
    var dialog = document.createElement("dialog");
    dialog.className = "grid-preview";
    dialog.setAttribute("aria-labelledby", "grid-preview-title");
    var title = document.createElement("h2");
    title.id = "grid-preview-title";
    title.textContent = cfg.previewTitle || "";
    var intro = document.createElement("p");
    intro.textContent = (cfg.previewIntro || "{count}").replace("{count}", String(changes.length));
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-labelledby", "grid-preview-title");
    var list = document.createElement("table");
    list.className = "table";
    var head = list.createTHead().insertRow();
    [cfg.colRow, cfg.colColumn, cfg.colOld, cfg.colNew].forEach(function (label) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = label || "";
      head.appendChild(th);
    });
    var body = list.createTBody();
    changes.forEach(function (change) {
      var tr = body.insertRow();
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = change.row.dataset.row;
      tr.appendChild(th);
      [columnLabel(table, change.cell), change.old, change.text].forEach(function (text, k) {
        var td = tr.insertCell();
        td.textContent = text;
        if (k === 2) td.className = "new";
      });
    });
    wrap.appendChild(list);
    var actions = document.createElement("p");
    actions.className = "actions";
    var ok = document.createElement("button");
    ok.type = "button";
    ok.textContent = cfg.previewSave || "OK";
    var cancelButton = document.createElement("button");
    cancelButton.type = "button";
    cancelButton.className = "secondary";
    cancelButton.textContent = cfg.cancel || "Cancel";
    actions.appendChild(ok);
    actions.appendChild(cancelButton);
    [title, intro, wrap, actions].forEach(function (node) { dialog.appendChild(node); });
    document.body.appendChild(dialog);
    var back = changes[0].cell;
    function close() {
      dialog.close();
      dialog.remove();
      back.focus();
    }
    cancelButton.addEventListener("click", close);
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); close(); });
    ok.addEventListener("click", function () {
      var payload = { changes: {}, expected: {}, message: "" };
      changes.forEach(function (change) {
        var id = change.row.dataset.row;
        payload.changes[id] = payload.changes[id] || {};
        payload.changes[id][change.field] = change.text;
        payload.expected[id] = Number(change.row.dataset.rev);
      });
      close();
      sendBlock(table, payload, true);
    });
    if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
    ok.focus();
  }

  function sendBlock(table, payload, undoable) {
    var msg = regions(table);
    msg.alert.textContent = "";
    msg.status.textContent = cfg.saving || "";
    clearInvalid(table);
    return fetch(pasteUrl, {
      method: "POST",
      body: JSON.stringify(payload),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json", "Content-Type": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      var data = result.data || {};
      if (result.status === 200) {
        Object.keys(data.rows || {}).forEach(function (rowId) {
          var tr = table.querySelector('tr[data-row="' + rowId + '"]');
          if (!tr) return;
          var info = data.rows[rowId];
          tr.dataset.rev = String(info.rev);
          Object.keys(info.cells).forEach(function (field) {
            var td = tr.querySelector('td[data-field="' + field + '"]');
            if (!td) return;
            valueHolder(td).textContent = info.cells[field].value;
            if (td.hasAttribute("data-value")) td.setAttribute("data-value", info.cells[field].input);
            if (td.hasAttribute("title")) td.setAttribute("title", info.cells[field].value);
          });
        });
        msg.status.textContent = data.message || cfg.saved || "";
        if (undoable && data.revision) offerUndo(table, data.undo); else offerUndo(table, null);
        return;
      }
      msg.status.textContent = "";
      var lines = [data.message || cfg.failed || ""];
      (data.problems || []).forEach(function (problem) {
        lines.push(problem.message);
        if (!problem.row) return;
        var tr = table.querySelector('tr[data-row="' + problem.row + '"]');
        if (!tr) return;
        var tds = problem.field ? [tr.querySelector('td[data-field="' + problem.field + '"]')] : cellsOf(tr);
        tds.forEach(function (td) {
          if (!td) return;
          td.classList.add("invalid");
          td.setAttribute("aria-invalid", "true");
        });
      });
      msg.alert.textContent = lines.join(" ");
    }).catch(function () {
      msg.status.textContent = "";
      msg.alert.textContent = cfg.failed || "";
    });
  }

  function offerUndo(table, undo) {
    lastUndo = undo && Object.keys(undo.changes || {}).length ? undo : null;
    var button = document.getElementById("grid-undo");
    if (button) button.hidden = !lastUndo;
  }

  function fillDown(table) {
    var b = block(table);
    if (!b || b.bottom === b.top) return;
    var values = [];
    for (var r = b.top; r <= b.bottom; r++) {
      var line = [];
      for (var c = b.left; c <= b.right; c++) line.push(textOf(cellAt(table, b.top, c)));
      values.push(line);
    }
    planBlock(table, { r: b.top, c: b.left }, values);
  }

  function activeCell(table) {
    var el = document.activeElement;
    var cell = el && el.closest ? el.closest("td[data-field]") : null;
    return cell && table.contains(cell) && !cell.classList.contains("editing") ? cell : null;
  }

  // ---- The full value of a focused cell that does not fit: an expanding overlay (aria-hidden: screen
  // readers read the cell's whole text already) ---------------------------------------------------------

  function showFull(cell) {
    hideFull();
    if (cell.classList.contains("editing") || cell.scrollWidth <= cell.clientWidth + 1) return;
    var wrap = cell.closest(".grid-scroll");
    if (!wrap) return;
    var box = document.createElement("div");
    box.className = "grid-full-value";
    box.setAttribute("aria-hidden", "true");
    box.textContent = textOf(cell);
    var w = wrap.getBoundingClientRect();
    var c = cell.getBoundingClientRect();
    box.style.left = (c.left - w.left + wrap.scrollLeft) + "px";
    box.style.top = (c.top - w.top + wrap.scrollTop) + "px";
    box.style.minWidth = c.width + "px";
    wrap.appendChild(box);
  }

  function hideFull() {
    Array.prototype.forEach.call(document.querySelectorAll(".grid-full-value"), function (box) { box.remove(); });
  }

  // ---- Wiring --------------------------------------------------------------------------------------

  var MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

  function enhance(root) {
    var tables = (root || document).querySelectorAll('table.grid[data-editable="true"]');
    Array.prototype.forEach.call(tables, function (table) {
      if (table.dataset.editEnhanced) return;
      table.dataset.editEnhanced = "1";
      regions(table);
      var cells = table.querySelectorAll("tr[data-row] td[data-field]");
      Array.prototype.forEach.call(cells, function (cell) {
        if (cell.querySelector("a")) return;
        cell.tabIndex = cell.classList.contains("masked") ? -1 : 0;
        if (!cell.classList.contains("masked")) cell.setAttribute("aria-describedby", hintId);
      });
      table.addEventListener("dblclick", function (event) {
        var cell = event.target.closest("td[data-field]:not(.masked)");
        if (cell && table.contains(cell) && !event.target.closest("input")) {
          event.preventDefault();
          startEdit(table, cell);
        }
      });
      table.addEventListener("focusin", function (event) {
        var cell = event.target.closest("td[data-field]");
        if (cell && event.target === cell && !table._kaidanMoving && !table._kaidanDragging) {
          select(table, position(table, cell), false);
        }
        if (cell && event.target === cell) showFull(cell); else hideFull();
      });
      table.addEventListener("focusout", hideFull);
      table.addEventListener("mousedown", function (event) {
        var cell = event.target.closest("td[data-field]");
        if (!cell || event.button !== 0 || cell.classList.contains("editing")) return;
        if (event.shiftKey && table._kaidanSel) {
          event.preventDefault();
          select(table, position(table, cell), true);
          return;
        }
        table._kaidanDragging = true;
        select(table, position(table, cell), false);
      });
      table.addEventListener("mouseover", function (event) {
        if (!table._kaidanDragging || !(event.buttons & 1)) return;
        var cell = event.target.closest("td[data-field]");
        if (cell && table.contains(cell)) {
          event.preventDefault();
          if (window.getSelection) window.getSelection().removeAllRanges(); // cells, not text
          select(table, position(table, cell), true);
        }
      });
      document.addEventListener("mouseup", function () { table._kaidanDragging = false; });
      table.addEventListener("keydown", function (event) {
        var cell = event.target.closest("td[data-field]");
        if (!cell || event.target !== cell) return;
        var masked = cell.classList.contains("masked");
        if (MOVES[event.key] && !event.altKey && !event.ctrlKey && !event.metaKey) {
          event.preventDefault();
          move(table, cell, MOVES[event.key][0], MOVES[event.key][1], event.shiftKey);
        } else if ((event.ctrlKey || event.metaKey) && (event.key === "d" || event.key === "D")) {
          event.preventDefault();
          fillDown(table);
        } else if (masked) {
          return;
        } else if (event.key === "Enter" || event.key === "F2") {
          event.preventDefault();
          startEdit(table, cell);
        } else if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
          // Typing over a cell starts editing with what was typed (Excel's habit).
          event.preventDefault();
          startEdit(table, cell, event.key);
        }
      });
    });
  }

  document.addEventListener("copy", function (event) {
    var table = document.querySelector('table.grid[data-editable="true"]');
    if (!table || !activeCell(table) || !table._kaidanSel) return;
    event.preventDefault();
    event.clipboardData.setData("text/plain", copyText(table));
  });

  document.addEventListener("paste", function (event) {
    var table = document.querySelector('table.grid[data-editable="true"]');
    var cell = table && activeCell(table);
    if (!cell) return;
    var text = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
    if (!text) return;
    event.preventDefault();
    var values = parseTsv(text);
    var b = block(table);
    var anchor = b ? { r: b.top, c: b.left } : position(table, cell);
    if (values.length === 1 && values[0].length === 1 && b && (b.bottom > b.top || b.right > b.left)) {
      // One value pasted over a selected block fills the block.
      var filled = [];
      for (var r = b.top; r <= b.bottom; r++) {
        var line = [];
        for (var c = b.left; c <= b.right; c++) line.push(values[0][0]);
        filled.push(line);
      }
      values = filled;
    }
    planBlock(table, anchor, values);
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("#grid-undo") || !lastUndo) return;
    var table = document.querySelector('table.grid[data-editable="true"]');
    if (!table) return;
    var undo = lastUndo;
    offerUndo(table, null);
    sendBlock(table, { changes: undo.changes, expected: undo.expected, message: cfg.undoMessage || "" }, false);
  });

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
