// Link chart (Cytoscape.js + fcose): start from an entity, the selection or a saved chart;
// expand by relation type, filter by date, three layouts, select/hide/pin/group, paths
// between two nodes, a node's community, co-travel edges apart; export PNG, SVG, GEXF, ANX;
// save in a case and reopen exactly.
//   #/chart                      the current selection (or an empty chart)
//   #/chart/entity/<id>          one entity and its neighbours
//   #/chart/case/<case>/<item>   a chart saved in a case
import { addGraph, chartState, newElements, restoreState } from "../chart/elements.js";
import { addLaidOut } from "../chart/force.js";
import { DRAFT, runLayout } from "../chart/layouts.js";
import { loadCytoscape } from "../chart/loader.js";
import { createChart } from "../chart/options.js";
import { chartSvg } from "../chart/svg.js";
import { download, postForBlob } from "./common.js";
import { bindTools, toolbarHtml } from "../chart/tools.js";

// Relations offered before the chart shows any (the graph's link types); those on the chart
// are added as they appear.
const RELATIONS = ["drove", "travelled_on", "holder", "crossed_at", "co_travel", "directorship",
  "ownership", "employment", "family", "associate", "resolved", "shares_identifier",
  "shares_phone", "shares_address", "shares_email"];

let chart = null;

export async function mount(root, app, args) {
  const { t, escape } = app;
  root.innerHTML = `<div class="chart-page">${toolbarHtml(app, RELATIONS)}
    <p class="chart-status" id="chart-status" role="status" aria-live="polite"></p>
    <div class="chart-main">
      <div id="cy" role="img" aria-label="${escape(t("analyst.chart.canvas"))}"></div>
      <aside class="chart-side" aria-label="${escape(t("analyst.chart.details"))}">
        <label for="node-list">${escape(t("analyst.chart.nodes"))}</label>
        <select id="node-list" multiple></select>
        <div id="node-info"></div>
        <div class="legend"><span><i></i>${escape(t("analyst.chart.legend_link"))}</span>
          <span><i class="cotravel"></i>${escape(t("analyst.chart.legend_cotravel"))}</span></div>
      </aside>
    </div></div>`;
  const cytoscape = await loadCytoscape();
  const cy = createChart(cytoscape, root.querySelector("#cy"));
  chart = { cy, app, root, layout: "force", saved: null, args };
  window.pasienisChart = chart; // tests and the bench read the live chart through this
  bindTools(chart, {
    expand: (ids, relation) => expand(chart, ids, relation),
    layout: (name) => layout(chart, name),
    exportPng: () => exportPng(chart), exportSvg: () => exportSvg(chart),
    exportGraph: (format) => exportGraph(chart, format),
    status: (key, params) => status(chart, key, params),
  });
  await open(chart, args);
}

export function unmount() {
  if (chart) chart.cy.destroy();
  chart = null;
  window.pasienisChart = null;
}

export function status(c, key, params = {}, error = null) {
  const el = c.root.querySelector("#chart-status");
  if (error) c.app.showError(el, error);
  else el.textContent = key ? c.app.t(key, params) : "";
}

async function open(c, args) {
  const [mode, ...rest] = args;
  // A reopened chart's side panel is filled by "chart:restored" alone: a "chart:changed" after
  // it built the 2,000-option node list and the date range a second time.
  let restored = false;
  try {
    if (mode === "case" && rest.length === 2) {
      const item = await c.app.api(`/api/cases/${encodeURIComponent(rest[0])}/items/${encodeURIComponent(rest[1])}`);
      restoreState(c.cy, item.body);
      c.saved = { caseId: rest[0], itemId: item.id, version: item.version, title: item.title };
      c.layout = (item.body.view && item.body.view.layout) || "force";
      c.root.querySelector("#layout").value = c.layout;
      c.root.dispatchEvent(new CustomEvent("chart:restored", { detail: item.body.view || {} }));
      restored = true;
      status(c, "analyst.chart.opened", { title: item.title || "", n: c.cy.nodes().length });
    } else {
      const ids = mode === "entity" && rest[0] ? [rest[0]] : c.app.selection.ids.slice(0, 100);
      if (ids.length) await expand(c, ids, "");
      else status(c, "analyst.chart.empty");
    }
  } catch (error) {
    status(c, null, {}, error);
  }
  if (!restored) c.root.dispatchEvent(new CustomEvent("chart:changed"));
}

export async function expand(c, ids, relation) {
  const body = { ids, depth: 1, max_nodes: 300, per_node: 50 };
  if (relation) body.relations = [relation];
  const seed = c.cy.getElementById(ids[0]);
  const near = seed.nonempty() ? { ...seed.position() } : null;
  const graph = await c.app.api("/api/graph/expand", { method: "POST", body });
  const more = (graph.more || []).reduce((sum, m) => sum + m.more, 0);
  let added;
  if (c.cy.nodes().empty() && c.layout === "force") {
    // A new chart: laid out before it is drawn, then added in one go (force.js).
    added = await addLaidOut(c.cy, newElements(c.cy, graph, null));
  } else {
    added = addGraph(c.cy, graph, near);
    const incremental = c.cy.nodes().length > added.nodes().length;
    // Above DRAFT nodes the force layout can only start afresh: an expansion of a big chart
    // keeps the analyst's picture, its new nodes in their ring around the seed.
    const keep = incremental && c.layout === "force" && c.cy.nodes().length > DRAFT;
    if ((added.nodes().nonempty() || !incremental) && !keep) {
      await runLayout(c.cy, c.layout, { incremental });
    }
  }
  c.root.dispatchEvent(new CustomEvent("chart:changed"));
  status(c, more || graph.truncated ? "analyst.chart.expanded_capped" : "analyst.chart.expanded",
    { nodes: added.nodes().length, edges: added.edges().length, more });
  return added;
}

// The toolbar's force layout refines the current positions; above DRAFT nodes (draft
// quality only) it lays the chart out afresh (force.js `forceOptions`).
async function layout(c, name) {
  c.layout = name;
  await runLayout(c.cy, name, { incremental: name === "force" });
}

function exportPng(c) {
  const blob = c.cy.png({ full: true, output: "blob", bg: "#ffffff", scale: 2 });
  download(blob, "chart.png");
}

function exportSvg(c) {
  download(new Blob([chartSvg(c.cy)], { type: "image/svg+xml" }), "chart.svg");
}

// GEXF and i2 ANX come from the graph API (entity details, compartments and audit apply):
// exactly the nodes shown and the edges among them.
async function exportGraph(c, format) {
  const ids = c.cy.nodes(":visible:childless").map((n) => n.id());
  if (!ids.length) { status(c, "analyst.chart.empty"); return; }
  try {
    const blob = await postForBlob("/api/graph/export", { ids, depth: 0, format, max_nodes: 5000 });
    download(blob, `chart.${format}`);
    status(c, "analyst.chart.exported", { format: format.toUpperCase(), n: ids.length });
  } catch (error) {
    status(c, null, {}, error);
  }
}

export function currentState(c, view) {
  return chartState(c.cy, { layout: c.layout, ...view });
}
