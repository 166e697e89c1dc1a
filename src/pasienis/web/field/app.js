// Field app for crews: current tasks with distance and a navigate link, status buttons, notes
// and photos, a completion form with a violation report at the phone's GPS position, live
// delivery over WebSocket (acknowledged by sequence number) and an outbox that works offline.
/* global L */
import { api } from "/web/common/api.js";
import { applyTranslations, formatTime, label, loadLanguage, t } from "/web/common/i18n.js";
import { bindLanguageSwitch } from "/web/common/language.js";
import { plural } from "/web/common/plural.js";
import { ensureSignedIn } from "/web/common/login.js";
import { createMap, distanceMetres } from "/web/common/basemap.js";
import { ReconnectingSocket } from "/web/common/ws.js";
import { enqueue, entries, flush } from "/web/field/outbox.js";
import { pairingToken, redeemPairing, startScanner } from "/web/field/pairing.js";
import { $, escape } from "/web/common/html.js";

const NEXT = {
  assigned: [["acknowledged", "field.ack"], ["rejected", "field.reject"]],
  delivered: [["acknowledged", "field.ack"], ["rejected", "field.reject"]],
  acknowledged: [["en_route", "field.en_route"]],
  en_route: [["on_scene", "field.on_scene"]],
  on_scene: [["completed", "field.complete"]],
};
const ACTIVE = Object.keys(NEXT);
const state = { tasks: new Map(), position: null, socket: null, completing: null, drafts: {},
  map: null, mapLayer: null, mapRenderer: null, mapFitted: false,
  // Pushes counted, and the count when each task was last pushed; list requests numbered.
  pushes: 0, pushedAt: new Map(), listsAsked: 0, listShown: 0,
  lastSeq: Number(localStorage.getItem("pasienis.lastSeq") || 0) };

async function main() {
  const language = await loadLanguage();
  await ensureSignedIn($("#login"));
  $("#app").hidden = false;
  applyTranslations();
  bindLanguageSwitch(document.querySelector("#lang"), language);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/web/field/sw.js", { scope: "/web/field/" }).catch(() => {});
  }
  setupForms();
  setupMap();
  await pairFromFragment();
  watchPosition();
  loadCachedTasks();
  await refreshTasks();
  window.addEventListener("online", sync);
  setInterval(sync, 15000);
  connect();
  await updateOutboxBadge();
}

function watchPosition() {
  if (!navigator.geolocation) return;
  navigator.geolocation.watchPosition((p) => {
    state.position = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy };
    render();
  }, () => {}, { enableHighAccuracy: true, maximumAge: 10000 });
}

function device() {
  try {
    return JSON.parse(localStorage.getItem("pasienis.device") || "null");
  } catch {
    return null;
  }
}

// A pairing link opens the app with `#pair=<token>`: trade it for the device's credentials once,
// and take it out of the address bar and history at once.
async function pairFromFragment() {
  const token = pairingToken(location.hash);
  if (!token) return;
  history.replaceState(null, "", location.pathname + location.search);
  await pairWith(token);
}

async function pairWith(token) {
  const error = $("#pair .error");
  error.textContent = "";
  try {
    const setup = await redeemPairing(token);
    savePairing({ device_id: setup.device_id, secret: setup.secret });
    showSetup(setup);
  } catch (failure) {
    error.textContent = `${t("field.pair_failed")}: ${failure.message}`;
    $("#pair").hidden = false;
  }
}

function savePairing(credentials) {
  localStorage.setItem("pasienis.device", JSON.stringify(credentials));
  localStorage.setItem("pasienis.lastSeq", "0");
  state.lastSeq = 0;
  if (state.socket) state.socket.close();
  state.socket = null;
  connect();
}

// OwnTracks' inline configuration opens the OwnTracks app on this phone; Traccar Client takes
// the server URL and identifier (shown, to copy).
function showSetup(setup) {
  $("#paired-device").textContent = setup.device_id;
  $("#owntracks-link").href = setup.owntracks_link;
  $("#traccar-url").textContent = setup.traccar_server_url;
  $("#traccar-id").textContent = setup.traccar_device_identifier;
  $("#paired-setup").hidden = false;
}

function connect() {
  const paired = device();
  $("#pair").hidden = Boolean(paired);
  if (!paired) return;
  state.socket = new ReconnectingSocket("/api/ops/ws/unit", {
    hello: () => ({ type: "hello", device_id: paired.device_id, secret: paired.secret,
      last_seq: state.lastSeq }),
    onMessage: onMessage,
    // The socket opens before the server has accepted the device: "online" waits for its welcome.
    onState: (s) => showConnection(s === "online" ? "connecting" : s),
  });
}

function showConnection(s) {
  $("#conn").textContent = t(`state.${s}`);
  $("#conn").className = `badge ${s}`;
}

async function onMessage(message) {
  if (message.type === "welcome") {
    $("#callsign").textContent = message.call_sign;
    showConnection("online");
    sync();
  } else if (message.type === "message") {
    // Idempotent: a message already processed (re-sent after a lost ack) is only acked again.
    if (message.seq > state.lastSeq) {
      if (message.task && message.task.id) upsertTask(message.task);
      else if (message.task_id) await refreshTask(message.task_id);
      state.lastSeq = message.seq;
      localStorage.setItem("pasienis.lastSeq", String(message.seq));
      render();
      notify(message);
    }
    state.socket.send({ type: "ack", seq: message.seq });
  } else if (message.type === "error") {
    $("#pair .error").textContent = message.detail;
    $("#pair").hidden = false;
  }
}

function notify(message) {
  if (navigator.vibrate) navigator.vibrate(200);
  document.title = `(${state.tasks.size}) pasienis — field`;
  return message;
}

function upsertTask(task) {
  state.tasks.set(task.id, { ...(state.tasks.get(task.id) || {}), ...task });
  state.pushedAt.set(task.id, ++state.pushes);
  cacheTasks();
}

async function refreshTask(taskId) {
  try {
    upsertTask(await api(`/api/tasks/${taskId}`));
  } catch {
    // offline: the message stays acknowledged; the list refreshes on reconnect
  }
}

// The list may have been read before a task that was pushed while it was on its way (a slow
// answer under load): the pushed task is kept, not erased until the next refresh, which on a
// phone gone offline never comes. An answer older than the one shown is dropped.
async function refreshTasks() {
  try {
    const asked = ++state.listsAsked;
    const pushesBefore = state.pushes;
    const tasks = await api("/api/tasks");
    const pending = await entries();
    if (asked < state.listShown) return;
    state.listShown = asked;
    const listed = new Map(tasks.map((task) => [task.id, task]));
    for (const [id, at] of state.pushedAt) {
      if (at > pushesBefore && state.tasks.has(id)) listed.set(id, state.tasks.get(id));
      else state.pushedAt.delete(id); // the list was read after this push: it has it
    }
    state.tasks = listed;
    for (const entry of pending) { // keep the crew's own unsent changes visible
      if (entry.kind === "status" && state.tasks.has(entry.taskId)) {
        state.tasks.get(entry.taskId).status = entry.body.status;
      }
    }
    cacheTasks();
  } catch {
    // offline: keep what we had
  }
  render();
}

function cacheTasks() {
  localStorage.setItem("pasienis.tasks", JSON.stringify([...state.tasks.values()]));
}

function loadCachedTasks() {
  try {
    for (const task of JSON.parse(localStorage.getItem("pasienis.tasks") || "[]")) {
      state.tasks.set(task.id, task);
    }
  } catch {
    localStorage.removeItem("pasienis.tasks");
  }
  render();
}

function distanceText(task) {
  if (!state.position) return "";
  const metres = distanceMetres(state.position.lat, state.position.lon, task.lat, task.lon);
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(1)} km`;
}

function activeTasks() {
  return [...state.tasks.values()].filter((task) => ACTIVE.includes(task.status))
    .sort((a, b) => a.priority - b.priority);
}

function render() {
  const main = $("#tasks");
  const tasks = activeTasks();
  main.innerHTML = tasks.length ? "" : `<p class="empty">${t("field.no_tasks")}</p>`;
  for (const task of tasks) main.append(taskCard(task));
  drawMap();
}

// The crew's map: the shared base map (web/common/basemap.js: tiles, or roads, towns and
// checkpoints offline-first), the unit's tasks and the phone's own position. Built when first
// opened, so a phone that never looks at it downloads nothing for it.
function setupMap() {
  const box = $("#map-box");
  box.addEventListener("toggle", async () => {
    if (!box.open) return;
    if (!state.map) {
      state.map = await createMap($("#field-map"));
      state.mapLayer = L.layerGroup().addTo(state.map);
      state.mapRenderer = L.svg(); // a few markers: SVG, each its own element
    }
    state.map.invalidateSize();
    state.mapFitted = false;
    drawMap();
  });
}

function drawMap() {
  if (!state.map) return;
  state.mapLayer.clearLayers();
  const points = [];
  for (const task of activeTasks()) {
    L.circleMarker([task.lat, task.lon], { radius: 9, color: "#b42318", fillOpacity: 0.7,
      className: "field-task", renderer: state.mapRenderer })
      .bindTooltip(`P${task.priority} ${label("category", task.category)}`)
      .addTo(state.mapLayer);
    points.push([task.lat, task.lon]);
  }
  if (state.position) {
    const here = [state.position.lat, state.position.lon];
    L.marker(here, { icon: L.divIcon({ className: "", html: '<div class="field-me"></div>',
      iconSize: [14, 14] }), keyboard: false, title: t("field.you") }).addTo(state.mapLayer);
    points.push(here);
  }
  if (!state.mapFitted && points.length) {
    state.map.fitBounds(points, { padding: [30, 30], maxZoom: 14 });
    state.mapFitted = true;
  }
}

function taskCard(task) {
  const card = document.createElement("article");
  card.className = "task";
  card.dataset.task = task.id;
  const buttons = (NEXT[task.status] || []).map(([to, label]) =>
    `<button class="${to === "rejected" ? "danger" : "primary"}" data-to="${to}">${t(label)}</button>`);
  card.innerHTML = `<h3><span class="badge p${task.priority}">P${task.priority}</span>
      ${escape(label("category", task.category))} <span class="badge status" data-status="${escape(task.status)}">${escape(label("status", task.status))}</span></h3>
    <p>${escape(task.description)}</p>
    <p class="muted">${[distanceText(task), formatTime(task.created_at)].filter(Boolean).join(" · ")}</p>
    <div class="actions">
      <a href="geo:${task.lat},${task.lon}?q=${task.lat},${task.lon}" data-i18n="field.navigate">${t("field.navigate")}</a>
      ${buttons.join("")}
    </div>
    <div class="note"><input name="note" aria-label="${escape(t("field.note"))}" placeholder="${escape(t("field.note"))}">
      <button data-note>${t("field.add_note")}</button>
      <label class="badge">${t("field.photo")}<input type="file" accept="image/*" capture="environment"
        hidden data-photo></label>
    </div>`;
  // A re-render (a new message, a GPS update) must not wipe what the officer is typing.
  const note = card.querySelector("input[name=note]");
  note.value = state.drafts[task.id] || "";
  note.addEventListener("input", () => { state.drafts[task.id] = note.value; });
  for (const button of card.querySelectorAll("button[data-to]")) {
    button.addEventListener("click", () => act(task, button.dataset.to));
  }
  card.querySelector("[data-note]").addEventListener("click", () => addNote(task, card));
  card.querySelector("[data-photo]").addEventListener("change", (e) => addPhoto(task, e.target));
  return card;
}

async function act(task, to) {
  if (to === "completed") return openComplete(task);
  const body = { status: to };
  if (to === "rejected") {
    body.reason = prompt(t("field.reject_reason")) || "";
    if (!body.reason) return;
  }
  await queue({ kind: "status", taskId: task.id, body });
}

async function queue(entry) {
  await enqueue(entry);
  if (entry.kind === "status") {
    state.tasks.get(entry.taskId).status = entry.body.status;
    cacheTasks();
    render();
  }
  await sync();
}

async function addNote(task, card) {
  const input = card.querySelector("input[name=note]");
  if (!input.value.trim()) return;
  const text = input.value.trim();
  input.value = "";
  delete state.drafts[task.id];
  await queue({ kind: "note", taskId: task.id, text });
}

async function addPhoto(task, input) {
  const file = input.files[0];
  if (file) await queue({ kind: "photo", taskId: task.id, blob: file, name: file.name });
}

function openComplete(task) {
  state.completing = task;
  const where = state.position
    ? `${state.position.lat.toFixed(6)}, ${state.position.lon.toFixed(6)} (±${Math.round(state.position.accuracy)} m)`
    : t("field.no_gps");
  $("#violation-where").textContent = `${t("field.position")}: ${where}`;
  $("#complete").showModal();
}

function setupForms() {
  $("#complete-form").has_violation.addEventListener("change", (e) => {
    $("#violation").disabled = !e.target.checked;
  });
  $("#complete").addEventListener("close", completeClosed);
  $("#pair-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    savePairing({ device_id: data.get("device_id").trim(), secret: data.get("secret").trim() });
  });
  $("#pair-link-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = pairingToken(new FormData(event.target).get("link"));
    if (!token) {
      $("#pair .error").textContent = t("field.pair_not_a_link");
      return;
    }
    event.target.reset();
    await pairWith(token);
  });
  $("#paired-close").addEventListener("click", () => { $("#paired-setup").hidden = true; });
  const scan = $("#pair-scan");
  scan.hidden = !("BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia);
  scan.addEventListener("click", async () => {
    try {
      const token = await startScanner($("#pair-video"));
      if (token) await pairWith(token);
    } catch (failure) {
      $("#pair .error").textContent = `${t("field.scan_failed")}: ${failure.message}`;
    }
  });
}

async function completeClosed() {
  const dialog = $("#complete");
  const form = $("#complete-form");
  const task = state.completing;
  state.completing = null;
  if (dialog.returnValue !== "ok" || !task) return;
  const data = new FormData(form);
  const body = { status: "completed", outcome: data.get("outcome") };
  if (form.has_violation.checked) body.violation = violationReport(data);
  form.reset();
  $("#violation").disabled = true;
  await queue({ kind: "status", taskId: task.id, body });
}

function violationReport(data) {
  const number = (name) => (data.get(name) === "" ? null : Number(data.get(name)));
  const report = { category: data.get("category"), quantity: number("quantity"),
    unit_of_measure: data.get("unit_of_measure") || null, value_eur: number("value_eur"),
    description: data.get("description") || null };
  if (state.position) {
    report.lat = state.position.lat;
    report.lon = state.position.lon;
    report.accuracy_m = state.position.accuracy;
  }
  return report;
}

async function sync() {
  await flush((entry, error) => alert(`${t("field.refused")} (${label("outbox.kind", entry.kind)}): ${error.message}`));
  await updateOutboxBadge();
  if (navigator.onLine) await refreshTasks();
}

async function updateOutboxBadge() {
  const pending = (await entries()).length;
  const badge = $("#outbox-count");
  badge.hidden = pending === 0;
  badge.textContent = plural("outbox.pending", pending);
}

main();
