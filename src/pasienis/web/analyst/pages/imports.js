// Import page (administrators): upload a file, get a draft mapping, edit it with a live preview
// of the first records as entities (check + preview API; nothing is written), run the import as
// a job and watch its progress, then see the quarantined rows and retry them with the fixed
// mapping (the same file re-imported with force: rows that now pass are resolved by that run).
import { loadStyle } from "/web/common/basemap.js";

const PREVIEW_ROWS = 20;
const DEBOUNCE_MS = 500;
let timer = null;
let polling = null;

export function unmount() {
  clearTimeout(timer);
  clearTimeout(polling);
}

export async function mount(root, app) {
  loadStyle("/web/analyst/pages/tools.css");
  const { t } = app;
  root.innerHTML = `
    <section class="imports" aria-labelledby="imports-title">
      <h1 id="imports-title">${t("analyst.imports.title")}</h1>
      <p class="muted">${t("analyst.imports.intro")}</p>
      <form id="imports-upload">
        <label>${t("analyst.imports.file")}
          <input type="file" name="file" id="imports-file" required accept=".csv,.tsv,.xlsx,.json,.jsonl,.xml,.txt"></label>
        <button type="submit" class="primary">${t("analyst.imports.draft")}</button>
        <p class="error" role="alert"></p>
      </form>
      <div id="imports-editor" hidden>
        <p id="imports-summary" class="muted" aria-live="polite"></p>
        <div class="imports-split">
          <label class="imports-yaml">${t("analyst.imports.mapping")}
            <textarea id="imports-mapping" rows="22" spellcheck="false"></textarea></label>
          <div>
            <h2>${t("analyst.imports.preview")}</h2>
            <ul id="imports-problems" class="list problems" aria-live="polite"></ul>
            <div id="imports-preview" aria-live="polite"></div>
          </div>
        </div>
        <button type="button" id="imports-run" class="primary">${t("analyst.imports.run")}</button>
        <p class="error" id="imports-run-error" role="alert"></p>
        <div id="imports-job" aria-live="polite"></div>
      </div>
      <section aria-labelledby="imports-q-title">
        <h2 id="imports-q-title">${t("analyst.imports.quarantine")}</h2>
        <button type="button" id="imports-retry" hidden>${t("analyst.imports.retry")}</button>
        <table id="imports-quarantine" class="grid"><caption class="muted"></caption>
          <thead><tr><th scope="col">${t("analyst.imports.locator")}</th><th scope="col">${t("analyst.imports.field")}</th>
          <th scope="col">${t("analyst.imports.value")}</th><th scope="col">${t("analyst.imports.reason")}</th></tr></thead>
          <tbody></tbody></table>
      </section>
    </section>`;
  const state = { file: null, dataset: null };
  const $ = (s) => root.querySelector(s);
  $("#imports-upload").addEventListener("submit", async (event) => {
    event.preventDefault();
    state.file = $("#imports-file").files[0];
    app.showError($("#imports-upload .error"), null);
    try {
      await draft(app, root, state);
    } catch (error) { app.showError($("#imports-upload .error"), error); }
  });
  $("#imports-mapping").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => preview(app, root, state), DEBOUNCE_MS);
  });
  $("#imports-run").addEventListener("click", () => runImport(app, root, state, false));
  $("#imports-retry").addEventListener("click", () => runImport(app, root, state, true));
  if (!app.user.roles.includes("administrator")) {
    $("#imports-upload").hidden = true;
    root.querySelector(".muted").textContent = t("analyst.imports.admins_only");
  }
  await showQuarantine(app, root, state);
}

function form(state, mappingText, extra = {}) {
  const data = new FormData();
  data.append("file", state.file, state.file.name);
  if (mappingText !== undefined) {
    data.append("mapping", new Blob([mappingText], { type: "application/yaml" }), "mapping.yml");
  }
  for (const [key, value] of Object.entries(extra)) data.append(key, value);
  return data;
}

async function draft(app, root, state) {
  const found = await app.api("/api/mappings/draft", { method: "POST", body: form(state) });
  root.querySelector("#imports-editor").hidden = false;
  root.querySelector("#imports-mapping").value = found.yaml;
  root.querySelector("#imports-summary").textContent = app.t("analyst.imports.drafted", {
    format: found.format, records: found.records, columns: found.columns.length });
  await preview(app, root, state);
}

function datasetOf(yaml) {
  const match = /^dataset:\s*["']?([\w.-]+)/m.exec(yaml);
  return match ? match[1] : null;
}

async function preview(app, root, state) {
  const yaml = root.querySelector("#imports-mapping").value;
  const problems = root.querySelector("#imports-problems");
  const target = root.querySelector("#imports-preview");
  state.dataset = datasetOf(yaml);
  try {
    const found = await app.api("/api/mappings/preview", {
      method: "POST", body: form(state, yaml, { rows: PREVIEW_ROWS }) });
    problems.innerHTML = [...found.problems.map((p) => `<li class="error">${app.escape(p)}</li>`),
      ...(found.warnings || []).map((w) => `<li class="warning">${app.escape(w)}</li>`)].join("");
    target.innerHTML = renderRecords(app, found.records || []);
    root.querySelector("#imports-run").disabled = !found.ok;
  } catch (error) {
    problems.innerHTML = `<li class="error"></li>`;
    app.showError(problems.firstElementChild, error);
    target.innerHTML = "";
    root.querySelector("#imports-run").disabled = true;
  }
}

function renderRecords(app, records) {
  const e = app.escape;
  return records.map((record) => `
    <article class="preview-record" data-locator="${e(record.locator)}">
      <h3>${e(record.locator)}</h3>
      ${record.entities.map((entity) => `<div class="preview-entity"><strong>${e(entity.schema)}</strong>
        <dl>${Object.entries(entity.properties).map(([prop, values]) =>
          `<dt>${e(prop)}</dt><dd>${values.map(e).join(", ")}</dd>`).join("")}</dl></div>`).join("")}
      ${record.events.map((ev) => `<div class="preview-event"><strong>${e(ev.table)}</strong>
        ${e(Object.entries(ev).filter(([k]) => k !== "table").map(([k, v]) => `${k}=${v}`).join(" · "))}</div>`).join("")}
      ${record.quarantine.map((q) => `<p class="error">${app.t("analyst.imports.would_quarantine",
        { field: e(q.field), value: e(q.value), reason: e(q.reason) })}</p>`).join("")}
    </article>`).join("") || `<p class="muted">${app.t("analyst.imports.no_records")}</p>`;
}

async function runImport(app, root, state, force) {
  const error = root.querySelector("#imports-run-error");
  app.showError(error, null);
  if (!state.file) { error.textContent = app.t("analyst.imports.choose_file"); return; }
  const yaml = root.querySelector("#imports-mapping").value;
  try {
    const started = await app.api("/api/imports", { method: "POST",
      body: form(state, yaml, force ? { force: "true" } : {}) });
    await watchJob(app, root, state, started.job_id);
  } catch (err) { app.showError(error, err); }
}

function watchJob(app, root, state, jobId) {
  const box = root.querySelector("#imports-job");
  return new Promise((resolve) => {
    const tick = async () => {
      let job;
      try { job = await app.api(`/api/jobs/${jobId}`); } catch (err) {
        app.showError(box, err); resolve(); return;
      }
      const total = job.progress_total || 0;
      box.innerHTML = `<label>${app.t("analyst.imports.progress")}
        <progress max="${total || 1}" value="${total ? job.progress_done || 0 : 0}"></progress></label>
        <span class="badge job-${app.escape(job.status)}" data-status="${app.escape(job.status)}">${app.escape(app.label("analyst.imports.status", job.status))}</span>
        <span class="muted">${app.escape(job.message || "")}</span>`;
      if (["succeeded", "failed", "cancelled"].includes(job.status)) {
        showResult(app, box, job);
        await showQuarantine(app, root, state);
        resolve(job);
        return;
      }
      polling = setTimeout(tick, 500);
    };
    tick();
  });
}

function showResult(app, box, job) {
  const run = job.result || {};
  const counts = ["records", "entities", "statements", "events", "quarantined", "quarantined_values"]
    .filter((k) => run[k] !== undefined).map((k) => `${app.t(`analyst.imports.count.${k}`)}: ${run[k]}`);
  const result = document.createElement("p");
  result.id = "imports-result";
  result.dataset.run = run.id || "";
  const failed = job.error || run.ok === false;
  result.textContent = failed ? String(job.error || run.problem || run.error || run.status)
    : `${app.label("analyst.imports.status", run.status)} — ${counts.join(" · ")}`;
  if (failed) result.className = "error";
  box.append(result);
}

async function showQuarantine(app, root, state) {
  const table = root.querySelector("#imports-quarantine");
  const query = state.dataset ? `?dataset=${encodeURIComponent(state.dataset)}` : "";
  let entries = [];
  let total = 0;
  try {
    const page = await app.api(`/api/quarantine${query}`);
    entries = page.rows;
    total = page.total;
  } catch (error) {
    app.showError(table.querySelector("caption"), error); return;
  }
  // The caption counts every open entry; the table shows the first page of them.
  table.querySelector("caption").textContent = app.t("analyst.imports.open_entries", { n: total });
  table.querySelector("tbody").innerHTML = entries.map((q) => `<tr data-entry="${app.escape(q.id)}">
    <td>${app.escape(q.locator)}</td><td>${app.escape(q.field)}</td><td>${app.escape(q.value)}</td>
    <td>${app.escape(q.reason)}</td></tr>`).join("");
  root.querySelector("#imports-retry").hidden = !(entries.length && state.file);
}
