// Audit log for auditors: who looked at what, when, from where and why ("who looked at this
// person in March?"), and verification of the hash chain naming the first bad entry.
import { api } from "/web/common/api.js";
import { formatTime, t } from "/web/common/i18n.js";
import { $, escape, label, showError, startApp } from "/web/common/shell.js";

const PAGE = 100;
const ZONE = "Europe/Vilnius";
const state = { query: null, offset: 0, entries: [], badSeq: null, generation: 0 };

async function main() {
  if (!(await startApp("auditor"))) return;
  $("#search-form").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  $("#search-form").addEventListener("reset", () => setTimeout(search, 0));
  $("#more").addEventListener("click", () => load(false));
  $("#verify").addEventListener("click", verify);
  applyUrl();
  await search();
}

// A search can be linked to: /web/audit/?entity=NK-1&since=2026-03-01&until=2026-03-31
function applyUrl() {
  const params = new URLSearchParams(location.search);
  const form = $("#search-form");
  for (const name of ["entity", "user", "action", "since", "until"]) {
    if (params.get(name)) form.elements.namedItem(name).value = params.get(name);
  }
}

// Minutes Vilnius is ahead of UTC at the instant `ms`.
function zoneOffset(ms) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: ZONE, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(ms)).map((p) => [p.type, Number(p.value)]));
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((local - ms) / 60000);
}

// The UTC instant of midnight in Vilnius on `date` (YYYY-MM-DD) plus `days`, as ISO text.
function vilniusMidnight(date, days = 0) {
  const [y, m, d] = date.split("-").map(Number);
  const guess = Date.UTC(y, m - 1, d + days);
  let instant = guess - zoneOffset(guess) * 60000;
  instant = guess - zoneOffset(instant) * 60000; // again, in case DST changes that night
  return new Date(instant).toISOString();
}

function readQuery() {
  const data = new FormData($("#search-form"));
  const query = new URLSearchParams();
  for (const name of ["entity", "user", "action"]) {
    const value = String(data.get(name) || "").trim();
    if (value) query.set(name, value);
  }
  const since = data.get("since");
  const until = data.get("until");
  if (since && until && until < since) throw new Error(t("audit.bad_range"));
  if (since) query.set("since", vilniusMidnight(since));
  if (until) query.set("until", vilniusMidnight(until, 1)); // the whole "to" day is included
  return query;
}

async function search() {
  const error = $("#search-form .error");
  try {
    state.query = readQuery();
  } catch (problem) {
    error.textContent = problem.message;
    return;
  }
  showError(error, null);
  state.offset = 0;
  state.entries = [];
  await load(true);
}

async function load(fresh) {
  const query = new URLSearchParams(state.query);
  query.set("limit", String(PAGE));
  query.set("offset", String(state.offset));
  const generation = ++state.generation;
  try {
    const rows = await api(`/api/audit?${query}`);
    if (generation !== state.generation) return; // a newer search was started meanwhile
    state.entries = fresh ? rows : state.entries.concat(rows);
    state.offset += rows.length;
    $("#more").hidden = rows.length < PAGE;
    render();
  } catch (problem) {
    showError($("#search-form .error"), problem);
  }
}

function who(entry) {
  const kind = entry.actor_kind ? ` <span class="badge">${escape(label("audit.kind", entry.actor_kind))}</span>` : "";
  return `<strong>${escape(entry.actor_name || t("audit.anonymous"))}</strong>${kind}`;
}

// {"dataset": "border", "user": "ana"} → "dataset: border · user: ana"
function pairs(value) {
  if (value === null || value === undefined) return [];
  if (typeof value !== "object") return [String(value)];
  return Object.entries(value).map(([key, v]) =>
    `${key}: ${v !== null && typeof v === "object" ? JSON.stringify(v) : String(v)}`);
}

function what(entry) {
  const extra = [...pairs(entry.query), ...pairs(entry.detail)];
  return `<span class="mono action">${escape(entry.action)}</span>${extra.length
    ? `<span class="sub mono">${escape(extra.join(" · "))}</span>` : ""}`;
}

function row(entry) {
  const entities = entry.entity_ids.map((id) => `<span class="entity mono">${escape(id)}</span>`).join("");
  // A purpose is owed for consulting personal data (entries naming entities); elsewhere "—".
  const purpose = entry.purpose ? escape(entry.purpose) : entry.entity_ids.length
    ? `<span class="purpose-missing">${escape(t("audit.no_purpose"))}</span>` : '<span class="muted">—</span>';
  return `<tr data-seq="${Number(entry.seq)}" class="${entry.seq === state.badSeq ? "bad" : ""}">
    <td class="mono">${Number(entry.seq)}</td>
    <td class="nowrap">${escape(formatTime(entry.at))}</td>
    <td>${who(entry)}</td>
    <td>${what(entry)}</td>
    <td>${entities || '<span class="muted">—</span>'}</td>
    <td class="purpose">${purpose}</td>
    <td>${escape(entry.ip || "—")}<span class="sub ua" title="${escape(entry.user_agent || "")}">${escape(entry.user_agent || "")}</span></td>
    <td><span class="badge outcome-${escape(entry.outcome)}">${escape(label("audit.outcome", entry.outcome))}</span></td>
  </tr>`;
}

function render() {
  const body = $("#entries tbody");
  // A counter of finished renders lets tests (and scripts) wait for this search's answer.
  state.renders = (state.renders || 0) + 1;
  $("#entries").dataset.rendered = String(state.renders);
  body.innerHTML = state.entries.length ? state.entries.map(row).join("")
    : `<tr><td colspan="8" class="empty">${escape(t("audit.no_entries"))}</td></tr>`;
  $("#count").textContent = state.entries.length
    ? t("audit.count", { n: state.entries.length }) : "";
}

const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);

async function verify() {
  const box = $("#verify-result");
  const button = $("#verify");
  button.disabled = true;
  box.hidden = false;
  box.className = "";
  box.textContent = t("audit.verifying");
  try {
    const result = await api("/api/audit/verify");
    state.badSeq = result.ok ? null : result.first_bad_seq;
    box.className = result.ok ? "intact" : "broken";
    box.innerHTML = result.ok
      ? `<p><strong>${escape(t("audit.intact"))}</strong> ${escape(t("audit.checked", { n: result.checked }))}</p>`
      : `<p><strong>${escape(t("audit.broken"))}</strong>
           ${escape(t("audit.first_bad", { seq: result.first_bad_seq }))}</p>
         <p>${escape(capitalise(result.reason || ""))}</p><div id="bad-entry"></div>`;
    if (!result.ok) await showBadEntry(result.first_bad_seq);
    render();
  } catch (problem) {
    box.className = "broken";
    showError(box, problem);
  } finally {
    button.disabled = false;
  }
}

// The log has no "by number" search: read a window of the newest entries around the bad one.
async function showBadEntry(seq) {
  const target = $("#bad-entry");
  try {
    const [head] = await api("/api/audit?limit=1");
    const offset = Math.max(0, head.seq - seq - 25);
    const rows = await api(`/api/audit?limit=60&offset=${offset}`);
    const bad = rows.find((entry) => entry.seq === seq);
    target.innerHTML = bad
      ? `<p>${escape(t("audit.bad_entry_now"))}</p><div class="table-scroll"><table class="grid">
          <tbody>${row(bad)}</tbody></table></div>`
      : `<p>${escape(t("audit.bad_entry_missing"))}</p>`;
  } catch (problem) {
    showError(target, problem);
  }
}

main().catch((problem) => showError($("#search-form .error"), problem));
