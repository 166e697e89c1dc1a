// The three layouts: force-directed (fcose, in a worker: force.js), hierarchical
// (breadth-first from the selected or best-connected nodes) and circle. Pinned (locked) nodes
// keep their place in all three.
import { DRAFT, forceOptions, relayout } from "./force.js";

export { DRAFT };

export function layoutOptions(name, cy, { incremental = false } = {}) {
  const animate = cy.nodes().length <= 300;
  if (name === "hierarchical") {
    const selected = cy.nodes(":selected:childless");
    const roots = selected.nonempty() ? selected
      : cy.nodes(":childless").max((n) => n.degree()).ele;
    return { name: "breadthfirst", directed: false, roots, spacingFactor: 1.1, animate,
      fit: true, padding: 30 };
  }
  if (name === "circle") return { name: "circle", animate, fit: true, padding: 30 };
  return forceOptions(cy.nodes().length, { incremental });
}

// Lays the visible elements out; the force layout runs off the page's thread (force.js).
export function runLayout(cy, name, opts) {
  if (name === "force") return relayout(cy, opts);
  const eles = cy.elements(":visible");
  return new Promise((resolve) => {
    const layout = eles.layout(layoutOptions(name, cy, opts));
    layout.one("layoutstop", resolve);
    layout.run();
  });
}
