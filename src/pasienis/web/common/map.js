// Leaflet map with an offline base layer (Lithuania's outline from /web/geo), no tile server.
/* global L */

export async function createMap(element, { center = [55.17, 23.88], zoom = 7 } = {}) {
  const map = L.map(element, { preferCanvas: true, attributionControl: true }).setView(center, zoom);
  try {
    // Territory as filled grid cells (no stroke, so the cells read as one shape), then the
    // coarse national outline as the border line.
    const [cells, outline] = await Promise.all([
      fetch("/web/geo/lithuania.geojson").then((r) => r.json()),
      fetch("/web/geo/lithuania-outline.geojson").then((r) => r.json()),
    ]);
    L.geoJSON(cells, {
      style: { stroke: false, fillColor: "#e4ebf1", fillOpacity: 1 }, interactive: false,
    }).addTo(map);
    L.geoJSON(outline, {
      style: { color: "#7a8896", weight: 1.5, fill: false, dashArray: "4 3" }, interactive: false,
    }).addTo(map);
    map.attributionControl.addAttribution("© OpenStreetMap contributors (ODbL), Natural Earth");
  } catch {
    // The map still works (markers, clicks) without its base layer.
  }
  return map;
}

export function distanceMetres(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2
    + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
}
