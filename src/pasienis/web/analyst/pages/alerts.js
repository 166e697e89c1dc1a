// Alerts inbox: watchlist hits newest first, live over the alerts WebSocket (/api/alerts/ws,
// resumed from the last cursor after a reconnect), each with its evidence; acknowledge or dismiss
// with a reason, and turn a located (vehicle) alert into a field task — the operations side
// creates it and it appears in the dispatcher console. New alerts are added per animation frame.
import { loadStyle } from "/web/common/basemap.js";
import { ReconnectingSocket } from "/web/common/ws.js";

let socket = null;

export function unmount() {
  if (socket) socket.close();
  socket = null;
}

export async function mount(root, app) {
  loadStyle("/web/analyst/pages/tools.css");
  const { t } = app;
  root.innerHTML = `
    <section class="alerts" aria-labelledby="alerts-title">
      <h1 id="alerts-title">${t("analyst.alerts.title")} <span id="alerts-conn" class="badge">${t("analyst.alerts.offline")}</span></h1>
      <label>${t("analyst.alerts.show")}
        <select id="alerts-status">
          <option value="open">${t("analyst.alerts.status.open")}</option>
          <option value="acknowledged">${t("analyst.alerts.status.acknowledged")}</option>
          <option value="dismissed">${t("analyst.alerts.status.dismissed")}</option>
          <option value="withdrawn">${t("analyst.alerts.status.withdrawn")}</option>
          <option value="">${t("analyst.alerts.all")}</option>
        </select></label>
      <label>${t("analyst.alerts.case")}
        <select id="alerts-case"><option value="">—</option></select></label>
      <p id="alerts-count" class="muted" aria-live="polite"></p>
      <ul id="alerts-list" class="list alerts-list"></ul>
    </section>`;
  const state = { alerts: new Map(), status: "open", cursor: null, pending: [], frame: 0, loads: 0 };
  root.querySelector("#alerts-status").addEventListener("change", async (event) => {
    state.status = event.target.value;
    await load(app, root, state);
  });
  // Live feed first, then the list: an alert raised in between is in the list or pushed
  // (a push of a listed alert replaces its row), never lost.
  let online;
  const connected = new Promise((resolve) => { online = resolve; });
  socket = new ReconnectingSocket("/api/alerts/ws", {
    onMessage: (message) => onLive(app, root, state, message),
    onState: (s) => {
      if (s === "online") online();
      const badge = root.querySelector("#alerts-conn");
      if (!badge) return;
      badge.textContent = t(`analyst.alerts.${s}`);
      badge.className = `badge ${s}`;
    },
  });
  // Resume after a reconnect from the last cursor (the server replays what was raised meanwhile).
  const url = socket.url.bind(socket);
  socket.url = () => url() + (state.cursor ? `?after=${state.cursor}` : "");
  await Promise.race([connected, new Promise((resolve) => { setTimeout(resolve, 3000); })]);
  await Promise.all([load(app, root, state), fillCases(app, root)]);
}

// The open cases an alert can be added to (the picker above the list).
async function fillCases(app, root) {
  const pick = root.querySelector("#alerts-case");
  try {
    const cases = await app.api("/api/cases");
    pick.innerHTML = `<option value="">—</option>` + cases.filter((c) => c.status === "open")
      .map((c) => `<option value="${app.escape(c.id)}">${app.escape(c.title)}</option>`).join("");
  } catch (error) {
    app.showError(root.querySelector("#alerts-count"), error);
  }
}

async function load(app, root, state) {
  const query = state.status ? `?status=${state.status}&limit=200` : "?limit=200";
  // Only the latest load draws: a slower earlier one (the first list, while the filter was
  // already changed) must not replace the list the analyst asked for.
  const mine = ++state.loads;
  try {
    const rows = await app.api(`/api/alerts${query}`);
    if (mine !== state.loads) return;
    state.alerts = new Map(rows.map((a) => [a.id, a]));
  } catch (error) {
    app.showError(root.querySelector("#alerts-count"), error);
    return;
  }
  const list = root.querySelector("#alerts-list");
  list.innerHTML = "";
  for (const alert of state.alerts.values()) list.append(item(app, root, state, alert));
  count(app, root, state);
}

function count(app, root, state) {
  root.querySelector("#alerts-count").textContent = app.t("analyst.alerts.count", { n: state.alerts.size });
}

function onLive(app, root, state, message) {
  if (message.type !== "alerts") return;
  state.cursor = message.cursor;
  state.pending.push(...message.alerts);
  if (state.frame) return;
  state.frame = requestAnimationFrame(() => {
    state.frame = 0;
    const list = root.querySelector("#alerts-list");
    if (!list) return;
    for (const alert of state.pending.splice(0)) {
      const known = list.querySelector(`[data-alert="${CSS.escape(alert.id)}"]`);
      if (state.status && alert.status !== state.status) {
        // e.g. withdrawn by re-screening while the open ones are shown: it leaves the list.
        if (known) { known.remove(); state.alerts.delete(alert.id); }
        continue;
      }
      const node = item(app, root, state, alert);
      node.classList.add("new");
      if (known) known.replaceWith(node); else list.prepend(node);
      state.alerts.set(alert.id, alert);
    }
    count(app, root, state);
  });
}

function evidenceText(app, alert) {
  const entry = (alert.evidence && alert.evidence.entry) || {};
  const record = (alert.evidence && alert.evidence.record) || {};
  const listed = entry.name || (entry.identifiers || []).map((i) => i.value).join(", ");
  const seen = record.plate_raw || record.plate || (record.names || []).join(", ") || record.name || "";
  return app.t("analyst.alerts.evidence", { listed: listed || "?", seen, reason: entry.reason || "",
    score: alert.score == null ? "—" : Number(alert.score).toFixed(2) });
}

// Birth dates the record lacked and took from its travel document's other records: the
// analyst sees where each came from before acting on the alert.
function borrowedText(app, alert) {
  const record = (alert.evidence && alert.evidence.record) || {};
  return Object.entries(record.borrowed_birth_dates || {}).map(([dob, sources]) =>
    app.t("analyst.alerts.borrowed", { dob, from: sources.map((s) =>
      `${s.name || s.record} (${(s.document || {}).field || "?"} ${(s.document || {}).value || "?"})`)
      .join(", ") })).join(" ");
}

// Why the alert has its status: the officer's reason, or what re-screening found (said in the
// page's language from the evidence; the stored reason is the English log line).
function statusText(app, alert) {
  if (alert.status_by !== "re-screening") {
    return app.t("analyst.alerts.reason_was", { reason: alert.status_reason });
  }
  if (alert.status === "open") return app.t("analyst.alerts.reopened");
  const record = (alert.evidence && alert.evidence.record) || {};
  const entry = (alert.evidence && alert.evidence.entry) || {};
  return app.t("analyst.alerts.withdrawn_by", {
    dobs: Object.keys(record.borrowed_birth_dates || {}).join(", ") || "—",
    listed: entry.birth_date || "—" });
}

function item(app, root, state, alert) {
  const e = app.escape;
  const li = document.createElement("li");
  li.dataset.alert = alert.id;
  li.dataset.status = alert.status;
  const located = alert.lat != null && alert.lon != null;
  li.innerHTML = `
    <div><span class="badge p${e(alert.priority)}">P${e(alert.priority)}</span>
      <strong>${e(app.label("analyst.alerts.kind", alert.kind))}</strong>
      <span class="badge status">${e(app.label("analyst.alerts.status", alert.status))}</span>
      <span class="muted">${e(app.formatTime(alert.occurred_at || alert.created_at))}</span></div>
    <p class="evidence"></p><p class="borrowed muted"></p>
    ${alert.status_reason ? `<p class="muted status-reason">${e(statusText(app, alert))}</p>` : ""}
    <form class="alert-actions">
      <label>${app.t("analyst.alerts.reason")}<input name="reason" maxlength="2000" autocomplete="off"></label>
      <button type="submit" name="action" value="acknowledge" ${alert.status !== "open" ? "disabled" : ""}>${app.t("analyst.alerts.acknowledge")}</button>
      <button type="submit" name="action" value="dismiss" ${["dismissed", "withdrawn"].includes(alert.status) ? "disabled" : ""}>${app.t("analyst.alerts.dismiss")}</button>
      <button type="submit" name="action" value="task" ${located && alert.status !== "withdrawn" ? "" : "disabled"} title="${located ? "" : e(app.t("analyst.alerts.not_located"))}">${app.t("analyst.alerts.to_task")}</button>
      <button type="submit" name="action" value="case" class="to-case">${app.t("analyst.alerts.to_case")}</button>
      <p class="error" role="alert"></p><p class="done muted" aria-live="polite"></p>
    </form>`;
  li.querySelector(".evidence").textContent = evidenceText(app, alert);
  const borrowed = li.querySelector(".borrowed");
  borrowed.textContent = borrowedText(app, alert);
  borrowed.hidden = !borrowed.textContent;
  const form = li.querySelector("form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(app, root, state, alert, form, event.submitter ? event.submitter.value : "acknowledge");
  });
  return li;
}

async function act(app, root, state, alert, form, action) {
  const error = form.querySelector(".error");
  const done = form.querySelector(".done");
  app.showError(error, null);
  const reason = form.elements.reason.value.trim();
  try {
    if (action === "case") {
      const pick = root.querySelector("#alerts-case");
      if (!pick.value) { error.textContent = app.t("analyst.alerts.pick_case"); pick.focus(); return; }
      await app.api(`/api/cases/${encodeURIComponent(pick.value)}/items`, { method: "POST",
        body: { kind: "alert", ref: alert.id, title: `${app.label("analyst.alerts.kind", alert.kind)} · ${evidenceText(app, alert)}`.slice(0, 200) } });
      done.textContent = app.t("analyst.alerts.added_to_case", { title: pick.selectedOptions[0].textContent });
      return;
    }
    if (action === "task") {
      await app.api(`/api/alerts/${encodeURIComponent(alert.id)}/task`, { method: "POST" });
      done.textContent = app.t("analyst.alerts.task_sent");
      form.closest("li").dataset.task = "sent";
      return;
    }
    if (!reason) { error.textContent = app.t("analyst.alerts.reason_needed"); form.elements.reason.focus(); return; }
    const updated = await app.api(`/api/alerts/${encodeURIComponent(alert.id)}/${action}`,
      { method: "POST", body: { reason } });
    state.alerts.set(updated.id, { ...alert, ...updated });
    const node = item(app, root, state, { ...alert, ...updated });
    form.closest("li").replaceWith(node);
    node.querySelector(".done").textContent = app.t(`analyst.alerts.done.${action}`);
    node.querySelector("button:not([disabled])")?.focus();
  } catch (err) {
    app.showError(error, err);
  }
}
