// Dispatcher console: live map of units and open tasks (WebSocket), create a task by clicking
// the map, see the suggested units ranked by ETA, assign, follow status, spot overdue tasks.
/* global L */
import { ApiError, api } from "/web/common/api.js";
import { applyTranslations, formatTime, label, loadLanguage, t } from "/web/common/i18n.js";
import { bindLanguageSwitch } from "/web/common/language.js";
import { ensureSignedIn } from "/web/common/login.js";
import { createMap } from "/web/common/basemap.js";
import { ReconnectingSocket } from "/web/common/ws.js";
import { $, activatable, escape } from "/web/common/html.js";
import { endAlarm, showAlarm } from "/web/dispatch/alarms.js";
import { setupIntercept } from "/web/dispatch/intercept.js";
import { setupPatrol } from "/web/dispatch/patrol.js";

const OPEN = ["created", "assigned", "delivered", "acknowledged", "en_route", "on_scene", "rejected"];
const UNACKED = ["assigned", "delivered"];
const state = { units: new Map(), tasks: new Map(), overdue: new Set(), unitMarkers: new Map(),
  taskMarkers: new Map(), taskItems: new Map(), unitItems: new Map(), map: null,
  draftMarker: null };
// Live events only mark what changed; one animation frame draws it all (a burst of 200
// positions is one redraw of those units, never a rebuild of every list item and marker).
const pending = { units: new Set(), allUnits: false, tasks: false, frame: 0 };


async function main() {
  const language = await loadLanguage();
  const user = await ensureSignedIn($("#login"));
  $("#app").hidden = false;
  $("#who").textContent = user.name;
  applyTranslations();
  bindLanguageSwitch(document.querySelector("#lang"), language);
  state.map = await createMap($("#map"));
  setupCreate();
  setupIntercept(state.map, async (task) => {
    state.tasks.set(task.id, task);
    renderTasks();
    await showDetail(task.id);
  });
  setupPatrol(state.map);
  // The page is shown before the map has loaded (the map needs its size), but stays inert
  // until its forms are wired: a quick click before then submitted the form natively.
  $("#app").inert = false;
  await reload();
  new ReconnectingSocket("/api/ops/ws/dispatch", {
    onMessage: handle,
    onState: (s) => { $("#conn").textContent = t(`state.${s}`); $("#conn").className = `badge ${s}`; },
  });
  setInterval(renderTasks, 30000); // "unacknowledged for N min" ages on its own
}

async function reload() {
  const [units, tasks] = await Promise.all([
    api("/api/ops/units"), api(`/api/tasks?status=${OPEN.join(",")}`),
  ]);
  state.units = new Map(units.map((u) => [u.id, u]));
  state.tasks = new Map(tasks.map((task) => [task.id, task]));
  renderUnits();
  renderTasks();
}

function schedule() {
  if (!pending.frame) pending.frame = requestAnimationFrame(flush);
}

function flush() {
  pending.frame = 0;
  if (pending.allUnits) renderUnits();
  else for (const id of pending.units) updateUnit(state.units.get(id));
  pending.units.clear();
  pending.allUnits = false;
  if (pending.tasks) { pending.tasks = false; renderTasks(); }
}

function handle(message) {
  if (message.type === "snapshot") {
    // After a reconnect the snapshot is the truth for units *and* open tasks.
    for (const u of message.units) mergeUnit(u.unit_id, { id: u.unit_id, call_sign: u.call_sign,
      status: u.status, last_lat: u.lat, last_lon: u.lon, last_fix_at: u.at });
    onSnapshotTasks(message.tasks || []);
    pending.allUnits = true;
  } else if (message.type === "position") {
    // A flagged fix (too_fast, out_of_order, future...) never moves the live marker: the
    // live view shows the same trusted position the store keeps as the unit's last good one.
    if (message.flags && message.flags.length) return;
    mergeUnit(message.unit_id, { call_sign: message.call_sign, last_lat: message.lat,
      last_lon: message.lon, last_fix_at: message.at });
  } else if (message.type === "unit") {
    mergeUnit(message.unit_id, { status: message.status });
  } else if (message.type === "task") {
    onTask(message);
    return;
  } else if (message.type === "overdue") {
    state.overdue.add(message.task_id);
    pending.tasks = true;
  } else if (message.type === "alarm") {
    showAlarm(message, { locate: (lat, lon) => state.map.setView([lat, lon], 13) });
    return;
  } else if (message.type === "alarm_ack") {
    endAlarm(message.unit_id);
    return;
  }
  schedule();
}

function onSnapshotTasks(tasks) {
  const open = new Set();
  for (const task of tasks) {
    open.add(task.task_id);
    const known = state.tasks.get(task.task_id) || {};
    state.tasks.set(task.task_id, { ...known, ...task, id: task.task_id });
  }
  for (const id of [...state.tasks.keys()]) if (!open.has(id)) state.tasks.delete(id);
  pending.tasks = true;
}

function mergeUnit(id, fields) {
  const known = state.units.get(id);
  if (!known) pending.allUnits = true; // a new unit changes the list's order
  state.units.set(id, { ...(known || { id }), ...fields });
  pending.units.add(id);
}

async function onTask(message) {
  if (!OPEN.includes(message.status)) {
    state.tasks.delete(message.task_id);
    state.overdue.delete(message.task_id);
  } else {
    const known = state.tasks.get(message.task_id);
    const task = known ? { ...known, ...message, id: message.task_id, updated_at: message.at }
      : await api(`/api/tasks/${message.task_id}`);
    state.tasks.set(task.id, task);
  }
  pending.tasks = true;
  schedule();
  const open = $("#detail").dataset.task;
  if (open === message.task_id) showDetail(message.task_id);
}

// Units are circles on one canvas: a thousand DOM markers (each a box-shadowed element the
// browser lays out, paints and moves on every pan and zoom) kept the console busy even idle.
const UNIT_COLOURS = { available: "#1a7f37", busy: "#b76e00", off_duty: "#888888" };
let unitCanvas = null;

function unitStyle(status) {
  return { radius: 7, weight: 2, color: "#ffffff", opacity: 1,
    fillColor: UNIT_COLOURS[status] || "#888888", fillOpacity: 1 };
}

/** Rebuild the unit list in call-sign order (a unit appeared), then draw every unit. */
function renderUnits() {
  const list = $("#units");
  const units = [...state.units.values()].sort((a, b) => String(a.call_sign).localeCompare(String(b.call_sign)));
  for (const unit of units) {
    let li = state.unitItems.get(unit.id);
    if (!li) {
      li = document.createElement("li");
      li.dataset.unit = unit.id;
      activatable(li, () => {
        const u = state.units.get(li.dataset.unit);
        if (u && u.last_lat != null) state.map.setView([u.last_lat, u.last_lon], 12);
      });
      state.unitItems.set(unit.id, li);
    }
    list.append(li); // moves an existing item into order
    updateUnit(unit);
  }
}

/** Draw one unit: its list item and its marker, only where something changed. The item's
 * data-lat/data-lon say where its marker is drawn (both are set from the same values). */
function updateUnit(unit) {
  if (!unit) return;
  const li = state.unitItems.get(unit.id);
  if (!li) { pending.allUnits = true; schedule(); return; }
  const when = unit.last_fix_at ? formatTime(unit.last_fix_at) : "—"; // to the minute
  const key = `${unit.call_sign}|${unit.status}|${when}`;
  if (li.drawn !== key) {
    li.drawn = key;
    li.innerHTML = `<strong>${escape(unit.call_sign)}</strong>
      <span class="badge" data-status="${escape(unit.status)}">${escape(label("unit_status", unit.status))}</span>
      <span class="muted">${escape(when)}</span>`;
  }
  if (unit.last_lat == null) return;
  let marker = state.unitMarkers.get(unit.id);
  if (!marker) {
    unitCanvas = unitCanvas || L.canvas({ padding: 0.3 });
    marker = L.circleMarker([unit.last_lat, unit.last_lon],
      { ...unitStyle(unit.status), renderer: unitCanvas }).addTo(state.map);
    marker.status = unit.status;
    marker.bindTooltip(`${unit.call_sign} (${label("unit_status", unit.status)})`);
    state.unitMarkers.set(unit.id, marker);
  } else {
    marker.setLatLng([unit.last_lat, unit.last_lon]);
    if (marker.status !== unit.status) {
      marker.status = unit.status;
      marker.setStyle(unitStyle(unit.status));
      marker.setTooltipContent(`${unit.call_sign} (${label("unit_status", unit.status)})`);
    }
  }
  li.dataset.lat = String(unit.last_lat);
  li.dataset.lon = String(unit.last_lon);
}

function taskFlags(task) {
  const flags = [];
  const minutes = (Date.now() - new Date(task.updated_at || task.created_at)) / 60000;
  if (state.overdue.has(task.id) || (task.due_at && new Date(task.due_at) < Date.now())) flags.push("overdue");
  if (UNACKED.includes(task.status) && minutes >= 5) flags.push("unacked");
  return flags;
}

/** The task list, diffed: an item is created once per task, redrawn only when its text
 * changes and moved only when the order changes (so a live update never takes the keyboard
 * focus away from the item a dispatcher is on). */
function renderTasks() {
  const list = $("#tasks");
  const tasks = [...state.tasks.values()].sort((a, b) => a.priority - b.priority
    || String(b.created_at).localeCompare(String(a.created_at)));
  let previous = null;
  for (const task of tasks) {
    const unit = task.unit_id ? state.units.get(task.unit_id) : null;
    const flags = taskFlags(task).map((f) => `<span class="badge ${f}">${t(`task.flag.${f}`)}</span>`);
    let li = state.taskItems.get(task.id);
    if (!li) {
      li = document.createElement("li");
      li.dataset.task = task.id;
      activatable(li, () => showDetail(li.dataset.task));
      state.taskItems.set(task.id, li);
    }
    const html = `<span class="badge p${task.priority}">P${task.priority}</span>
      <strong>${escape(label("category", task.category))}</strong> <span class="badge status" data-status="${escape(task.status)}">${escape(label("status", task.status))}</span>
      ${flags.join(" ")}<br><span class="muted">${escape(unit ? unit.call_sign : t("task.unassigned"))}
      · ${escape((task.description || "").slice(0, 60))}</span>`;
    if (li.drawn !== html) { li.innerHTML = html; li.drawn = html; }
    const next = previous ? previous.nextSibling : list.firstChild;
    if (next !== li) list.insertBefore(li, next);
    previous = li;
    let marker = state.taskMarkers.get(task.id);
    if (!marker) {
      marker = L.circleMarker([task.lat, task.lon], { radius: 8, color: "#b42318" }).addTo(state.map);
      marker.on("click", () => showDetail(task.id));
      state.taskMarkers.set(task.id, marker);
    }
  }
  for (const [id, li] of state.taskItems) {
    if (!state.tasks.has(id)) { li.remove(); state.taskItems.delete(id); }
  }
  for (const [id, marker] of state.taskMarkers) {
    if (!state.tasks.has(id)) { marker.remove(); state.taskMarkers.delete(id); }
  }
}

// A task is placed by clicking the map, or without it: a place the store knows (town,
// checkpoint, camera — offline, from the base map's gazetteer) or typed coordinates.
const places = { list: null, byName: new Map() };

async function loadPlaces() {
  if (places.list) return;
  places.list = [];
  try {
    const answer = await api("/api/map/places");
    places.list = answer.places.filter((p) => p.name);
  } catch (error) {
    places.list = []; // typed coordinates and map clicks still work
  }
  const options = document.createDocumentFragment();
  for (const place of places.list) {
    places.byName.set(place.name.toLocaleLowerCase(), place);
    const option = document.createElement("option");
    option.value = place.name;
    option.label = label("place_kind", place.kind);
    options.append(option);
  }
  $("#create-places").replaceChildren(options);
}

/** "54.68, 25.27" or "54.68 25.27" → [lat, lon], or null. */
function parseCoordinates(text) {
  const match = /^\s*(-?\d+(?:[.,]\d+)?)\s*[,;\s]\s*(-?\d+(?:[.,]\d+)?)\s*$/.exec(text);
  if (!match) return null;
  const [lat, lon] = [match[1], match[2]].map((v) => Number(v.replace(",", ".")));
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [lat, lon] : null;
}

function setWhere(lat, lon, note = "") {
  const form = $("#create-form");
  form.elements.lat.value = String(+lat.toFixed(6));
  form.elements.lon.value = String(+lon.toFixed(6));
  $("#create-place-note").textContent = note;
  showWhere();
}

function showWhere() {
  const form = $("#create-form");
  const lat = form.elements.lat.valueAsNumber;
  const lon = form.elements.lon.valueAsNumber;
  const ok = Number.isFinite(lat) && Number.isFinite(lon);
  $("#create-where").textContent = ok ? `${lat}, ${lon}` : "";
  if (!ok) { if (state.draftMarker) state.draftMarker.remove(); state.draftMarker = null; return; }
  if (!state.draftMarker) {
    state.draftMarker = L.circleMarker([lat, lon], { radius: 9, color: "#1d4ed8", dashArray: "3 3",
      interactive: false }).addTo(state.map);
  } else state.draftMarker.setLatLng([lat, lon]);
}

function onPlaceInput() {
  const text = $("#create-form").elements.place.value.trim();
  if (!text) { $("#create-place-note").textContent = ""; return; }
  const coordinates = parseCoordinates(text);
  if (coordinates) { setWhere(...coordinates); return; }
  const place = places.byName.get(text.toLocaleLowerCase());
  if (place) {
    setWhere(place.lat, place.lon, `${label("place_kind", place.kind)}: ${place.name}`);
    state.map.setView([place.lat, place.lon], Math.max(state.map.getZoom(), 10));
  } else {
    $("#create-place-note").textContent = t("task.place_unknown", { name: text });
  }
}

function setupCreate() {
  const form = $("#create-form");
  state.map.on("click", (event) => openCreate(event.latlng));
  $("#create-open").addEventListener("click", () => openCreate(null));
  form.addEventListener("submit", submitCreate);
  form.elements.place.addEventListener("change", onPlaceInput);
  form.elements.place.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); onPlaceInput(); } // pick, do not submit
  });
  for (const name of ["lat", "lon"]) form.elements[name].addEventListener("input", showWhere);
  $("#create-cancel").addEventListener("click", closeCreate);
  $("#create").addEventListener("keydown", (event) => {
    if (event.key === "Escape") { event.preventDefault(); closeCreate(); }
  });
}

function openCreate(latlng) {
  $("#create").hidden = false;
  $("#create-form .error").textContent = "";
  loadPlaces();
  if (latlng) {
    $("#create-form").elements.place.value = "";
    setWhere(latlng.lat, latlng.lng);
    $("#create-form textarea").focus();
  } else {
    $("#create-form").elements.place.focus();
  }
}

function closeCreate() {
  $("#create").hidden = true;
  $("#create-form").reset();
  $("#create-place-note").textContent = "";
  showWhere();
  $("#create-open").focus();
}

async function submitCreate(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { lat: Number(form.get("lat")), lon: Number(form.get("lon")),
    category: form.get("category"), priority: Number(form.get("priority")),
    description: form.get("description") };
  try {
    const task = await api("/api/tasks", { method: "POST", body });
    state.tasks.set(task.id, task);
    $("#create").hidden = true;
    event.target.reset();
    showWhere();
    renderTasks();
    await showDetail(task.id);
    const first = $("#suggestions button");
    if (first) first.focus(); // keyboard: assign next, or Tab on
  } catch (error) {
    $("#create-form .error").textContent = error instanceof ApiError ? error.message : String(error);
  }
}

async function showDetail(taskId) {
  const section = $("#detail");
  const task = await api(`/api/tasks/${taskId}`);
  state.tasks.set(task.id, task);
  section.hidden = false;
  section.dataset.task = task.id;
  const unit = task.unit_id ? state.units.get(task.unit_id) : null;
  section.innerHTML = `<h2>${escape(label("category", task.category))} · ${escape(label("priority", task.priority))}</h2>
    <p>${escape(task.description)}</p>
    <p class="muted">${task.lat.toFixed(5)}, ${task.lon.toFixed(5)} · ${formatTime(task.created_at)}</p>
    <p>${t("task.status")}: <strong id="detail-status" data-status="${escape(task.status)}">${escape(label("status", task.status))}</strong>
      ${unit ? `· ${escape(unit.call_sign)}` : ""}</p>
    <div id="suggestions"></div>`;
  state.map.setView([task.lat, task.lon], Math.max(state.map.getZoom(), 8));
  if (["created", "rejected"].includes(task.status) || !task.unit_id) await showSuggestions(task);
}

async function showSuggestions(task) {
  const box = $("#suggestions");
  const ranked = await api(`/api/tasks/${task.id}/suggestions`);
  if (!ranked.length) { box.innerHTML = `<p class="muted">${t("task.no_units")}</p>`; return; }
  box.innerHTML = `<h3>${t("task.suggested")}</h3>`;
  for (const s of ranked) {
    const row = document.createElement("div");
    row.className = "suggestion";
    const eta = s.eta_s == null ? t("task.eta_unknown")
      : `${Math.round(s.eta_s / 60)} min · ${(s.distance_m / 1000).toFixed(1)} km`;
    row.innerHTML = `<strong>${escape(s.call_sign)}</strong><span class="grow muted">${eta}
      ${s.method ? `(${escape(s.method)})` : ""} · ${t("task.workload")}: ${s.workload}</span>`;
    const button = document.createElement("button");
    button.className = "primary";
    button.textContent = t("task.assign");
    button.dataset.unit = s.unit_id;
    button.addEventListener("click", async () => {
      button.disabled = true;
      let updated;
      try {
        updated = await api(`/api/tasks/${task.id}/assign`, { method: "POST", body: { unit: s.unit_id } });
      } catch (error) {
        button.disabled = false; // a failed assignment can be tried again
        button.focus(); // disabling it took the keyboard focus away
        const note = document.createElement("p");
        note.className = "error";
        note.setAttribute("role", "alert");
        note.textContent = error instanceof ApiError ? error.message : String(error);
        row.append(note);
        return;
      }
      state.tasks.set(updated.id || task.id, { ...task, ...updated });
      renderTasks();
      await showDetail(task.id);
    });
    row.append(button);
    box.append(row);
  }
}

main().catch((error) => {
  document.body.insertAdjacentHTML("afterbegin", `<p class="error">${escape(error.message)}</p>`);
});
