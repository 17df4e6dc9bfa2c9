// The map pages: Leaflet over the county drawn from its own GeoJSON (no tile server can be
// reached), then the events or hotspot squares the page carries (#map-data). A tap (or click)
// on a point or square opens its details; nothing needs hovering. The tables below the map
// hold the same data.
"use strict";

(function () {
  const data = document.getElementById("map-data");
  const container = document.getElementById("map");
  if (!data || !container || typeof L === "undefined") return;
  const page = JSON.parse(data.textContent);
  const csrf = document.querySelector("meta[name=csrf-token]");
  const map = L.map(container, { preferCanvas: true, attributionControl: false, zoomSnap: 0.5, fadeAnimation: false });
  const c = page.county;
  map.fitBounds([[c.south, c.west], [c.north, c.east]]);
  const drawn = { base: 0, points: 0, cells: 0 };
  window.polestar = Object.assign(window.polestar || {}, { map, drawn });

  const text = (value) => String(value == null ? "" : value)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  // An event's time as the tables below show it (`pole.times.wall_clock`): the London day and
  // minute, or the day alone when its source gave no time of day.
  const clock = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  const when = (moment) => {
    if (!moment) return "undated";
    if (moment.length <= 10) return moment;
    const part = Object.fromEntries(clock.formatToParts(new Date(moment)).map((p) => [p.type, p.value]));
    return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
  };

  // The base layer: boundary and postcode districts as outlines, streets as thin lines, towns
  // as labelled dots. Geometry only: the county's, never anyone's.
  const styles = {
    boundary: { color: "#12284c", weight: 3, fill: true, fillColor: "#ffffff", fillOpacity: 1 },
    postcode_district: { color: "#8a8f93", weight: 1, dashArray: "4 4", fill: false },
    street: { color: "#b1b4b6", weight: 1 },
  };
  fetch("/api/v1/map/county", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
    .then((county) => {
      const base = L.geoJSON(county, {
        interactive: false,
        style: (feature) => styles[feature.properties.kind] || styles.street,
        pointToLayer: (feature, latlng) => L.circleMarker(latlng, {
          radius: 4, color: "#0b0c0c", weight: 1, fillColor: "#0b0c0c", fillOpacity: 1, interactive: false,
        }).bindTooltip(text(feature.properties.name), { permanent: true, direction: "right", className: "town" }),
      }).addTo(map);
      base.bringToBack();
      drawn.base = base.getLayers().length;
      container.dataset.base = String(drawn.base);
    })
    .catch(() => {
      const note = document.getElementById("map-base");
      if (note) note.hidden = false;
      container.dataset.base = "0";
    });

  const bounds = [];
  for (const point of page.points) {
    const where = [point.latitude, point.longitude];
    bounds.push(where);
    const named = text(point.address || point.place || "");
    const place = point.place ? `<br><a href="/locations/${encodeURIComponent(point.place)}">${named}</a>` : (named ? `<br>${named}` : "");
    L.circleMarker(where, { radius: 9, color: "#ffffff", weight: 2, fillColor: "#d4351c", fillOpacity: 0.9 })
      .bindPopup(
        `<strong>${text(point.event_type || "event")}</strong>${point.category ? " · " + text(point.category.replace(/-/g, " ")) : ""}` +
        `<br>${text(when(point.occurred_at))}` +
        `${place}<br><span class="sources">${text(point.records.join(", "))}</span>`
      )
      .addTo(map);
    drawn.points += 1;
  }

  const most = Math.max(1, ...page.cells.map((cell) => cell.count));
  for (const cell of page.cells) {
    const square = [[cell.south, cell.west], [cell.north, cell.east]];
    bounds.push(...square);
    const counts = Object.entries(cell.by_category)
      .map(([category, count]) => `${text(category.replace(/-/g, " "))}: ${count}`).join("<br>");
    L.rectangle(square, { color: "#912b88", weight: 1, fillColor: "#912b88", fillOpacity: 0.15 + 0.7 * (cell.count / most) })
      .bindPopup(`<strong>${cell.count} crime${cell.count === 1 ? "" : "s"}</strong><br>${counts}${areaForm(cell)}`)
      .addTo(map);
    drawn.cells += 1;
  }

  // A square's "list its events" is the same POST as the table's button: the box stays out
  // of the URL.
  function areaForm(cell) {
    const form = document.querySelector(".area-form");
    if (!form || !csrf) return "";
    const copy = form.cloneNode(true);
    for (const side of ["south", "west", "north", "east"]) copy.querySelector(`[name=${side}]`).setAttribute("value", cell[side]);
    return copy.outerHTML;
  }

  if (page.area) {
    const box = [[page.area.south, page.area.west], [page.area.north, page.area.east]];
    L.rectangle(box, { color: "#12284c", weight: 2, fill: false, interactive: false }).addTo(map);
    bounds.push(...box);
  }
  if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
  container.dataset.points = String(drawn.points);
  container.dataset.cells = String(drawn.cells);
})();
