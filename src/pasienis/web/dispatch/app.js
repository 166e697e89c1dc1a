// Dispatcher console: live map of units and open tasks (WebSocket), create a task by clicking
// the map, see the suggested units ranked by ETA, assign, follow status, spot overdue tasks.
/* global L */
import { ApiError, api } from "/web/common/api.js";
import { applyTranslations, formatTime, loadLanguage, t } from "/web/common/i18n.js";
import { ensureSignedIn } from "/web/common/login.js";
import { createMap } from "/web/common/map.js";
import { ReconnectingSocket } from "/web/common/ws.js";

const OPEN = ["created", "assigned", "delivered", "acknowledged", "en_route", "on_scene", "rejected"];
const UNACKED = ["assigned", "delivered"];
const state = { units: new Map(), tasks: new Map(), overdue: new Set(), unitMarkers: new Map(),
  taskMarkers: new Map(), map: null, draft: null };

const $ = (selector) => document.querySelector(selector);
const escape = (text) => String(text ?? "").replace(/[&<>"']/g,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

async function main() {
  await loadLanguage();
  const user = await ensureSignedIn($("#login"));
  $("#app").hidden = false;
  $("#who").textContent = user.name;
  applyTranslations();
  state.map = await createMap($("#map"));
  state.map.on("click", (event) => openCreate(event.latlng));
  $("#create-form").addEventListener("submit", submitCreate);
  $("#create-cancel").addEventListener("click", closeCreate);
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

function handle(message) {
  if (message.type === "snapshot") {
    for (const u of message.units) mergeUnit(u.unit_id, { id: u.unit_id, call_sign: u.call_sign,
      status: u.status, last_lat: u.lat, last_lon: u.lon, last_fix_at: u.at });
    renderUnits();
  } else if (message.type === "position") {
    mergeUnit(message.unit_id, { call_sign: message.call_sign, last_lat: message.lat,
      last_lon: message.lon, last_fix_at: message.at });
    renderUnits();
  } else if (message.type === "unit") {
    mergeUnit(message.unit_id, { status: message.status });
    renderUnits();
  } else if (message.type === "task") {
    onTask(message);
  } else if (message.type === "overdue") {
    state.overdue.add(message.task_id);
    renderTasks();
  } else if (message.type === "alarm") {
    showAlarm(message);
  }
}

function mergeUnit(id, fields) {
  state.units.set(id, { ...(state.units.get(id) || { id }), ...fields });
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
  renderTasks();
  const open = $("#detail").dataset.task;
  if (open === message.task_id) showDetail(message.task_id);
}

function showAlarm(message) {
  const badge = document.createElement("span");
  badge.className = "badge sos";
  badge.textContent = `${message.alarm.toUpperCase()} ${message.call_sign}`;
  badge.title = formatTime(message.at);
  badge.addEventListener("click", () => { state.map.setView([message.lat, message.lon], 13); badge.remove(); });
  $("#alarms").append(badge);
}

function unitIcon(unit) {
  return L.divIcon({ className: "", html: `<div class="unit-marker ${escape(unit.status)}"
    title="${escape(unit.call_sign)}"></div>`, iconSize: [14, 14] });
}

function renderUnits() {
  const list = $("#units");
  list.innerHTML = "";
  for (const unit of [...state.units.values()].sort((a, b) => a.call_sign.localeCompare(b.call_sign))) {
    const li = document.createElement("li");
    li.dataset.unit = unit.id;
    li.innerHTML = `<strong>${escape(unit.call_sign)}</strong>
      <span class="badge">${escape(unit.status)}</span>
      <span class="muted">${unit.last_fix_at ? formatTime(unit.last_fix_at) : "—"}</span>`;
    li.addEventListener("click", () => unit.last_lat != null && state.map.setView([unit.last_lat, unit.last_lon], 12));
    list.append(li);
    if (unit.last_lat == null) continue;
    let marker = state.unitMarkers.get(unit.id);
    if (!marker) {
      marker = L.marker([unit.last_lat, unit.last_lon], { icon: unitIcon(unit) }).addTo(state.map);
      state.unitMarkers.set(unit.id, marker);
    }
    marker.setLatLng([unit.last_lat, unit.last_lon]).setIcon(unitIcon(unit));
    marker.bindTooltip(`${unit.call_sign} (${unit.status})`);
  }
}

function taskFlags(task) {
  const flags = [];
  const minutes = (Date.now() - new Date(task.updated_at || task.created_at)) / 60000;
  if (state.overdue.has(task.id) || (task.due_at && new Date(task.due_at) < Date.now())) flags.push("overdue");
  if (UNACKED.includes(task.status) && minutes >= 5) flags.push("unacked");
  return flags;
}

function renderTasks() {
  const list = $("#tasks");
  list.innerHTML = "";
  const tasks = [...state.tasks.values()].sort((a, b) => a.priority - b.priority
    || String(b.created_at).localeCompare(String(a.created_at)));
  for (const task of tasks) {
    const unit = task.unit_id ? state.units.get(task.unit_id) : null;
    const flags = taskFlags(task).map((f) => `<span class="badge ${f}">${t(`task.flag.${f}`)}</span>`);
    const li = document.createElement("li");
    li.dataset.task = task.id;
    li.innerHTML = `<span class="badge p${task.priority}">P${task.priority}</span>
      <strong>${escape(task.category)}</strong> <span class="badge status">${escape(task.status)}</span>
      ${flags.join(" ")}<br><span class="muted">${escape(unit ? unit.call_sign : t("task.unassigned"))}
      · ${escape((task.description || "").slice(0, 60))}</span>`;
    li.addEventListener("click", () => showDetail(task.id));
    list.append(li);
    let marker = state.taskMarkers.get(task.id);
    if (!marker) {
      marker = L.circleMarker([task.lat, task.lon], { radius: 8, color: "#b42318" }).addTo(state.map);
      marker.on("click", () => showDetail(task.id));
      state.taskMarkers.set(task.id, marker);
    }
  }
  for (const [id, marker] of state.taskMarkers) {
    if (!state.tasks.has(id)) { marker.remove(); state.taskMarkers.delete(id); }
  }
}

function openCreate(latlng) {
  state.draft = { lat: +latlng.lat.toFixed(6), lon: +latlng.lng.toFixed(6) };
  $("#create").hidden = false;
  $("#create-where").textContent = `${state.draft.lat}, ${state.draft.lon}`;
  $("#create-form textarea").focus();
}

function closeCreate() {
  $("#create").hidden = true;
  state.draft = null;
}

async function submitCreate(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { ...state.draft, category: form.get("category"),
    priority: Number(form.get("priority")), description: form.get("description") };
  try {
    const task = await api("/api/tasks", { method: "POST", body });
    state.tasks.set(task.id, task);
    event.target.reset();
    closeCreate();
    renderTasks();
    await showDetail(task.id);
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
  section.innerHTML = `<h2>${escape(task.category)} · P${task.priority}</h2>
    <p>${escape(task.description)}</p>
    <p class="muted">${task.lat.toFixed(5)}, ${task.lon.toFixed(5)} · ${formatTime(task.created_at)}</p>
    <p>${t("task.status")}: <strong id="detail-status">${escape(task.status)}</strong>
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
      const updated = await api(`/api/tasks/${task.id}/assign`, { method: "POST", body: { unit: s.unit_id } });
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
