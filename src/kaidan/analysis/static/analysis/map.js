/* The analysis map: points, or districts coloured by class (the page's table has the same numbers). */
(function () {
  "use strict";
  var COLOURS = ["#ffffff", "#c5d7fb", "#7096f8", "#3460fb", "#0031d8", "#000060"];

  function text(value) { return value === null || value === undefined ? "—" : String(value); }

  function start() {
    var box = document.getElementById("analysis-map");
    if (!box || typeof window.L === "undefined") return;
    var L = window.L;
    var map = L.map(box, { attributionControl: true });
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution || "" }).addTo(map);
    } else {
      box.classList.add("map-plain");
    }
    map.setView([35.68, 139.76], 10);
    var layer;
    if (box.dataset.mode === "points") {
      var points = JSON.parse(document.getElementById("map-points").textContent);
      layer = L.featureGroup(points.map(function (p) {
        return L.circleMarker([p[0], p[1]], { radius: 6, color: "#000060", weight: 2, fillColor: "#0017c1", fillOpacity: 0.8 })
          .bindTooltip(text(p[2]));
      })).addTo(map);
      box.dataset.points = String(points.length);
    } else {
      var districts = JSON.parse(document.getElementById("map-districts").textContent);
      layer = L.geoJSON(districts, {
        style: function (feature) {
          var level = feature.properties.kaidan_class || 0;
          return { color: "#333333", weight: 1, dashArray: level ? null : "4 3", fillOpacity: 0.8, fillColor: COLOURS[level] };
        },
        onEachFeature: function (feature, shape) {
          shape.bindTooltip(text(feature.properties.kaidan_district) + ": " + text(feature.properties.kaidan_value));
        }
      }).addTo(map);
      box.dataset.districts = String(districts.features.length);
    }
    var bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
