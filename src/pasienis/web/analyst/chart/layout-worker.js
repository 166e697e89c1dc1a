// The force layout (fcose) off the page's thread, on a headless Cytoscape (no renderer). On
// the live chart fcose asks each node for its bounding box, which styles every element and
// measures every label, and each position it sets dirties bounds the renderer recomputes;
// here nodes are bare ids with the chart's node size, and the page gets the positions back
// in one message (docs/benchmarks.md, issue 17). A classic worker: the vendored builds are
// UMD scripts (`importScripts`, allowed by the CSP's `worker-src 'self'` / `script-src 'self'`).
/* global importScripts, cytoscape, cytoscapeFcose, pivotDraft */
importScripts(
  "/web/vendor/cytoscape/cytoscape.min.js",
  "/web/vendor/layout-base/layout-base.js",
  "/web/vendor/cose-base/cose-base.js",
  "/web/vendor/cytoscape-fcose/cytoscape-fcose.js",
  "/web/analyst/chart/pivotmds.js",
);
cytoscape.use(cytoscapeFcose);

// `nodes`: [{id, parent?, x?, y?}] (positions when the layout refines the current ones),
// `edges`: [[source, target]], `options`: the fcose options (force.js), `nodeSize`: the
// chart's node size in model px, `room`: the side of the square each node should have at
// least. Answers with the positions as [x0, y0, x1, y1, ...] in the order of `nodes`
// (parents get theirs from the layout, but follow their children on the chart).
function layOut({ nodes, edges, options, nodeSize, room }) {
  const draft = options.quality === "draft";
  const out = draft && !nodes.some((n) => n.parent) ? pivot(nodes, edges, room)
    : fcose(nodes, edges, options, nodeSize);
  if (draft) {
    spread(out, room);
    unstack(out, room);
  }
  return out;
}

// The draft of a chart without groups: Pivot MDS on typed arrays (pivotmds.js).
function pivot(nodes, edges, room) {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const pairs = [];
  for (const [source, target] of edges) {
    const s = index.get(source), t = index.get(target);
    if (s !== undefined && t !== undefined) pairs.push([s, t]);
  }
  return pivotDraft(nodes.length, pairs, room);
}

// fcose on a headless Cytoscape: the full layout, and the draft of a chart with groups
// (compound nodes, which fcose lays out with their children).
function fcose(nodes, edges, options, nodeSize) {
  // The draft places nodes by graph distance alone: no stylesheet (node sizes only matter
  // to the forces of the full layout).
  const cy = options.quality === "draft" ? cytoscape({ headless: true, styleEnabled: false })
    : cytoscape({ headless: true,
      style: [{ selector: "node", style: { width: nodeSize, height: nodeSize } }] });
  const els = nodes.map((n) => ({
    group: "nodes", data: n.parent ? { id: n.id, parent: n.parent } : { id: n.id },
    ...(n.x === undefined ? {} : { position: { x: n.x, y: n.y } }),
  }));
  edges.forEach(([source, target], i) => {
    els.push({ group: "edges", data: { id: `e${i}`, source, target } });
  });
  cy.add(els);
  cy.layout({ ...options, animate: false, fit: false }).run();
  const out = new Float64Array(nodes.length * 2);
  nodes.forEach((n, i) => {
    const p = cy.getElementById(n.id).position();
    out[2 * i] = p.x;
    out[2 * i + 1] = p.y;
  });
  cy.destroy();
  return out;
}

// A draft places nodes by graph distance in units of about one hop: a chart of thousands of
// nodes a few hops apart comes out a few hundred px wide, its nodes stacked on each other.
// Scaled about its centre (the same picture, shapes and groups kept) until each node has a
// `room` × `room` square; never shrunk. `xy`: [x0, y0, ...], changed in place.
function spread(xy, room) {
  const n = xy.length / 2;
  let x1 = Infinity, x2 = -Infinity, y1 = Infinity, y2 = -Infinity;
  for (let i = 0; i < n; i++) {
    x1 = Math.min(x1, xy[2 * i]); x2 = Math.max(x2, xy[2 * i]);
    y1 = Math.min(y1, xy[2 * i + 1]); y2 = Math.max(y2, xy[2 * i + 1]);
  }
  const k = Math.sqrt((n * room * room) / Math.max(1, (x2 - x1) * (y2 - y1)));
  if (!(k > 1)) return;
  const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2;
  for (let i = 0; i < n; i++) {
    xy[2 * i] = cx + (xy[2 * i] - cx) * k;
    xy[2 * i + 1] = cy + (xy[2 * i + 1] - cy) * k;
  }
}

// A draft puts nodes with the same distances to its pivots on one spot (the leaves of one
// hub, say): a tenth of a big chart's nodes can sit exactly on another. Nodes within a
// quarter `room` of each other are fanned out around their spot on a sunflower spiral, half a
// `room` apart, so each can be seen and picked; the picture is otherwise unchanged.
function unstack(xy, room) {
  const cell = room / 4;
  const spots = new Map();
  for (let i = 0; i < xy.length / 2; i++) {
    const key = `${Math.floor(xy[2 * i] / cell)},${Math.floor(xy[2 * i + 1] / cell)}`;
    if (!spots.has(key)) spots.set(key, []);
    spots.get(key).push(i);
  }
  const turn = Math.PI * (3 - Math.sqrt(5));
  for (const stack of spots.values()) {
    if (stack.length < 2) continue;
    const x = xy[2 * stack[0]], y = xy[2 * stack[0] + 1];
    stack.forEach((i, j) => {
      const r = (room / 2) * Math.sqrt(j);
      xy[2 * i] = x + r * Math.cos(j * turn);
      xy[2 * i + 1] = y + r * Math.sin(j * turn);
    });
  }
}

self.onmessage = (event) => {
  const { id } = event.data;
  try {
    const positions = layOut(event.data);
    self.postMessage({ id, positions }, [positions.buffer]);
  } catch (error) {
    self.postMessage({ id, error: String((error && error.message) || error) });
  }
};
// A first small draft compiles fcose's and Cytoscape's code paths before a real chart needs
// them (a ring of 60 nodes: a few ms).
const ring = Array.from({ length: 60 }, (_, i) => ({ id: `w${i}` }));
layOut({ nodes: ring, edges: ring.map((n, i) => [n.id, ring[(i + 1) % 60].id]),
  options: { name: "fcose", quality: "draft", randomize: true }, nodeSize: 30, room: 60 });
self.postMessage({ ready: true });
