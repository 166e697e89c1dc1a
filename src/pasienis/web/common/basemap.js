// The base map of every browser map (analyst map, dispatcher console): a Leaflet map whose base
// layer is what the server says (/api/map/config): a configured tile URL, a local PMTiles file
// (read with range requests by the vendored pmtiles library), a local MBTiles file, or — with
// none of them — an offline fallback drawn from vectors: the country borders shipped with the
// package, the main roads of the routing extract, and the towns, checkpoints and cameras the
// store knows. The chosen kind is written to the map element as data-basemap="...".
/* global L, pmtiles */

const loaded = new Map();

// Add a vendored classic script once (script-src 'self' allows it; nothing comes from outside).
export function loadScript(src) {
  if (!loaded.has(src)) {
    loaded.set(src, new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`cannot load ${src}`));
      document.head.append(script);
    }));
  }
  return loaded.get(src);
}

// Add a stylesheet once; resolves when it has loaded (a map needs its size before it starts).
export function loadStyle(href) {
  if (!loaded.has(href)) {
    loaded.set(href, new Promise((resolve) => {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      link.onload = resolve;
      link.onerror = resolve; // unstyled is better than not at all
      document.head.append(link);
    }));
  }
  return loaded.get(href);
}

// Leaflet itself, for apps whose page does not load it (the analyst shell loads pages on demand).
export async function ensureLeaflet() {
  if (window.L && window.L.map) return;
  await Promise.all([loadScript("/web/vendor/leaflet/leaflet.js"), loadStyle("/web/vendor/leaflet/leaflet.css")]);
}

async function getJSON(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function drawBorders(map, renderer) {
  // Territory as filled grid cells (no stroke, so the cells read as one shape), then the
  // coarse national outline as the border line.
  const [cells, outline] = await Promise.all([
    getJSON("/web/geo/lithuania.geojson"), getJSON("/web/geo/lithuania-outline.geojson"),
  ]);
  L.geoJSON(cells, { renderer, interactive: false,
    style: { stroke: false, fillColor: "#e4ebf1", fillOpacity: 1, className: "basemap-land" } }).addTo(map);
  L.geoJSON(outline, { renderer, interactive: false,
    style: { color: "#7a8896", weight: 1.5, fill: false, dashArray: "4 3", className: "basemap-border" } }).addTo(map);
  map.attributionControl.addAttribution("© OpenStreetMap contributors (ODbL), Natural Earth");
}

const ROAD_WEIGHT = { motorway: 3, trunk: 2.5, primary: 2, secondary: 1.5 };

function drawRoads(map, renderer, roads) {
  return L.geoJSON(roads, { renderer, interactive: false,
    style: (f) => ({ color: f.properties.highway === "motorway" ? "#d08a3c" : "#c9a25f",
      weight: ROAD_WEIGHT[f.properties.highway] || 1, className: "basemap-road" }) }).addTo(map);
}

function placeMarker(place) {
  const kind = place.kind === "place" ? "town" : place.kind;
  const icon = L.divIcon({ className: `basemap-${kind}`, iconSize: null,
    html: `<span class="dot"></span><span class="name"></span>` });
  const marker = L.marker([place.lat, place.lon], { icon, keyboard: false, interactive: false,
    title: place.name || "" });
  marker.on("add", () => {
    const el = marker.getElement();
    if (el) { el.querySelector(".name").textContent = place.name || ""; el.dataset.place = place.id; }
  });
  return marker;
}

function drawPlaces(map, places) {
  const groups = { town: L.layerGroup(), checkpoint: L.layerGroup(), camera: L.layerGroup() };
  for (const place of places) {
    const kind = place.kind === "place" ? "town" : place.kind;
    if (groups[kind]) placeMarker(place).addTo(groups[kind]);
  }
  groups.town.addTo(map);
  groups.checkpoint.addTo(map);
  return groups;
}

async function drawFallback(map, info) {
  const renderer = L.svg({ padding: 0.2 });
  await drawBorders(map, renderer);
  const [roads, places] = await Promise.all([
    getJSON("/api/map/roads").catch(() => ({ features: [] })),
    getJSON("/api/map/places").catch(() => ({ places: [], truncated: false })),
  ]);
  info.layers.roads = drawRoads(map, renderer, roads);
  Object.assign(info.layers, drawPlaces(map, places.places));
  if (places.truncated) console.warn(`base map: only the first ${places.limit} places are drawn`);
  info.places = places.places;
  info.placesTruncated = places.truncated;
  info.roads = roads.features.length;
}

async function drawTiles(map, config) {
  const attribution = config.attribution || "";
  if (config.kind === "pmtiles") {
    await loadScript("/web/vendor/pmtiles/pmtiles.js");
    const source = new pmtiles.PMTiles(config.url);
    return pmtiles.leafletRasterLayer(source, { attribution, maxNativeZoom: config.max_zoom,
      maxZoom: 19 }).addTo(map);
  }
  return L.tileLayer(config.url, { attribution, maxNativeZoom: config.max_zoom || 18,
    minZoom: 0, maxZoom: 19, crossOrigin: false }).addTo(map);
}

export async function createMap(element, { center = [55.17, 23.88], zoom = 7 } = {}) {
  await ensureLeaflet();
  loadStyle("/web/common/basemap.css");
  // maxZoom on the map itself: the vector fallback has no tile layer to set it (clustering needs it).
  const map = L.map(element, { preferCanvas: true, attributionControl: true, maxZoom: 19 })
    .setView(center, zoom);
  const info = { kind: "none", layers: {}, places: [], problems: [] };
  map.basemap = info;
  try {
    const config = await getJSON("/api/map/config");
    info.problems = config.problems || [];
    for (const problem of info.problems) console.warn("base map:", problem);
    if (config.kind === "fallback") await drawFallback(map, info);
    else info.layers.tiles = await drawTiles(map, config);
    info.kind = config.kind;
  } catch (error) {
    // Without the server's answer (offline field phone, signed out) draw at least the borders.
    console.warn("base map:", error);
    try { await drawBorders(map, L.svg()); info.kind = "borders"; } catch { /* markers still work */ }
  }
  element.dataset.basemap = info.kind;
  return map;
}

export { distanceMetres } from "./map.js";
