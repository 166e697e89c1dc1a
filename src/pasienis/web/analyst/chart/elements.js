// Graph API answers → Cytoscape elements, and the chart's saved state ↔ the live chart.
import { colourOf, iconOf } from "./icons.js";
import { markOverview } from "./overview.js";
import { edgeWidth } from "./style.js";

export function nodeElement(node, position) {
  return {
    group: "nodes",
    data: { id: node.id, label: node.label || node.id, schema: node.schema,
      datasets: node.datasets || [], seizures: node.seizures || 0,
      icon: iconOf(node.schema), colour: colourOf(node.schema) },
    ...(position ? { position: { ...position } } : {}),
  };
}

export function edgeElement(edge) {
  return {
    group: "edges",
    data: { id: edge.id, source: edge.source, target: edge.target, relation: edge.relation,
      weight: edge.weight, w: edgeWidth(edge.weight), first: edge.first, last: edge.last,
      datasets: edge.datasets || [] },
    classes: edge.relation === "co_travel" ? ["cotravel"] : [],
  };
}

// Adds what is not in the chart yet; new nodes start in a ring around `near` (a position),
// so an expansion grows where the analyst is looking. Returns the added collection.
export function addGraph(cy, graph, near) {
  const fresh = newElements(cy, graph, near);
  return cy.add(markOverview(cy, fresh, cy.elements().length + fresh.length));
}

// The element JSON of what `graph` has that the chart has not, nodes placed as addGraph says.
export function newElements(cy, graph, near) {
  const fresh = [];
  const newNodes = (graph.nodes || []).filter((n) => cy.getElementById(n.id).empty());
  newNodes.forEach((node, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, newNodes.length);
    const radius = 80 + 4 * newNodes.length;
    const at = near ? { x: near.x + radius * Math.cos(angle), y: near.y + radius * Math.sin(angle) }
      : { x: 300 * Math.cos(angle), y: 300 * Math.sin(angle) };
    fresh.push(nodeElement(node, at));
  });
  for (const edge of graph.edges || []) {
    if (cy.getElementById(edge.id).empty()) fresh.push(edgeElement(edge));
  }
  return fresh;
}

// Everything needed to reopen the chart exactly (the server checks and records datasets).
export function chartState(cy, view) {
  const nodes = cy.nodes().map((n) => ({
    id: n.id(), data: { ...n.data() }, position: n.isParent() ? null : { ...n.position() },
    classes: n.classes().filter((c) => ["hidden", "pinned"].includes(c)),
  }));
  const graphNodes = nodes.filter((n) => !n.data.group);
  const groups = nodes.filter((n) => n.data.group)
    .map((n) => ({ id: n.id, label: n.data.label, classes: n.classes }));
  for (const n of graphNodes) { delete n.data.icon; delete n.data.colour; }
  const edges = cy.edges().map((e) => ({
    id: e.id(), source: e.data("source"), target: e.data("target"), data: { ...e.data() },
    classes: e.classes().filter((c) => ["hidden", "cotravel"].includes(c)),
  }));
  return { nodes: graphNodes, edges, groups,
    view: { ...view, zoom: cy.zoom(), pan: { ...cy.pan() } } };
}

// The saved view is set first and the elements come in one `add` with their positions and
// the classes of that view (overview.js): no layout, no fit, each element styled once.
export function restoreState(cy, state) {
  cy.elements().remove();
  if (state.view && state.view.zoom) cy.viewport({ zoom: state.view.zoom, pan: state.view.pan });
  const els = [];
  for (const g of state.groups || []) {
    els.push({ group: "nodes", data: { id: g.id, label: g.label, group: true }, classes: g.classes || [] });
  }
  for (const n of state.nodes) {
    const el = nodeElement({ ...n.data, id: n.id }, n.position);
    if (n.data.parent) el.data.parent = n.data.parent;
    el.classes = n.classes || [];
    els.push(el);
  }
  for (const e of state.edges) {
    els.push({ group: "edges", data: { ...e.data, id: e.id, source: e.source, target: e.target },
      classes: e.classes || [] });
  }
  cy.add(markOverview(cy, els, els.length));
  cy.nodes(".pinned").lock();
}
