/* The open-data portal's chart and map (Chart.js and Leaflet, vendored beside this file).
   The page works without them: the chart's numbers are in a table, the rows in the preview table. */
(function () {
  "use strict";

  function drawChart() {
    var canvas = document.getElementById("chart");
    var source = document.getElementById("chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var labels = data.values.map(function (v) { return v[0] === "" ? "—" : v[0]; });
    var counts = data.values.map(function (v) { return v[1]; });
    canvas.parentElement.classList.add("chart-rows-" + Math.min(labels.length, 20));
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: data.label, data: counts, backgroundColor: "#0017c1" }] },
      options: {
        indexAxis: "y",
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } }
      }
    });
  }

  function popup(properties) {
    var list = document.createElement("dl");
    Object.keys(properties).slice(0, 8).forEach(function (key) {
      var dt = document.createElement("dt");
      var dd = document.createElement("dd");
      dt.textContent = key;
      dd.textContent = properties[key] === null ? "" : String(properties[key]);
      list.appendChild(dt);
      list.appendChild(dd);
    });
    return list;
  }

  function drawMap() {
    var box = document.getElementById("map");
    if (!box || typeof window.L === "undefined") return;
    var L = window.L;
    var map = L.map(box, { attributionControl: true });
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution || "" }).addTo(map);
    } else {
      box.classList.add("map-plain");
    }
    map.setView([35.68, 139.76], 10);
    fetch(box.dataset.geojson, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (_feature, latlng) {
            return L.circleMarker(latlng, { radius: 7, color: "#000060", weight: 2, fillColor: "#0017c1", fillOpacity: 0.8 });
          },
          onEachFeature: function (feature, marker) { marker.bindPopup(popup(feature.properties || {})); }
        }).addTo(map);
        var bounds = layer.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
        box.dataset.points = String(data.features.length);
      });
  }

  function start() { drawChart(); drawMap(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
