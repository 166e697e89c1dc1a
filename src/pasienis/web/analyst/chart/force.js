// The force-directed layout (fcose) of the workbench, computed in a Web Worker on a headless
// Cytoscape (layout-worker.js) and handed to the chart in one step. fcose run on the live
// chart styled every element and measured every label for its bounding boxes, then moved
// 2,000 nodes one by one on a rendered chart: 3.4 s to the first frame of a new 2,000-node
// chart, the page frozen meanwhile (docs/benchmarks.md, issue 17). A new chart now gets its
// positions before it has any element, its view set from them, and its elements in one `add`,
// as a reopened chart (elements.js `restoreState`); a chart already drawn gets its new
// positions as one preset layout (animated on small charts).
import { markOverview, syncOverview } from "./overview.js";
import { LABEL, NODE_PX } from "./style.js";

// Above DRAFT nodes fcose's spectral draft alone (a layout by graph distance: communities
// grouped, no force refinement); up to it the full layout (spectral, then forces).
export const DRAFT = 1000;
const WORKER_URL = "/web/analyst/chart/layout-worker.js";
// The fit of a layout, as the other layouts' `fit: true, padding: 30`.
const PADDING = 30;
const ANIMATE_MAX = 300;
// The side of the square a node gets at least in a draft (layout-worker.js `spread`): its
// own size again around it, room for its label.
const ROOM = 2 * NODE_PX;

// The fcose options: above DRAFT nodes draft quality; `incremental` refines the current
// positions (only up to DRAFT: a draft cannot refine, it would leave every node in place).
export function forceOptions(n, { incremental = false } = {}) {
  return {
    name: "fcose", quality: n > DRAFT ? "draft" : "default", randomize: !incremental || n > DRAFT,
    animate: n <= ANIMATE_MAX, animationDuration: 400, fit: true, padding: PADDING,
    nodeRepulsion: 6000, idealEdgeLength: 80, numIter: n > 300 ? 1000 : 2500,
    packComponents: n <= 1000,
  };
}

let worker = null;
let ready = null;
let nextId = 1;
const pending = new Map();

// Starts the worker once per page (the chart's loader does, so its scripts load while the
// page fetches the graph); resolves with it when its scripts are in.
export function startLayoutWorker() {
  if (!ready) {
    ready = new Promise((resolve, reject) => {
      worker = new Worker(WORKER_URL);
      worker.onmessage = (event) => {
        const { ready: up, id, positions, error } = event.data;
        if (up) { resolve(worker); return; }
        const job = pending.get(id);
        pending.delete(id);
        if (job) (error ? job.reject(new Error(error)) : job.resolve(positions));
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const error = new Error(`layout worker: ${event.message || "could not start"}`);
        for (const job of pending.values()) job.reject(error);
        pending.clear();
        worker.terminate();
        ready = null; // the next layout tries again
        reject(error);
      };
    });
  }
  return ready;
}

// Positions of `nodes` ([{id, parent?, x?, y?}]) linked by `edges` ([[source, target]]),
// laid out by fcose with `options`: [x0, y0, x1, y1, ...] in the order of `nodes`.
export async function forcePositions(nodes, edges, options) {
  const w = await startLayoutWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, nodes, edges, options, nodeSize: NODE_PX + LABEL.border, room: ROOM });
  });
}

// Adds element JSON (elements.js) to an empty chart, laid out afresh: the positions first
// (the worker), then the view that fits them, then one `add` with the links' overview class
// of that view (overview.js), as a reopened chart (`restoreState`): each element styled
// once, no fit pass, no position changes on a drawn chart. (Adding and styling the elements
// away from the view while the worker runs was measured no faster on this 2-core machine:
// docs/benchmarks.md.) Returns the added collection.
export async function addLaidOut(cy, els) {
  const nodes = els.filter((el) => el.group === "nodes");
  if (!nodes.length) return cy.add(els);
  const ids = new Set(nodes.map((el) => el.data.id));
  const edges = els.filter((el) => el.group === "edges" && ids.has(el.data.source)
    && ids.has(el.data.target)).map((el) => [el.data.source, el.data.target]);
  const input = nodes.map((el) => (el.data.parent ? { id: el.data.id, parent: el.data.parent }
    : { id: el.data.id }));
  const options = forceOptions(nodes.length);
  let xy;
  try {
    xy = await forcePositions(input, edges, options);
  } catch {
    // No worker (it could not start): fcose on the chart itself, as before the worker.
    const added = cy.add(els);
    await run(added, { ...options, animate: false });
    syncOverview(cy);
    return added;
  }
  nodes.forEach((el, i) => { el.position = { x: xy[2 * i], y: xy[2 * i + 1] }; });
  cy.viewport(fittedView(cy, nodes.filter((el) => !el.data.group)));
  return cy.add(markOverview(cy, els, cy.elements().length + els.length));
}

// Lays the chart's visible elements out again (the toolbar's force layout, an expansion):
// `incremental` refines the current positions. Pinned (locked) nodes keep their place: the
// preset layout that applies the positions leaves them where they are.
export async function relayout(cy, { incremental = false } = {}) {
  const eles = cy.elements(":visible");
  const nodes = eles.nodes();
  const options = forceOptions(nodes.length, { incremental });
  const input = nodes.map((n) => {
    const item = { id: n.id() };
    if (n.isChild() && nodes.contains(n.parent())) item.parent = n.parent().id();
    if (!options.randomize && n.isChildless()) Object.assign(item, n.position());
    return item;
  });
  const edges = eles.edges().map((e) => [e.source().id(), e.target().id()]);
  let xy;
  try {
    xy = await forcePositions(input, edges, options);
  } catch {
    await run(eles, options); // no worker: fcose on the chart itself, as for a new chart
    return;
  }
  const at = new Map(input.map((item, i) => [item.id, { x: xy[2 * i], y: xy[2 * i + 1] }]));
  await run(eles, { name: "preset", positions: (n) => at.get(n.id()), animate: options.animate,
    animationDuration: options.animationDuration, fit: true, padding: PADDING });
}

// Runs a layout over `eles`; resolves when it stops.
function run(eles, options) {
  return new Promise((resolve) => {
    const layout = eles.layout(options);
    layout.one("layoutstop", resolve);
    layout.run();
  });
}

// The view `cy.fit(nodes, PADDING)` gives once the nodes are drawn, from their element JSON
// alone: a node is NODE_PX plus its border, its label below it, as wide as its text (estimated
// from its length, at most the style's maximum width).
export function fittedView(cy, nodes) {
  if (!nodes.length) return { zoom: 1, pan: { x: 0, y: 0 } };
  let x1 = Infinity, x2 = -Infinity, y1 = Infinity, y2 = -Infinity;
  const half = NODE_PX / 2 + LABEL.border;
  for (const el of nodes) {
    const { x, y } = el.position;
    const text = String(el.data.label || "");
    const w = Math.max(half, Math.min(LABEL.maxWidth, text.length * LABEL.charWidth) / 2);
    x1 = Math.min(x1, x - w);
    x2 = Math.max(x2, x + w);
    y1 = Math.min(y1, y - half);
    y2 = Math.max(y2, y + half + LABEL.below);
  }
  const width = cy.width(), height = cy.height();
  const zoom = Math.min(cy.maxZoom(), Math.max(cy.minZoom(),
    Math.min((width - 2 * PADDING) / (x2 - x1), (height - 2 * PADDING) / (y2 - y1))));
  return { zoom, pan: { x: (width - zoom * (x1 + x2)) / 2, y: (height - zoom * (y1 + y2)) / 2 } };
}
