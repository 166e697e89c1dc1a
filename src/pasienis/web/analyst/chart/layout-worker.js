// The force layout (fcose) off the page's thread, on a headless Cytoscape (no renderer). On
// the live chart fcose asks each node for its bounding box, which styles every element and
// measures every label, and each position it sets dirties bounds the renderer recomputes;
// here nodes are bare ids with the chart's node size, and the page gets the positions back
// in one message (docs/benchmarks.md, issue 17). A classic worker: the vendored builds are
// UMD scripts (`importScripts`, allowed by the CSP's `worker-src 'self'` / `script-src 'self'`).
/* global importScripts, cytoscape, cytoscapeFcose */
importScripts(
  "/web/vendor/cytoscape/cytoscape.min.js",
  "/web/vendor/layout-base/layout-base.js",
  "/web/vendor/cose-base/cose-base.js",
  "/web/vendor/cytoscape-fcose/cytoscape-fcose.js",
);
cytoscape.use(cytoscapeFcose);

// `nodes`: [{id, parent?, x?, y?}] (positions when the layout refines the current ones),
// `edges`: [[source, target]], `options`: the fcose options (force.js), `nodeSize`: the
// chart's node size in model px, `room`: the side of the square each node should have at
// least. Answers with the positions as [x0, y0, x1, y1, ...] in the order of `nodes`
// (parents get none: they follow their children).
function layOut({ nodes, edges, options, nodeSize, room }) {
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
  if (options.quality === "draft") {
    spread(cy.nodes(), room);
    unstack(cy.nodes(), room);
  }
  const out = new Float64Array(nodes.length * 2);
  nodes.forEach((n, i) => {
    const p = cy.getElementById(n.id).position();
    out[2 * i] = p.x;
    out[2 * i + 1] = p.y;
  });
  cy.destroy();
  return out;
}

// The spectral draft places nodes by graph distance in units of `nodeSeparation`: a chart of
// thousands of nodes a few hops apart comes out a few hundred px wide, its nodes stacked on
// each other. Scaled about its centre (the same picture, shapes and groups kept) until each
// node has a `room` × `room` square; never shrunk.
function spread(nodes, room) {
  const box = nodes.boundingBox();
  const k = Math.sqrt((nodes.length * room * room) / Math.max(1, box.w * box.h));
  if (!(k > 1)) return;
  const cx = box.x1 + box.w / 2, cy = box.y1 + box.h / 2;
  nodes.positions((n) => {
    const p = n.position();
    return { x: cx + (p.x - cx) * k, y: cy + (p.y - cy) * k };
  });
}

// The draft puts nodes with the same distances to its sample nodes on one spot (the leaves of
// one hub, say): a tenth of a big chart's nodes can sit exactly on another. Nodes within a
// quarter `room` of each other are fanned out around their spot on a sunflower spiral, half a
// `room` apart, so each can be seen and picked; the picture is otherwise unchanged.
function unstack(nodes, room) {
  const cell = room / 4;
  const spots = new Map();
  nodes.forEach((n) => {
    const p = n.position();
    const key = `${Math.floor(p.x / cell)},${Math.floor(p.y / cell)}`;
    if (!spots.has(key)) spots.set(key, []);
    spots.get(key).push(n);
  });
  const turn = Math.PI * (3 - Math.sqrt(5));
  const at = new Map();
  for (const stack of spots.values()) {
    if (stack.length < 2) continue;
    const { x, y } = stack[0].position();
    stack.forEach((n, i) => {
      const r = (room / 2) * Math.sqrt(i);
      at.set(n.id(), { x: x + r * Math.cos(i * turn), y: y + r * Math.sin(i * turn) });
    });
  }
  if (at.size) nodes.positions((n) => at.get(n.id()) || n.position());
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
