// Map page: the shared base map (web/common/basemap.js) with checkpoints and cameras the store
// knows, violations (the registry's current view) and the events of the selected entities, all
// clustered (Leaflet.markercluster). Linked to app.selection both ways: a selection change
// redraws the selection's events; clicking an event's or violation's marker selects its entities.
/* global L */
import { createMap, ensureLeaflet, loadScript, loadStyle } from "/web/common/basemap.js";

let map = null;
let onChange = null;
let app_ = null;

export function unmount() {
  if (app_ && onChange) app_.selection.removeEventListener("change", onChange);
  if (map) map.remove();
  map = null;
}

const ICON_SIZE = [14, 14];
const icon = (kind) => L.divIcon({ className: `analyst-marker ${kind}`, iconSize: ICON_SIZE });

function cluster(kind) {
  return L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40,
    iconCreateFunction: (c) => L.divIcon({ className: `analyst-cluster ${kind}`, iconSize: [30, 30],
      html: `<span>${c.getChildCount()}</span>` }) });
}

export async function mount(root, app) {
  app_ = app;
  const { t } = app;
  root.innerHTML = `
    <section class="analyst-map" aria-labelledby="map-title">
      <h1 id="map-title">${t("analyst.map.title")}</h1>
      <fieldset class="map-layers"><legend>${t("analyst.map.layers")}</legend>
        ${["checkpoints", "cameras", "violations", "events"].map((k) => `<label class="check">
          <input type="checkbox" name="${k}" ${k === "cameras" ? "" : "checked"}> ${t(`analyst.map.layer.${k}`)}</label>`).join("")}
      </fieldset>
      <p id="map-status" class="muted" aria-live="polite"></p>
      <div id="analyst-map" class="map" role="region" aria-label="${t("analyst.map.label")}"></div>
    </section>`;
  await ensureLeaflet(); // before the cluster plugin, which extends L
  await Promise.all([
    loadStyle("/web/analyst/pages/tools.css"),
    loadStyle("/web/vendor/leaflet.markercluster/MarkerCluster.css"),
    loadStyle("/web/vendor/leaflet.markercluster/MarkerCluster.Default.css"),
    loadScript("/web/vendor/leaflet.markercluster/leaflet.markercluster.js"),
  ]);
  map = await createMap(root.querySelector("#analyst-map"));
  const layers = { checkpoints: cluster("checkpoint"), cameras: cluster("camera"),
    violations: cluster("violation"), events: cluster("event") };
  const places = map.basemap.places.length ? map.basemap.places
    : await app.api("/api/map/places").then((r) => r.places).catch(() => []);
  for (const p of places) {
    const kind = p.kind === "checkpoint" ? "checkpoints" : p.kind === "camera" ? "cameras" : null;
    if (kind) L.marker([p.lat, p.lon], { icon: icon(p.kind), title: p.name || p.id, alt: p.name || p.id })
      .bindPopup(app.escape(p.name || p.id)).addTo(layers[kind]);
  }
  const state = { places, layers, byCheckpoint: new Map(places.map((p) => [p.id, p])) };
  await drawViolations(app, state);
  for (const input of root.querySelectorAll(".map-layers input")) {
    const toggle = () => (input.checked ? layers[input.name].addTo(map) : layers[input.name].remove());
    input.addEventListener("change", toggle);
    toggle();
  }
  onChange = () => drawEvents(app, root, state);
  app.selection.addEventListener("change", onChange);
  await drawEvents(app, root, state);
}

async function drawViolations(app, state) {
  let found;
  try { found = await app.api("/api/violations?limit=1000"); } catch { return; }
  for (const v of found.rows) {
    if (v.lat == null || v.lon == null) continue;
    const ids = [v.person_id, v.vehicle_id].filter(Boolean);
    const marker = L.marker([v.lat, v.lon], { icon: icon("violation"), title: v.category, alt: v.category });
    marker.bindPopup(`${app.escape(app.label("violations.category", v.category))}<br>${app.escape(app.formatTime(v.occurred_at))}`);
    if (ids.length) marker.on("click", () => app.selection.set(ids));
    marker.addTo(state.layers.violations);
  }
  state.violationTotal = found.total;
}

async function drawEvents(app, root, state) {
  const status = root.querySelector("#map-status");
  state.layers.events.clearLayers();
  const ids = app.selection.ids || [];
  if (!ids.length) { status.textContent = app.t("analyst.map.no_selection"); return; }
  const query = ids.slice(0, 200).map((id) => `entity=${encodeURIComponent(id)}`).join("&");
  let found;
  try { found = await app.api(`/api/map/events?${query}`); } catch (error) { app.showError(status, error); return; }
  let shown = 0;
  const bounds = [];
  for (const ev of found.events) {
    const place = ev.lat == null ? state.byCheckpoint.get(ev.checkpoint_id) : null;
    const lat = ev.lat ?? (place && place.lat);
    const lon = ev.lon ?? (place && place.lon);
    if (lat == null || lon == null) continue;
    const marker = L.marker([lat, lon], { icon: icon(`event ${ev.kind}`), title: ev.label, alt: ev.label });
    marker.bindPopup(`${app.escape(app.t(`analyst.timeline.kind.${ev.kind}`))}: ${app.escape(ev.label)}<br>${app.escape(app.formatTime(ev.occurred_at))}`);
    marker.addTo(state.layers.events);
    bounds.push([lat, lon]);
    shown += 1;
  }
  status.textContent = app.t(found.truncated ? "analyst.map.events_truncated" : "analyst.map.events",
    { n: shown, total: found.events.length, limit: found.limit });
  if (bounds.length) map.fitBounds(bounds, { maxZoom: 11, padding: [30, 30] });
}
