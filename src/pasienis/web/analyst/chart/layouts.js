export const DRAFT = 1000;

// The three layouts: force-directed (fcose), hierarchical (breadth-first from the selected or
// best-connected nodes) and circle. Pinned (locked) nodes keep their place in all three.
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
  const n = cy.nodes().length;
  return {
    // Above DRAFT nodes the spectral draft alone (no force refinement) keeps the first
    // render quick; smaller charts get the full layout (docs/benchmarks.md). fcose cannot
    // refine a draft from the current positions: an incremental draft leaves every node
    // where it is (an expansion keeps its new nodes in their ring around the seed).
    name: "fcose", quality: n > DRAFT ? "draft" : "default", randomize: !incremental,
    animate, animationDuration: 400, fit: true, padding: 30, nodeRepulsion: 6000,
    idealEdgeLength: 80, numIter: n > 300 ? 1000 : 2500, packComponents: n <= 1000,
  };
}

export function runLayout(cy, name, opts) {
  const eles = cy.elements(":visible");
  return new Promise((resolve) => {
    const layout = eles.layout(layoutOptions(name, cy, opts));
    layout.one("layoutstop", resolve);
    layout.run();
  });
}
