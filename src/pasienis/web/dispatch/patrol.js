// Violation layers (counts, Gi* hot spots, emerging trends) and the patrol planner of the
// dispatcher console: make a plan for a shift, see each stop and why, remove stops, publish.
/* global L */
import { api } from "/web/common/api.js";
import { formatTime, t } from "/web/common/i18n.js";
import { $, escape } from "/web/common/html.js";

const KIND_COLOURS = { hot: "#c0392b", cold: "#2e86c1" };
const TREND_COLOURS = {
  new: "#e67e22", consecutive: "#d35400", intensifying: "#c0392b", persistent: "#8e44ad",
  diminishing: "#2980b9", sporadic: "#16a085", oscillating: "#7f8c8d", historical: "#95a5a6",
};

const state = { map: null, layer: null, planLayer: null, plan: null };

export function setupPatrol(map) {
  state.map = map;
  $("#violations-layer").addEventListener("change", (e) => showLayer(e.target.value));
  $("#violations-charts").addEventListener("toggle", (e) => { if (e.target.open) showCharts(); });
  $("#plan-form").addEventListener("submit", makePlan);
  $("#plan-publish").addEventListener("click", publishPlan);
  const start = new Date();
  start.setMinutes(0, 0, 0);
  start.setHours(start.getHours() + 1);
  $("#plan-form input[name=start]").value = localInput(start);
  $("#plan-form input[name=hours]").value = "8";
  showSchedule();
}

function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T`
    + `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

async function showLayer(kind) {
  const status = $("#violations-status");
  if (state.layer) state.layer.remove();
  state.layer = null;
  status.textContent = "";
  if (!kind) return;
  status.textContent = t("violations.loading");
  try {
    const geo = await api(`/api/violations/analysis/${kind}?format=geojson`);
    state.layer = L.geoJSON(geo, { style: (f) => cellStyle(kind, f.properties) })
      .bindTooltip((l) => cellTip(kind, l.feature.properties)).addTo(state.map);
    const summary = geo.properties.summary || {};
    status.textContent = t(`violations.summary.${kind}`, summary);
    status.dataset.cells = String(geo.features.length);
  } catch (error) {
    status.textContent = error.message;
  }
}

function cellStyle(kind, p) {
  if (kind === "hotspots") {
    const colour = KIND_COLOURS[p.kind];
    return colour ? { color: colour, weight: 1, fillColor: colour, fillOpacity: 0.25 + p.confidence / 2 }
      : { stroke: false, fillOpacity: 0 };
  }
  if (kind === "emerging") {
    const colour = TREND_COLOURS[p.category] || "#999";
    return { color: colour, weight: 1, fillColor: colour, fillOpacity: 0.6 };
  }
  const strength = Math.min(1, (p.count || 0) / 10);
  return { color: "#a04000", weight: 0.5, fillColor: "#e67e22", fillOpacity: 0.2 + 0.6 * strength };
}

function cellTip(kind, p) {
  if (kind === "hotspots") return `${t(`violations.kind.${p.kind}`)} · z ${p.z} · ${p.count}`;
  if (kind === "emerging") return t(`violations.trend.${p.category}`);
  return `${p.count}`;
}

async function makePlan(event) {
  event.preventDefault();
  const form = event.target;
  const error = form.querySelector(".error");
  error.textContent = "";
  const start = new Date(form.start.value);
  const end = new Date(start.getTime() + Number(form.hours.value) * 3600 * 1000);
  form.querySelector("button[type=submit]").disabled = true;
  $("#plan-status").textContent = t("plan.solving");
  try {
    state.plan = await api("/api/planning/patrols", { method: "POST", body: {
      shift_start: start.toISOString(), shift_end: end.toISOString(),
      randomised: form.randomised.checked, time_limit_s: 5, candidates: 300,
    } });
    renderPlan();
  } catch (e) {
    error.textContent = e.hint ? `${e.message} — ${e.hint}` : e.message;
    $("#plan-status").textContent = "";
  } finally {
    form.querySelector("button[type=submit]").disabled = false;
  }
}

function renderPlan() {
  const plan = state.plan;
  if (state.planLayer) state.planLayer.remove();
  state.planLayer = L.layerGroup().addTo(state.map);
  const list = $("#plan-stops");
  list.innerHTML = "";
  const published = plan.status === "published";
  const byUnit = new Map();
  for (const stop of plan.stops) {
    if (!byUnit.has(stop.unit_id)) byUnit.set(stop.unit_id, []);
    byUnit.get(stop.unit_id).push(stop);
  }
  for (const [, stops] of byUnit) {
    L.polyline(stops.map((s) => [s.lat, s.lon]), { color: "#1f618d", weight: 2, dashArray: "5 4" })
      .addTo(state.planLayer);
  }
  plan.stops.forEach((stop, index) => {
    L.circleMarker([stop.lat, stop.lon], { radius: 7, color: "#1f618d", fillOpacity: 0.8 })
      .bindTooltip(`${escape(stop.call_sign)} #${stop.order}`).addTo(state.planLayer);
    const item = document.createElement("li");
    item.dataset.stop = String(index);
    item.innerHTML = `<strong>${escape(stop.call_sign)} #${stop.order}</strong>
      ${escape(formatTime(stop.arrive_at))}–${escape(formatTime(stop.leave_at))}
      <div class="muted">${escape(stop.reason)}</div>`;
    if (!published) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = t("plan.remove");
      remove.setAttribute("aria-label", `${t("plan.remove")} ${stop.call_sign} #${stop.order}`);
      remove.addEventListener("click", () => removeStop(index));
      item.append(remove);
    }
    list.append(item);
  });
  const summary = plan.summary || {};
  const parts = [t("plan.covered", { covered: plan.covered_risk, total: plan.total_risk,
    greedy: summary.greedy_covered_risk })];
  if (summary.entropy_bits !== undefined) parts.push(t("plan.entropy", { bits: summary.entropy_bits }));
  parts.push(t(published ? "plan.published" : "plan.draft", { version: plan.version }));
  $("#plan-status").textContent = parts.join(" · ");
  $("#plan-publish").hidden = published || plan.stops.length === 0;
}

async function removeStop(index) {
  const stops = state.plan.stops.filter((_, i) => i !== index);
  try {
    state.plan = await api(`/api/planning/patrols/${state.plan.id}/stops`, {
      method: "PUT", body: { stops } });
    renderPlan();
  } catch (e) {
    $("#plan-form .error").textContent = e.message;
  }
}

async function publishPlan() {
  $("#plan-publish").disabled = true;
  try {
    state.plan = await api(`/api/planning/patrols/${state.plan.id}/publish`, { method: "POST" });
    renderPlan();
  } catch (e) {
    $("#plan-form .error").textContent = e.message;
  } finally {
    $("#plan-publish").disabled = false;
  }
}

// Scheduled tasks of the next seven days, planned against unit shifts; conflicts stand out.
export async function showSchedule() {
  const list = $("#schedule-list");
  const start = new Date();
  const end = new Date(start.getTime() + 7 * 86400 * 1000);
  const query = `start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`;
  let occurrences;
  try {
    occurrences = await api(`/api/planning/occurrences?${query}`);
  } catch (error) {
    list.textContent = error.message;
    return;
  }
  list.innerHTML = "";
  const conflicts = occurrences.filter((o) => o.conflicts.length).length;
  $("#schedule-status").textContent = t("schedule.summary", { n: occurrences.length, conflicts });
  for (const occ of occurrences) {
    const item = document.createElement("li");
    item.className = occ.conflicts.length ? "conflict" : "";
    const unit = occ.unit_id ? t("schedule.unit_planned") : t("schedule.unit_none");
    item.innerHTML = `<strong>${escape(occ.title)}</strong> ${escape(formatTime(occ.starts_at))}
      <div class="muted">${escape(unit)}${occ.task_id ? ` · ${escape(t("schedule.task_made"))}` : ""}</div>
      ${occ.conflicts.map((c) => `<div class="error">${escape(c)}</div>`).join("")}`;
    list.append(item);
  }
  $("#schedule-make").onclick = async () => {
    await api(`/api/planning/occurrences/materialise?${query}`, { method: "POST" });
    await showSchedule();
  };
}

// Hour-of-week heat map (local time) and counts by month, from the same registry.
async function showCharts() {
  const [hours, months] = await Promise.all([
    api("/api/violations/analysis/hours"), api("/api/violations/analysis/months"),
  ]).catch((error) => { $("#violations-status").textContent = error.message; return [null, null]; });
  if (!hours) return;
  const top = Math.max(1, ...hours.rows.map((r) => r.count));
  const days = [...new Set(hours.rows.map((r) => r.weekday))];
  const table = $("#hour-of-week");
  table.innerHTML = `<tr><th></th>${[...Array(24).keys()].map((h) => `<th>${h}</th>`).join("")}</tr>`;
  for (const day of days) {
    const cells = hours.rows.filter((r) => r.weekday === day).map((r) => {
      const alpha = (r.count / top).toFixed(2);
      return `<td style="background: rgba(192,57,43,${alpha})" title="${escape(day)} ${r.hour}:00 — ${r.count}">${r.count || ""}</td>`;
    });
    table.insertAdjacentHTML("beforeend", `<tr><th>${escape(t(`weekday.${day}`))}</th>${cells.join("")}</tr>`);
  }
  const totals = new Map();
  for (const row of months.rows) totals.set(row.month, (totals.get(row.month) || 0) + row.count);
  const most = Math.max(1, ...totals.values());
  $("#months").innerHTML = [...totals].map(([month, n]) =>
    `<li data-month="${escape(month)}"><span>${escape(month)}</span>`
    + `<span class="bar" style="width:${Math.round((100 * n) / most)}%"></span><span>${n}</span></li>`).join("");
}
