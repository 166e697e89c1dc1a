// The chart's toolbar and side panel: expand, layouts, date range, hide/pin/group, path,
// community, exports, save in a case; the keyboard-usable node list mirrors the selection.
import { addGraph, chartState } from "./elements.js";

const SLIDER_MAX = 1000;

export function toolbarHtml(app, relations) {
  const { t, escape, label } = app;
  const opt = (v, text) => `<option value="${escape(v)}">${escape(text)}</option>`;
  const button = (id, key) => `<button type="button" id="${id}">${escape(t(key))}</button>`;
  return `
  <div class="toolbar" role="toolbar" aria-label="${escape(t("analyst.chart.tools"))}">
    <label>${escape(t("analyst.chart.relation"))}
      <select id="relation">${opt("", t("analyst.chart.all_relations"))}${relations.map((r) => opt(r, label("analyst.relation", r))).join("")}</select></label>
    ${button("expand", "analyst.chart.expand")}
    <span class="sep"></span>
    <form id="add-form" class="toolbar" role="search">
      <label>${escape(t("analyst.chart.add_label"))}<input id="add-q" type="search" maxlength="200" size="14" autocomplete="off"></label>
      <button type="submit">${escape(t("analyst.chart.find"))}</button>
      <label class="visually-hidden" for="add-hits">${escape(t("analyst.chart.add_hits"))}</label>
      <select id="add-hits" hidden></select>
      <button type="button" id="add-node" hidden>${escape(t("analyst.chart.add"))}</button>
    </form>
    <span class="sep"></span>
    <label>${escape(t("analyst.chart.layout"))}
      <select id="layout">${opt("force", t("analyst.chart.layout.force"))}${opt("hierarchical", t("analyst.chart.layout.hierarchical"))}${opt("circle", t("analyst.chart.layout.circle"))}</select></label>
    ${button("relayout", "analyst.chart.relayout")}
    <span class="sep"></span>
    <span class="range"><label>${escape(t("analyst.chart.from"))}
      <input type="range" id="date-from" min="0" max="${SLIDER_MAX}" value="0"></label>
      <output id="date-from-text" for="date-from"></output>
      <label>${escape(t("analyst.chart.to"))}
      <input type="range" id="date-to" min="0" max="${SLIDER_MAX}" value="${SLIDER_MAX}"></label>
      <output id="date-to-text" for="date-to"></output></span>
  </div>
  <div class="toolbar" role="toolbar" aria-label="${escape(t("analyst.chart.selection_tools"))}">
    ${button("hide", "analyst.chart.hide")}${button("show-all", "analyst.chart.show_all")}
    ${button("pin", "analyst.chart.pin")}${button("group", "analyst.chart.group")}
    ${button("ungroup", "analyst.chart.ungroup")}${button("remove", "analyst.chart.remove")}
    <span class="sep"></span>
    ${button("path", "analyst.chart.path")}${button("community", "analyst.chart.community")}
    ${button("clear", "analyst.chart.clear")}
    <span class="sep"></span>
    ${button("export-png", "analyst.chart.png")}${button("export-svg", "analyst.chart.svg")}
    ${button("export-gexf", "analyst.chart.gexf")}${button("export-anx", "analyst.chart.anx")}
    <span class="sep"></span>
    <label>${escape(t("analyst.chart.case"))}<select id="save-case"></select></label>
    <label>${escape(t("analyst.chart.title"))}<input id="save-title" maxlength="200" size="14"></label>
    ${button("save", "analyst.chart.save")}
  </div>`;
}

export function bindTools(c, actions) {
  const { root, cy, app } = c;
  const $ = (s) => root.querySelector(s);
  const run = (fn) => async (...args) => {
    try { await fn(...args); } catch (error) { actions.status(null, {}, error); }
  };
  const selected = () => cy.nodes(":selected:childless");
  $("#expand").addEventListener("click", run(async () => {
    const ids = selected().map((n) => n.id()).slice(0, 100);
    if (!ids.length) { actions.status("analyst.chart.select_first"); return; }
    await actions.expand(ids, $("#relation").value);
  }));
  $("#add-form").addEventListener("submit", (event) => event.preventDefault());
  $("#add-form").addEventListener("submit", run(async () => {
    const q = $("#add-q").value.trim();
    if (!q) return;
    const found = await app.api(`/api/search?${new URLSearchParams({ q, limit: 10 })}`);
    const hits = $("#add-hits");
    hits.innerHTML = found.hits.map((h) => `<option value="${app.escape(h.entity_id)}">${app.escape(h.caption || h.entity_id)} · ${app.escape(app.label("analyst.schema", h.schema))} · ${app.escape(h.datasets.join(", "))}</option>`).join("");
    hits.hidden = !found.hits.length;
    $("#add-node").hidden = !found.hits.length;
    actions.status(found.hits.length ? "analyst.chart.found" : "analyst.search.none", { n: found.hits.length, q });
  }));
  $("#add-node").addEventListener("click", run(async () => {
    const id = $("#add-hits").value;
    if (!id) return;
    const graph = await app.api("/api/graph/expand", { method: "POST", body: { ids: [id], max_nodes: 1 } });
    graph.edges = graph.edges.filter((e) => cy.getElementById(e.source).nonempty() && cy.getElementById(e.target).nonempty());
    const ext = cy.nodes().nonempty() ? cy.nodes().boundingBox() : { x2: 0, y1: 0 };
    const added = addGraph(cy, { nodes: graph.nodes.slice(0, 1), edges: [] }, null);
    added.nodes().position({ x: ext.x2 + 80, y: ext.y1 });
    cy.$(":selected").unselect();
    cy.getElementById(graph.nodes[0].id).select();
    changed();
    actions.status("analyst.chart.added", { name: graph.nodes[0].label || id });
  }));
  $("#layout").addEventListener("change", run(() => actions.layout($("#layout").value)));
  $("#relayout").addEventListener("click", run(() => actions.layout($("#layout").value)));
  $("#hide").addEventListener("click", () => { cy.$(":selected").addClass("hidden").unselect(); changed(); });
  $("#show-all").addEventListener("click", () => { cy.elements().removeClass("hidden"); changed(); });
  $("#remove").addEventListener("click", () => { cy.$(":selected").remove(); changed(); });
  $("#pin").addEventListener("click", () => {
    for (const n of selected()) {
      if (n.hasClass("pinned")) { n.removeClass("pinned"); n.unlock(); } else { n.addClass("pinned"); n.lock(); }
    }
    changed();
  });
  $("#group").addEventListener("click", () => group(c, actions));
  $("#ungroup").addEventListener("click", () => ungroup(c));
  $("#path").addEventListener("click", run(() => path(c, actions)));
  $("#community").addEventListener("click", run(() => community(c, actions)));
  $("#clear").addEventListener("click", () => { cy.elements().removeClass("path community dim"); actions.status(""); });
  $("#export-png").addEventListener("click", run(actions.exportPng));
  $("#export-svg").addEventListener("click", run(actions.exportSvg));
  $("#export-gexf").addEventListener("click", run(() => actions.exportGraph("gexf")));
  $("#export-anx").addEventListener("click", run(() => actions.exportGraph("anx")));
  $("#save").addEventListener("click", run(() => save(c, actions)));
  for (const id of ["#date-from", "#date-to"]) $(id).addEventListener("input", () => filterDates(c));
  $("#node-list").addEventListener("change", () => {
    const chosen = new Set([...$("#node-list").selectedOptions].map((o) => o.value));
    cy.batch(() => cy.nodes(":childless").forEach((n) => (chosen.has(n.id()) ? n.select() : n.unselect())));
  });
  cy.on("select unselect", "node", () => scheduleSelection(c));
  root.addEventListener("chart:changed", changed);
  root.addEventListener("chart:restored", (event) => restoreDates(c, event.detail));
  fillCases(c);

  function changed() {
    refreshRelations(c);
    refreshList(c);
    setupDates(c);
    filterDates(c);
  }
}

// Selection events come per node; one update per animation frame keeps big selections quick.
let pendingFrame = 0;
function scheduleSelection(c) {
  if (pendingFrame) return;
  pendingFrame = requestAnimationFrame(() => {
    pendingFrame = 0;
    if (!c.cy || c.cy.destroyed()) return;
    const ids = c.cy.nodes(":selected:childless").map((n) => n.id());
    c.app.selection.set(ids);
    const options = c.root.querySelector("#node-list").options;
    const chosen = new Set(ids);
    for (const o of options) o.selected = chosen.has(o.value);
    showInfo(c, ids);
  });
}

function refreshRelations(c) {
  const select = c.root.querySelector("#relation");
  const known = new Set([...select.options].map((o) => o.value));
  for (const rel of new Set(c.cy.edges().map((e) => e.data("relation")))) {
    if (known.has(rel)) continue;
    const option = document.createElement("option");
    option.value = rel;
    option.textContent = c.app.label("analyst.relation", rel);
    select.append(option);
  }
}

function refreshList(c) {
  const { escape } = c.app;
  // One collator for the whole sort (localeCompare builds one per call: slow on 2,000 nodes).
  const collator = new Intl.Collator(c.app.language || undefined);
  const nodes = c.cy.nodes(":childless").sort((a, b) => collator.compare(String(a.data("label")), String(b.data("label"))));
  c.root.querySelector("#node-list").innerHTML = nodes.map((n) => `<option value="${escape(n.id())}"${n.selected() ? " selected" : ""}>${escape(n.data("label"))}${n.hasClass("hidden") ? " (—)" : ""}</option>`).join("");
}

function showInfo(c, ids) {
  const { t, escape, label } = c.app;
  const box = c.root.querySelector("#node-info");
  if (ids.length !== 1) {
    box.innerHTML = ids.length ? `<p>${escape(t("analyst.selected", { n: ids.length }))}</p>` : "";
    return;
  }
  const n = c.cy.getElementById(ids[0]);
  box.innerHTML = `<h3>${escape(n.data("label"))}</h3>
    <p><span class="badge">${escape(label("analyst.schema", n.data("schema")))}</span></p>
    <p class="small">${escape((n.data("datasets") || []).join(", "))}</p>
    ${n.data("seizures") ? `<p class="small">${escape(t("analyst.chart.seizures", { n: n.data("seizures") }))}</p>` : ""}
    <p class="small">${escape(t("analyst.chart.degree", { n: n.degree() }))}</p>
    <p><a href="${c.app.hashFor("profile", n.id())}">${escape(t("analyst.chart.open_profile"))}</a></p>`;
}

// Date range: the sliders span the first and last dates of the chart's dated links; a link
// outside the range is filtered out (undated links, e.g. shared identifiers, stay).
function setupDates(c) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of c.cy.edges()) {
    const { first, last } = span(e);
    if (!Number.isNaN(first)) lo = Math.min(lo, first);
    if (!Number.isNaN(last)) hi = Math.max(hi, last);
  }
  c.dates = Number.isFinite(lo) ? { lo, hi: Math.max(hi, lo + 1) } : null;
  for (const id of ["#date-from", "#date-to"]) c.root.querySelector(id).disabled = !c.dates;
}

// A link's first and last times, parsed once (kept in the element's scratch pad).
function span(e) {
  let found = e.scratch("_span");
  if (!found) {
    const first = Date.parse(e.data("first"));
    const last = Date.parse(e.data("last") || e.data("first"));
    found = { first, last };
    e.scratch("_span", found);
  }
  return found;
}

function sliderTime(c, id) {
  const v = Number(c.root.querySelector(id).value) / SLIDER_MAX;
  return c.dates.lo + v * (c.dates.hi - c.dates.lo);
}

export function filterDates(c) {
  const fromText = c.root.querySelector("#date-from-text");
  const toText = c.root.querySelector("#date-to-text");
  if (!c.dates) { fromText.value = ""; toText.value = ""; return; }
  const from = sliderTime(c, "#date-from");
  const to = sliderTime(c, "#date-to");
  const day = (ms) => new Date(ms).toISOString().slice(0, 10);
  fromText.value = day(from);
  toText.value = day(to);
  c.filter = { from: new Date(from).toISOString(), to: new Date(to).toISOString(),
    fromSlider: c.root.querySelector("#date-from").value, toSlider: c.root.querySelector("#date-to").value };
  // Only the links whose state changes get a class change: one style update of those, not
  // of every link (a slider move on a 5,000-link chart restyles a few dozen).
  const hide = [];
  const show = [];
  for (const e of c.cy.edges()) {
    const { first, last } = span(e);
    const out = !Number.isNaN(first) && (last < from || first > to);
    if (out !== e.hasClass("filtered")) (out ? hide : show).push(e);
  }
  if (hide.length || show.length) {
    c.cy.batch(() => {
      c.cy.collection(hide).addClass("filtered");
      c.cy.collection(show).removeClass("filtered");
    });
  }
}

// A reopened chart: everything `changed` does, once, with the saved date range.
function restoreDates(c, view) {
  refreshRelations(c);
  setupDates(c);
  if (view && view.filter) {
    c.root.querySelector("#date-from").value = view.filter.fromSlider ?? 0;
    c.root.querySelector("#date-to").value = view.filter.toSlider ?? SLIDER_MAX;
  }
  refreshList(c);
  filterDates(c);
}

let groups = 0;
function group(c, actions) {
  const nodes = c.cy.nodes(":selected:childless");
  if (nodes.length < 2) { actions.status("analyst.chart.select_two_or_more"); return; }
  const name = prompt(c.app.t("analyst.chart.group_name"), c.app.t("analyst.chart.group_default", { n: ++groups }));
  if (name === null) return;
  let id = `group-${Date.now().toString(36)}-${groups}`;
  while (c.cy.getElementById(id).nonempty()) id += "x";
  c.cy.add({ group: "nodes", data: { id, label: name, group: true } });
  nodes.move({ parent: id });
}

function ungroup(c) {
  const parents = c.cy.nodes(":selected").filter((n) => n.data("group"))
    .union(c.cy.nodes(":selected:childless").parent());
  for (const p of parents) {
    p.children().move({ parent: null });
    p.remove();
  }
}

async function path(c, actions) {
  const nodes = c.cy.nodes(":selected:childless");
  if (nodes.length !== 2) { actions.status("analyst.chart.select_two"); return; }
  const params = new URLSearchParams({ source: nodes[0].id(), target: nodes[1].id() });
  let found;
  try {
    found = await c.app.api(`/api/graph/path?${params}`);
  } catch (error) {
    if (error.status === 404) { actions.status("analyst.chart.no_path"); return; }
    throw error;
  }
  const added = addGraph(c.cy, found, { ...nodes[0].position() });
  c.cy.elements().removeClass("path");
  const ids = new Set([...found.nodes.map((n) => n.id), ...found.edges.map((e) => e.id)]);
  c.cy.elements().filter((el) => ids.has(el.id())).removeClass("hidden filtered").addClass("path");
  if (added.nonempty()) await actions.layout(c.layout);
  c.root.dispatchEvent(new CustomEvent("chart:changed"));
  actions.status("analyst.chart.path_found", { n: found.length, added: added.nodes().length });
}

async function community(c, actions) {
  const nodes = c.cy.nodes(":selected:childless");
  if (nodes.length !== 1) { actions.status("analyst.chart.select_one"); return; }
  const found = await c.app.api(`/api/graph/community/${encodeURIComponent(nodes[0].id())}?resolution=0.02`);
  const members = new Set(found.community.members);
  c.cy.elements().removeClass("community dim");
  const inside = c.cy.nodes(":childless").filter((n) => members.has(n.id()));
  c.cy.batch(() => {
    c.cy.elements().not(inside).not(inside.edgesWith(inside)).addClass("dim");
    inside.addClass("community");
    inside.edgesWith(inside).addClass("community");
  });
  actions.status("analyst.chart.community_found", { size: found.community.size, shown: inside.length });
}

async function fillCases(c) {
  const { escape, t } = c.app;
  const select = c.root.querySelector("#save-case");
  try {
    const cases = await c.app.api("/api/cases");
    select.innerHTML = `<option value="">${escape(t("analyst.chart.new_case"))}</option>`
      + cases.filter((k) => k.status === "open").map((k) => `<option value="${escape(k.id)}">${escape(k.title)}</option>`).join("");
    if (c.saved) select.value = c.saved.caseId;
    if (c.saved && c.saved.title) c.root.querySelector("#save-title").value = c.saved.title;
  } catch (error) {
    c.app.showError(c.root.querySelector("#chart-status"), error);
  }
}

async function save(c, actions) {
  const { api, t, hashFor } = c.app;
  if (c.cy.nodes().empty()) { actions.status("analyst.chart.empty"); return; }
  const title = c.root.querySelector("#save-title").value.trim() || t("analyst.chart.untitled");
  const state = chartState(c.cy, { layout: c.layout, filter: c.filter || null });
  let caseId = c.root.querySelector("#save-case").value;
  if (!caseId) {
    const made = await api("/api/cases", { method: "POST", body: { title } });
    caseId = made.id;
  }
  let item;
  if (c.saved && c.saved.caseId === caseId) {
    item = await api(`/api/cases/${encodeURIComponent(caseId)}/items/${encodeURIComponent(c.saved.itemId)}`,
      { method: "PUT", body: { title, chart: state, version: c.saved.version } });
  } else {
    item = await api(`/api/cases/${encodeURIComponent(caseId)}/items`,
      { method: "POST", body: { kind: "chart", title, chart: state } });
  }
  c.saved = { caseId, itemId: item.id, version: item.version, title };
  history.replaceState(null, "", hashFor("chart", "case", caseId, item.id));
  await fillCases(c);
  actions.status("analyst.chart.saved", { title, version: item.version });
}
