// Thin links on the overview of a big chart (docs/analyst-workbench.md, docs/benchmarks.md).
// Chromium draws the chart in software here (no GPU), and the pixels of thick lines were most
// of the first frame of a 2,000-node / 5,000-link chart. Below OVERVIEW_ZOOM a chart of more
// than BIG elements draws its links 0.6–2 model px wide (still by weight, the `overview`
// class of style.js) instead of 1.5–10: at that zoom the full widths would be under 5 screen
// px anyway. Zoomed in past OVERVIEW_ZOOM the links get their full width again.

export const BIG = 1500;
export const OVERVIEW_ZOOM = 0.5;
// The switch waits for the zoom gesture to end: one restyle of the links, not one per step.
const AFTER_ZOOM_MS = 200;

export function isOverview(elementCount, zoom) {
  return elementCount > BIG && zoom < OVERVIEW_ZOOM;
}

// Gives the links the class the chart's size and zoom call for (only those that change, in
// one batch). Returns whether the chart is in overview.
export function syncOverview(cy) {
  const on = isOverview(cy.elements().length, cy.zoom());
  // A filter on the class itself: `edges().not(".overview")` cost 25 ms on 5,000 links, run
  // after every add and zoom even when nothing changes.
  const change = cy.edges().filter((edge) => edge.hasClass("overview") !== on);
  if (change.nonempty()) {
    cy.batch(() => (on ? change.addClass("overview") : change.removeClass("overview")));
  }
  return on;
}

// Elements about to be added to `cy` (element JSON, with `elementCount` elements in the chart
// once they are in): their links get the class at once, so a reopened or expanded chart is
// styled once, not restyled after its first frame.
export function markOverview(cy, els, elementCount) {
  if (!isOverview(elementCount, cy.zoom())) return els;
  for (const el of els) {
    if (el.group === "edges") el.classes = [...(el.classes || []), "overview"];
  }
  return els;
}

export function followZoom(cy) {
  let timer = 0;
  cy.on("zoom", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { if (!cy.destroyed()) syncOverview(cy); }, AFTER_ZOOM_MS);
  });
}
