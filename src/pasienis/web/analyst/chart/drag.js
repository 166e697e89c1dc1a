// Dragging a node on a big chart with every link drawn (docs/benchmarks.md, "Analyst link
// chart in the browser"). Cytoscape's canvas renderer draws the dragged nodes and their links
// on a layer of their own, but every move also marks the main layer (all other elements) for
// a redraw, and the move invalidates the bitmap cache that layer is drawn from, so each frame
// redraws all 7,000 elements one by one: 6 fps in software. Nothing on the main layer moves
// during a drag, so once it has been drawn without the dragged elements it is kept as it is
// until the drag ends; each frame then draws only the drag layer. Anything else that changes
// the chart during the drag (elements added or removed, a style, the view, the size) lets
// the main layer be drawn again.
//
// This relies on three parts of the canvas renderer that are not public API (checked against
// the vendored 3.35: `redrawHint`, `render`, `hoverData.draggingEles`); without them (another
// renderer, another version) the chart is left as Cytoscape draws it.

export function keepMainLayerWhileDragging(cy) {
  const r = cy.renderer();
  if (!r || typeof r.redrawHint !== "function" || typeof r.render !== "function"
    || !r.hoverData || !r.data || !Array.isArray(r.data.canvasNeedsRedraw)
    || typeof r.NODE !== "number") return false;
  const hint = r.redrawHint;
  const render = r.render;
  let frozen = false; // the main layer shows everything but the dragged elements
  const thaw = () => {
    if (!frozen) return;
    frozen = false;
    hint.call(r, "eles", true);
    r.redraw();
  };
  r.redrawHint = function redrawHint(group, bool) {
    if (group === "eles" && bool && frozen && this.hoverData.draggingEles) return;
    hint.call(this, group, bool);
  };
  r.render = function renderKeepingMainLayer(options) {
    if (options && options.forcedContext) return render.call(this, options); // PNG export
    const dragging = Boolean(this.hoverData.draggingEles);
    if (!dragging) thaw();
    const drawsMain = Boolean(this.data.canvasNeedsRedraw[this.NODE]);
    // The links stay drawn during a node drag even where they are hidden while the view
    // moves (`hideEdgesOnViewport`): the main layer is drawn once, so they cost nothing.
    const hideEdges = this.hideEdgesOnViewport;
    if (dragging) this.hideEdgesOnViewport = false;
    try {
      render.call(this, options);
    } finally {
      this.hideEdgesOnViewport = hideEdges;
    }
    if (dragging && drawsMain) frozen = true;
  };
  cy.on("free dragfree", thaw);
  cy.on("add remove style data viewport resize", () => {
    if (frozen) { frozen = false; hint.call(r, "eles", true); }
  });
  return true;
}
