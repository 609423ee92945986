/* Kaidan live updates (kaidan.live).
 *
 * Listens to the dataset's server-sent events (`revision`, `closed`). On a new revision it
 *  - shows the server's ready-made note ("鈴木 一郎さんが 3件を変更しました（版 12）") with its time in a
 *    polite live region,
 *  - updates every element marked `data-live-revision` with the new revision number (and
 *    `data-live-revision-detail` with " — time author source"),
 *  - refreshes the grid (`data-live-grid`, e.g. "#grid") with the current query — but never while a cell
 *    is being edited there (an element with `[data-editing]` inside the grid): the refresh waits until
 *    the editing is over.
 * The events carry no cell values; the grid is re-read through the normal, authorized page.
 */
(function () {
  "use strict";

  // A cell being edited: marked [data-editing], or the editing app's td.editing with its input.
  var EDITING = "[data-editing], td.editing, .grid-edit-input";

  function text(el, value) {
    el.textContent = value;
    return el;
  }

  function Live(root) {
    this.root = root;
    this.region = root.querySelector(".live-note");
    this.gridSelector = root.getAttribute("data-live-grid");
    this.pending = false;
    this.refreshing = false;
    this.waitTimer = null;
    this.connect(root.getAttribute("data-live-events"));
  }

  Live.prototype.connect = function (url) {
    var self = this;
    if (!url || typeof window.EventSource !== "function") return;
    var source = new EventSource(url);
    this.source = source;
    source.addEventListener("revision", function (event) {
      var data;
      try {
        data = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      self.onRevision(data);
    });
    source.addEventListener("closed", function (event) {
      source.close();
      var note = "";
      try {
        note = JSON.parse(event.data).note;
      } catch (e) {
        note = self.root.getAttribute("data-live-stopped") || "";
      }
      self.show(note, null, true);
    });
    source.addEventListener("error", function () {
      // A refused reconnection (e.g. 404 once the dataset is no longer readable) closes the source.
      if (source.readyState === EventSource.CLOSED) {
        self.show(self.root.getAttribute("data-live-stopped") || "", null, true);
      }
    });
  };

  Live.prototype.show = function (note, time, closed) {
    if (!this.region || !note) return;
    var p = document.createElement("p");
    if (time) {
      var t = text(document.createElement("time"), time.display);
      t.setAttribute("datetime", time.iso);
      p.appendChild(t);
    }
    p.appendChild(document.createTextNode(note));
    var reload = this.root.getAttribute("data-live-reload");
    if (reload && !closed) {
      var a = text(document.createElement("a"), reload);
      a.href = window.location.href;
      p.appendChild(a);
    }
    this.region.classList.toggle("live-closed", !!closed);
    this.region.replaceChildren(p);
  };

  // The revision's time as the page writes it (kaidan.core.display): 2026年12月1日 17:42 in Japanese,
  // 2026-12-01 17:42 otherwise. `iso` is the server's local ISO time (2026-12-01T17:42:05+09:00).
  function localTime(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
    if (!m) return iso;
    if ((document.documentElement.lang || "ja").indexOf("ja") === 0) {
      return m[1] + "年" + Number(m[2]) + "月" + Number(m[3]) + "日 " + Number(m[4]) + ":" + m[5];
    }
    return m[1] + "-" + m[2] + "-" + m[3] + " " + m[4] + ":" + m[5];
  }

  Live.prototype.onRevision = function (data) {
    this.show(data.note, { display: data.time_display, iso: data.time });
    var system = this.root.getAttribute("data-live-system") || "";
    var detail = " — " + localTime(String(data.time)) + " " + (data.author || system) + " " + data.source_display;
    document.querySelectorAll("[data-live-revision]").forEach(function (el) {
      el.textContent = String(data.revision);
    });
    document.querySelectorAll("[data-live-revision-detail]").forEach(function (el) {
      el.textContent = detail;
    });
    this.revision = data.revision;
    document.dispatchEvent(new CustomEvent("kaidan:revision", { detail: data }));
    if (this.gridSelector) {
      this.pending = true;
      this.refreshSoon();
    }
  };

  Live.prototype.grid = function () {
    return this.gridSelector ? document.querySelector(this.gridSelector) : null;
  };

  Live.prototype.refreshSoon = function () {
    var self = this;
    var grid = this.grid();
    if (!this.pending || this.refreshing || !grid) return;
    if (grid.querySelector(EDITING)) {
      // Someone is editing a cell: never throw their input away. Try again when they are done.
      if (!this.waitTimer) {
        this.waitTimer = window.setTimeout(function () {
          self.waitTimer = null;
          self.refreshSoon();
        }, 250);
      }
      return;
    }
    this.pending = false;
    this.refresh(grid).then(
      function () {
        self.refreshing = false;
        self.refreshSoon(); // a revision that arrived during the refresh
      },
      function () {
        self.refreshing = false;
      }
    );
  };

  Live.prototype.query = function () {
    // The address holds the grid's state (filters redirect to a shareable link; pages and sorting are
    // links); a saved view's own query is applied by its URL.
    return window.location.search ? window.location.search.slice(1) : "";
  };

  Live.prototype.refresh = function (grid) {
    var self = this;
    this.refreshing = true;
    var query = this.query();
    var url = window.location.pathname + (query ? "?" + query : "");
    var revs = {};
    grid.querySelectorAll("tr[data-row]").forEach(function (tr) {
      revs[tr.getAttribute("data-row")] = tr.getAttribute("data-rev");
    });
    var focus = focusedCell(grid);
    var swapped = function () {
      var current = document.querySelector("#" + grid.id) || grid;
      if (self.revision !== undefined && current.hasAttribute("data-revision")) {
        current.setAttribute("data-revision", String(self.revision));
      }
      current.querySelectorAll("tr[data-row]").forEach(function (tr) {
        var before = revs[tr.getAttribute("data-row")];
        if (before !== tr.getAttribute("data-rev")) {
          tr.classList.add("live-changed");
          window.setTimeout(function () {
            tr.classList.remove("live-changed");
          }, 4000);
        }
      });
      restoreFocus(current, focus);
    };
    if (window.htmx && grid.id) {
      // A cell opened for editing while the request was on its way: keep it, refresh later.
      var guard = function (event) {
        if (event.detail.target === grid && grid.querySelector(EDITING)) {
          event.detail.shouldSwap = false;
          self.pending = true;
        }
      };
      grid.addEventListener("htmx:beforeSwap", guard);
      var done = function () {
        grid.removeEventListener("htmx:beforeSwap", guard);
      };
      return window.htmx
        .ajax("GET", url, { target: "#" + grid.id, swap: "innerHTML" })
        .then(
          function () {
            done();
            swapped();
          },
          function (error) {
            done();
            throw error;
          }
        );
    }
    return fetch(url, {
      headers: { "HX-Request": "true", "HX-Target": grid.id || "grid" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        if (grid.querySelector(EDITING)) {
          self.pending = true;
          return;
        }
        grid.innerHTML = html;
        swapped();
      });
  };

  function focusedCell(grid) {
    var active = document.activeElement;
    if (!active || !grid.contains(active)) return null;
    var tr = active.closest("tr[data-row]");
    var td = active.closest("[data-field]");
    return tr ? { row: tr.getAttribute("data-row"), field: td ? td.getAttribute("data-field") : null } : null;
  }

  function restoreFocus(grid, focus) {
    if (!focus || (document.activeElement && document.activeElement !== document.body)) return;
    var tr = grid.querySelector('tr[data-row="' + CSS.escape(focus.row) + '"]');
    if (!tr) return;
    var cell = focus.field ? tr.querySelector('[data-field="' + CSS.escape(focus.field) + '"]') : tr;
    var target = cell && (cell.querySelector("a, button, input, select, textarea, [tabindex]") || cell);
    if (target && target.focus) {
      if (!target.hasAttribute("tabindex") && !target.matches("a, button, input, select, textarea")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus({ preventScroll: true });
    }
  }

  function start() {
    document.querySelectorAll("[data-live-events]").forEach(function (root) {
      if (!root.kaidanLive) root.kaidanLive = new Live(root);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
