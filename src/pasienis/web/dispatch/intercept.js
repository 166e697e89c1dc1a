// Interception in the dispatcher console: plate → its latest reads → proposals on the map →
// one click makes the task for the unit that gets there in time.
/* global L */
import { ApiError, api } from "/web/common/api.js";
import { $, activatable, escape } from "/web/common/html.js";
import { formatTime, t } from "/web/common/i18n.js";

const intercept = { layer: null, map: null, onTask: null };
const minutes = (seconds) => Math.round(seconds / 60);

/** Wire the interception panel to the map; `onTask(task)` is told of each task it creates. */
export function setupIntercept(map, onTask) {
  intercept.map = map;
  intercept.onTask = onTask;
  intercept.layer = L.layerGroup().addTo(map);
  $("#intercept-form").addEventListener("submit", findReads);
  $("#intercept-clear").addEventListener("click", clearIntercept);
}

function clearIntercept() {
  intercept.layer.clearLayers();
  $("#intercept-reads").innerHTML = "";
  $("#intercept-result").innerHTML = "";
  $("#intercept-form .error").textContent = "";
}

function showInterceptError(error) {
  const hint = error instanceof ApiError && error.hint ? ` — ${error.hint}` : "";
  $("#intercept-form .error").textContent = (error instanceof ApiError ? error.message : String(error)) + hint;
}

async function findReads(event) {
  event.preventDefault();
  const plate = String(new FormData(event.target).get("plate") || "").trim();
  clearIntercept();
  try {
    const query = new URLSearchParams({ limit: "10" });
    if (plate) query.set("plate", plate);
    const reads = await api(`/api/ops/plate-reads?${query}`);
    const list = $("#intercept-reads");
    if (!reads.length) {
      list.innerHTML = `<li class="muted">${escape(t("intercept.no_reads"))}</li>`;
      return;
    }
    for (const read of reads) {
      const li = document.createElement("li");
      li.dataset.read = read.id;
      li.innerHTML = `<strong>${escape(read.plate)}</strong>
        <span class="muted">${escape(formatTime(read.occurred_at))} · ${escape(read.camera_id)}</span>`;
      activatable(li, () => propose(read));
      list.append(li);
    }
    if (plate) await propose(reads[0]); // the newest read of the plate asked for
  } catch (error) {
    showInterceptError(error);
  }
}

async function propose(read) {
  for (const li of document.querySelectorAll("#intercept-reads li")) {
    li.classList.toggle("selected", li.dataset.read === read.id);
  }
  const body = { read_id: read.id };
  if ($("#intercept-form input[name=replay]").checked) body.now = read.occurred_at;
  $("#intercept-result").innerHTML = "";
  $("#intercept-form .error").textContent = "";
  try {
    const answer = await api("/api/ops/intercept", { method: "POST", body });
    drawIntercept(answer);
    renderProposals(answer);
  } catch (error) {
    intercept.layer.clearLayers();
    showInterceptError(error);
  }
}

function drawIntercept(answer) {
  intercept.layer.clearLayers();
  const estimate = answer.route.method !== "valhalla";
  const line = L.polyline(answer.route.geometry, { color: "#6b21a8", weight: 4, interactive: false,
    dashArray: estimate ? "6 6" : null }).addTo(intercept.layer);
  L.circleMarker([answer.read.lat, answer.read.lon], { radius: 7, color: "#14202e", fillOpacity: 0.9 })
    .bindTooltip(escape(`${answer.read.plate} · ${answer.read.camera_id}`)).addTo(intercept.layer);
  const d = answer.destination;
  L.circleMarker([d.lat, d.lon], { radius: 8, color: "#6b21a8", fillOpacity: 0.6 })
    .bindTooltip(escape(d.name || `${d.lat}, ${d.lon}`)).addTo(intercept.layer);
  answer.proposals.forEach((p, i) => {
    L.circleMarker([p.lat, p.lon], { radius: 9, color: "#1a7f37", fillOpacity: 0.85 })
      .bindTooltip(escape(`${i + 1}. ${p.call_sign} · ${t("intercept.margin", { min: minutes(p.margin_s) })}`))
      .on("click", (event) => { L.DomEvent.stopPropagation(event); createInterceptTask(answer, p); })
      .addTo(intercept.layer);
  });
  intercept.map.fitBounds(line.getBounds(), { padding: [30, 30], maxZoom: 12 });
}

function renderProposals(answer) {
  const box = $("#intercept-result");
  const d = answer.destination;
  const name = d.name || `${d.lat.toFixed(4)}, ${d.lon.toFixed(4)}`;
  box.dataset.routePoints = String(answer.route.geometry.length);
  box.innerHTML = `<p>${escape(t("intercept.heading", { name, how: t(`intercept.chosen.${d.chosen_by}`) }))}</p>
    <p class="muted">${escape(t("intercept.route", { km: (answer.route.metres / 1000).toFixed(1),
      min: minutes(answer.route.seconds), method: answer.route.method }))}</p>
    ${answer.route.method === "valhalla" ? "" : `<p class="estimate">${escape(t("intercept.estimate"))}</p>`}`;
  if (!answer.proposals.length) {
    box.insertAdjacentHTML("beforeend", `<p class="muted" id="intercept-none">${escape(t("intercept.none"))}</p>`);
    return;
  }
  answer.proposals.forEach((p, i) => {
    const row = document.createElement("div");
    row.className = "proposal";
    row.dataset.unit = p.unit_id;
    row.innerHTML = `<span class="rank">${i + 1}</span><div class="grow">
      <strong>${escape(p.call_sign)}</strong> <span class="badge method">${escape(p.method)}</span><br>
      <span class="unit-eta">${escape(t("intercept.unit_eta", { min: minutes(p.unit_eta_s), at: formatTime(p.unit_at) }))}</span><br>
      <span class="vehicle-eta">${escape(t("intercept.vehicle_eta", { min: minutes(p.vehicle_eta_s), at: formatTime(p.vehicle_at) }))}</span><br>
      <span class="muted">${escape(t("intercept.margin", { min: minutes(p.margin_s) }))}
      · ${escape(t("intercept.along", { km: (p.along_m / 1000).toFixed(1) }))}</span></div>`;
    const button = document.createElement("button");
    button.className = "primary";
    button.textContent = t("intercept.create");
    button.addEventListener("click", () => createInterceptTask(answer, p, button));
    row.append(button);
    box.append(row);
  });
}

async function createInterceptTask(answer, p, button) {
  if (button) button.disabled = true;
  const description = t("intercept.task_text", { plate: answer.read.plate, camera: answer.read.camera_id,
    read_at: formatTime(answer.read.occurred_at), unit_at: formatTime(p.unit_at),
    vehicle_at: formatTime(p.vehicle_at), margin: minutes(p.margin_s), method: p.method });
  const body = { lat: p.lat, lon: p.lon, category: "vehicle_stop", priority: 1, description,
    entity_ids: answer.vehicle_id ? [answer.vehicle_id] : [], unit: p.unit_id };
  // Due when the vehicle passes the point (not in a replay, where that time is long gone).
  if (new Date(p.vehicle_at) > Date.now()) body.due_at = p.vehicle_at;
  try {
    const task = await api("/api/tasks", { method: "POST", body });
    await intercept.onTask(task);
  } catch (error) {
    if (button) button.disabled = false;
    showInterceptError(error);
  }
}

