// Entity profile: every property with the sources of each value (dataset, file and row,
// import run, first/last seen: one click away), the documents mentioning it with the passage
// highlighted, its events, alerts and watchlist entries, and its resolution history (split).
import { highlightSpan, splitLocator } from "./common.js";

export async function mount(root, app, args) {
  const { t, escape } = app;
  const id = args[0];
  if (!id) {
    root.innerHTML = `<p>${escape(t("analyst.profile.none"))}</p>`;
    return;
  }
  const base = `/api/entities/${encodeURIComponent(id)}`;
  root.innerHTML = `<div class="profile"><p class="muted">${escape(t("analyst.loading"))}</p></div>`;
  const parts = await Promise.allSettled([
    app.api(base), app.api(`${base}/statements`), app.api(`${base}/events`),
    app.api(`${base}/mentions`), app.api(`${base}/watch`), app.api(`${base}/history`),
  ]);
  const [entity, statements] = parts;
  const box = root.querySelector(".profile");
  if (entity.status === "rejected") {
    box.innerHTML = `<p class="error" role="alert"></p>`;
    app.showError(box.querySelector(".error"), entity.reason);
    return;
  }
  const e = entity.value;
  app.selection.set([e.id]);
  box.innerHTML = `
    <h1>${escape(e.caption || e.id)} <span class="badge">${escape(app.label("analyst.schema", e.schema))}</span></h1>
    <p class="muted mono small">${escape(e.id)}</p>
    <div class="toolbar">
      <a class="button" href="${app.hashFor("chart", "entity", e.id)}">${escape(t("analyst.profile.open_chart"))}</a>
      <a class="button" href="${app.hashFor("timeline")}">${escape(t("analyst.nav.timeline"))}</a>
      <a class="button" href="${app.hashFor("map")}">${escape(t("analyst.nav.map"))}</a>
      <a class="button" href="${base}/export" download>${escape(t("analyst.profile.export"))}</a>
      <label>${escape(t("analyst.profile.add_to_case"))}
        <select id="case-pick"><option value="">—</option></select></label>
      <button type="button" id="case-add">${escape(t("analyst.profile.add"))}</button>
      <span id="case-status" role="status"></span>
    </div>
    <section class="card" id="properties"><h2>${escape(t("analyst.profile.properties"))}</h2></section>
    <section class="card" id="documents"><h2>${escape(t("analyst.profile.documents"))}</h2></section>
    <section class="card" id="events"><h2>${escape(t("analyst.profile.events"))}</h2></section>
    <section class="card" id="watch"><h2>${escape(t("analyst.profile.watch"))}</h2></section>
    <section class="card" id="history"><h2>${escape(t("analyst.profile.history"))}</h2></section>`;
  section(box, "#properties", statements, (rows) => properties(app, e, rows));
  section(box, "#documents", parts[3], (data) => documents(app, data));
  section(box, "#events", parts[2], (data) => events(app, data));
  section(box, "#watch", parts[4], (data) => watch(app, data));
  section(box, "#history", parts[5], (data) => history(app, e, data));
  bindSources(box, app, e);
  bindSplit(box, app, e);
  await bindCases(box, app, e);
}

function section(box, selector, settled, render) {
  const el = box.querySelector(selector);
  const body = document.createElement("div");
  el.append(body);
  if (settled.status === "rejected") {
    body.innerHTML = `<p class="error" role="alert"></p>`;
    import("/web/common/shell.js").then(({ showError }) => showError(body.firstChild, settled.reason));
    return;
  }
  body.innerHTML = render(settled.value);
}

function properties(app, entity, rows) {
  const { t, escape, label } = app;
  const byProp = new Map();
  for (const row of rows) {
    if (row.prop === "id") continue;
    const values = byProp.get(row.prop) || new Map();
    const list = values.get(row.value) || [];
    list.push(row);
    values.set(row.value, list);
    byProp.set(row.prop, values);
  }
  const body = [...byProp.entries()].map(([prop, values]) => `
    <tr><td class="prop">${escape(label("analyst.prop", prop))}</td><td><ul class="values">
      ${[...values.entries()].map(([value, sources], i) => `
        <li><span class="value">${escape(value)}</span>
          <button type="button" class="link sources-toggle" aria-expanded="false"
            aria-controls="src-${escape(prop)}-${i}"
            aria-label="${escape(t("analyst.profile.sources_of", { value, n: sources.length }))}"
            >${escape(t("analyst.profile.sources", { n: sources.length }))}</button>
          <div id="src-${escape(prop)}-${i}" hidden>${sourceTable(app, sources)}</div></li>`).join("")}
    </ul></td></tr>`).join("");
  return `<table class="grid props"><tbody>${body || `<tr><td class="empty">${escape(t("analyst.none"))}</td></tr>`}</tbody></table>`;
}

function sourceTable(app, sources) {
  const { t, escape, formatTime } = app;
  return `<table class="sources"><thead><tr>
      <th>${escape(t("analyst.profile.dataset"))}</th><th>${escape(t("analyst.profile.file"))}</th>
      <th>${escape(t("analyst.profile.row"))}</th><th>${escape(t("analyst.profile.run"))}</th>
      <th>${escape(t("analyst.profile.first_seen"))}</th><th>${escape(t("analyst.profile.last_seen"))}</th>
      <th>${escape(t("analyst.profile.original"))}</th>
      <th>${escape(t("analyst.profile.record"))}</th></tr></thead><tbody>
    ${sources.map((s) => {
      const where = splitLocator(s.locator);
      return `<tr class="source" data-statement="${escape(s.id)}">
        <td>${escape(s.dataset)}</td><td class="mono">${escape(where.file)}</td>
        <td class="mono source-row">${escape(where.where)}</td>
        <td>${s.run_id ? `<button type="button" class="link run-toggle" data-run="${escape(s.run_id)}"
          aria-label="${escape(t("analyst.profile.run_of", { run: s.run_id }))}">${escape(s.run_id.slice(0, 8))}</button>` : "—"}</td>
        <td>${escape(formatTime(s.first_seen))}</td><td>${escape(formatTime(s.last_seen))}</td>
        <td>${escape(s.original_value ?? "")}</td>
        <td>${s.run_id ? `<button type="button" class="link record-toggle" data-statement="${escape(s.id)}"
          aria-expanded="false" aria-label="${escape(t("analyst.profile.record_of", { where: s.locator || "" }))}"
          >${escape(t("analyst.profile.record_show"))}</button>` : "—"}</td></tr>`;
    }).join("")}</tbody></table>`;
}

function bindSources(box, app, entity) {
  box.querySelector("#properties").addEventListener("click", async (event) => {
    const toggle = event.target.closest(".sources-toggle");
    if (toggle) {
      const panel = box.querySelector(`#${CSS.escape(toggle.getAttribute("aria-controls"))}`);
      panel.hidden = !panel.hidden;
      toggle.setAttribute("aria-expanded", String(!panel.hidden));
      return;
    }
    const run = event.target.closest(".run-toggle");
    if (run) await showRun(app, run);
    const record = event.target.closest(".record-toggle");
    if (record) await showRecord(app, entity, record);
  });
}

// The import run behind a value: which file, mapping, when, by whom, how many records.
async function showRun(app, button) {
  const { t, escape, formatTime } = app;
  const row = button.closest("tr");
  const next = row.nextElementSibling;
  if (next && next.classList.contains("run-row")) { next.remove(); return; }
  const detail = document.createElement("tr");
  detail.className = "run-row";
  detail.innerHTML = `<td colspan="8"><div class="run-detail" role="status"></div></td>`;
  row.after(detail);
  const out = detail.querySelector(".run-detail");
  try {
    const r = await app.api(`/api/imports/${encodeURIComponent(button.dataset.run)}`);
    out.innerHTML = `${escape(t("analyst.profile.run_detail", {
      file: r.source_name, mapping: r.mapping_name, at: formatTime(r.started_at),
      by: r.created_by || "—", records: r.records, status: r.status || "" }))}
      · <a href="${app.hashFor("imports", r.id)}">${escape(t("analyst.profile.run_open"))}</a>`;
  } catch (error) {
    app.showError(out, error);
  }
}

// The raw record behind a value, as it is in the imported file (read again from it, so only
// while the file is there unchanged): every column of the row, and the JSON/XML text.
async function showRecord(app, entity, button) {
  const { t, escape, formatTime } = app;
  const row = button.closest("tr");
  const next = row.nextElementSibling;
  if (next && next.classList.contains("record-row")) {
    next.remove();
    button.setAttribute("aria-expanded", "false");
    return;
  }
  const detail = document.createElement("tr");
  detail.className = "record-row";
  detail.innerHTML = `<td colspan="8"><div class="record-detail" role="status" aria-live="polite">${escape(t("analyst.loading"))}</div></td>`;
  row.after(detail);
  button.setAttribute("aria-expanded", "true");
  const out = detail.querySelector(".record-detail");
  try {
    const r = await app.api(`/api/entities/${encodeURIComponent(entity.id)}/statements/${encodeURIComponent(button.dataset.statement)}/source`);
    const prop = r.statement.prop;
    const rows = Object.entries(r.fields).map(([k, v]) => {
      const cell = String(v ?? "");
      const used = cell !== "" && [r.statement.value, r.statement.original_value]
        .some((x) => x && (cell === x || (x.length > 2 && cell.includes(x))));
      return `<tr${used ? ' class="used"' : ""}><th scope="row" class="mono">${escape(k)}</th><td>${used ? `<mark>${escape(v)}</mark>` : escape(v ?? "")}</td></tr>`;
    }).join("");
    out.innerHTML = `<h3>${escape(t("analyst.profile.record_title", { where: r.locator }))}</h3>
      <p class="small">${escape(t("analyst.profile.record_meta", { dataset: r.run.dataset, file: r.run.source_name,
        run: String(r.run.id).slice(0, 8), at: formatTime(r.run.started_at), by: r.run.created_by || "—",
        prop: app.label("analyst.prop", prop) }))}</p>
      <table class="grid record-fields"><caption class="visually-hidden">${escape(t("analyst.profile.record_title", { where: r.locator }))}</caption>
        <tbody>${rows || `<tr><td class="empty">${escape(t("analyst.none"))}</td></tr>`}</tbody></table>
      ${r.raw ? `<pre class="record-raw mono small" tabindex="0" aria-label="${escape(t("analyst.profile.record_raw"))}">${escape(r.raw)}</pre>` : ""}`;
  } catch (error) {
    out.setAttribute("role", "alert");
    app.showError(out, error);
  }
}

function documents(app, data) {
  const { t, escape } = app;
  if (!data.mentions.length) return `<p class="muted">${escape(t("analyst.none"))}</p>`;
  return `<div class="scroll">${data.mentions.map((m) => `
    <article class="mention">
      <strong>${escape(m.title)}</strong>
      <span class="muted small">${escape(m.dataset)} · ${escape(m.kind)}${m.page ? ` · ${escape(t("analyst.profile.page", { page: m.page }))}` : ""}
        · <a href="/api/documents/${encodeURIComponent(m.document_id)}/original">${escape(t("analyst.profile.original_file"))}</a>
        · <button type="button" class="link doc-to-case" data-document="${escape(m.document_id)}" data-title="${escape(m.title)}"
          aria-label="${escape(t("analyst.profile.doc_to_case", { title: m.title }))}">${escape(t("analyst.profile.add"))}</button></span>
      <blockquote class="passage">${m.clipped_before ? "… " : ""}${highlightSpan(escape, m.passage, m.passage_start, m.passage_end)}${m.clipped_after ? " …" : ""}</blockquote>
    </article>`).join("")}${data.truncated ? `<p class="muted">${escape(t("analyst.truncated"))}</p>` : ""}</div>`;
}

function eventDetail(e) {
  const fields = ["checkpoint_id", "direction", "camera_id", "plate_raw", "reference",
    "procedure", "total_value", "currency", "category", "quantity", "unit_of_measure",
    "value_eur", "found_by", "description"];
  return fields.filter((f) => e[f] !== undefined && e[f] !== null && e[f] !== "")
    .map((f) => `${f.replace(/_id$/, "")}: ${e[f]}`).join("; ");
}

function events(app, data) {
  const { t, escape, label, formatTime } = app;
  if (!data.events.length) return `<p class="muted">${escape(t("analyst.none"))}</p>`;
  return `<div class="scroll"><table class="grid events"><thead><tr>
      <th>${escape(t("analyst.profile.when"))}</th><th>${escape(t("analyst.profile.kind"))}</th>
      <th>${escape(t("analyst.profile.role"))}</th><th>${escape(t("analyst.profile.detail"))}</th>
      <th>${escape(t("analyst.profile.dataset"))}</th><th>${escape(t("analyst.profile.source"))}</th></tr></thead><tbody>
    ${data.events.map((e) => `<tr><td class="nowrap">${escape(formatTime(e.occurred_at))}</td>
      <td>${escape(label("analyst.event", e.kind))}</td><td>${escape(e.roles.join(", "))}</td>
      <td>${escape(eventDetail(e))}</td><td>${escape(e.dataset)}</td>
      <td class="mono small">${escape(e.locator || "")}</td></tr>`).join("")}
    </tbody></table></div>${data.truncated ? `<p class="muted">${escape(t("analyst.truncated"))}</p>` : ""}`;
}

function watch(app, data) {
  const { t, escape, formatTime } = app;
  const alerts = data.alerts.length ? `<table class="grid"><thead><tr>
      <th>${escape(t("analyst.profile.when"))}</th><th>${escape(t("analyst.profile.status"))}</th>
      <th>${escape(t("analyst.profile.score"))}</th><th>${escape(t("analyst.profile.matched"))}</th></tr></thead><tbody>
    ${data.alerts.map((a) => `<tr><td>${escape(formatTime(a.created_at))}</td><td>${escape(a.status)}</td>
      <td>${escape(Number(a.score).toFixed(2))}</td>
      <td>${escape((a.matched || []).map((m) => `${m.field}: ${m.value}`).join("; "))}</td></tr>`).join("")}
    </tbody></table>` : `<p class="muted">${escape(t("analyst.profile.no_alerts"))}</p>`;
  const entries = data.entries.length ? `<table class="grid"><thead><tr>
      <th>${escape(t("analyst.profile.list"))}</th><th>${escape(t("analyst.profile.reason"))}</th>
      <th>${escape(t("analyst.profile.priority"))}</th></tr></thead><tbody>
    ${data.entries.map((w) => `<tr><td>${escape(w.list_name)}</td><td>${escape(w.reason)}</td>
      <td>${escape(w.priority)}</td></tr>`).join("")}</tbody></table>`
    : `<p class="muted">${escape(t("analyst.profile.no_entries"))}</p>`;
  return `<h3>${escape(t("analyst.profile.alerts"))}</h3>${alerts}<h3>${escape(t("analyst.profile.entries"))}</h3>${entries}`;
}

function history(app, entity, data) {
  const { t, escape, formatTime } = app;
  const members = data.members.map((m) => `<li><a href="${app.hashFor("profile", m)}" class="mono small">${escape(m)}</a>
      ${data.members.length > 1 ? `<button type="button" class="split" data-member="${escape(m)}">${escape(t("analyst.profile.split"))}</button>` : ""}</li>`).join("");
  const judged = data.judgements.length ? `<table class="grid"><thead><tr>
      <th>${escape(t("analyst.profile.when"))}</th><th>${escape(t("analyst.profile.decision"))}</th>
      <th>${escape(t("analyst.profile.by"))}</th><th>${escape(t("analyst.profile.reason"))}</th></tr></thead><tbody>
    ${data.judgements.map((j) => `<tr><td>${escape(formatTime(j.created_at))}</td><td>${escape(j.kind)}</td>
      <td>${escape(j.actor)}</td><td>${escape(j.reason || "")}</td></tr>`).join("")}</tbody></table>`
    : `<p class="muted">${escape(t("analyst.profile.no_judgements"))}</p>`;
  return `<p>${escape(t("analyst.profile.members", { n: data.members.length }))}</p><ul>${members}</ul>
    <p class="error" role="alert" id="split-error"></p>${judged}`;
}

function bindSplit(box, app, entity) {
  box.querySelector("#history").addEventListener("click", async (event) => {
    const button = event.target.closest("button.split");
    if (!button) return;
    const reason = prompt(app.t("analyst.profile.split_reason"));
    if (reason === null) return;
    try {
      await app.api("/api/resolution/split", { method: "POST",
        body: { entity_id: button.dataset.member, reason } });
      app.navigate(app.hashFor("profile", entity.id));
    } catch (error) {
      app.showError(box.querySelector("#split-error"), error);
    }
  });
}

async function bindCases(box, app, entity) {
  const pick = box.querySelector("#case-pick");
  const status = box.querySelector("#case-status");
  try {
    const cases = await app.api("/api/cases");
    pick.innerHTML += cases.filter((c) => c.status === "open")
      .map((c) => `<option value="${app.escape(c.id)}">${app.escape(c.title)}</option>`).join("");
  } catch (error) {
    app.showError(status, error);
  }
  const add = async (body) => {
    if (!pick.value) { status.textContent = app.t("analyst.profile.pick_case"); pick.focus(); return; }
    try {
      await app.api(`/api/cases/${encodeURIComponent(pick.value)}/items`, { method: "POST", body });
      status.textContent = app.t("analyst.profile.added");
    } catch (error) {
      app.showError(status, error);
    }
  };
  box.querySelector("#case-add").addEventListener("click",
    () => add({ kind: "entity", ref: entity.id, title: entity.caption }));
  // A document that mentions the entity goes into the case picked above.
  box.querySelector("#documents").addEventListener("click", (event) => {
    const doc = event.target.closest("button.doc-to-case");
    if (doc) add({ kind: "document", ref: doc.dataset.document, title: doc.dataset.title });
  });
}
