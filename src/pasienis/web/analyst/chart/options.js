// The chart's Cytoscape options, shared by the workbench and the browser benchmark (so the
// benchmark measures the settings the analysts get). Tuned for big charts (docs/benchmarks.md,
// "Analyst link chart in the browser"): one device pixel per CSS pixel, no motion blur, the
// drawn chart reused as a texture while panning or zooming, above BIG elements links hidden
// during the pan/zoom gesture itself (they come back when it stops) and drawn thin on the
// overview (overview.js), and while a node is dragged every link stays drawn (drag.js). A new
// chart's first frame skips two passes Cytoscape would repeat (firstrender.js).
import { keepMainLayerWhileDragging } from "./drag.js";
import { boundsWithRenderedStyle, skipFirstStyleTriggers } from "./firstrender.js";
import { iconImages } from "./icons.js";
import { BIG, followZoom, syncOverview } from "./overview.js";
import { STYLE } from "./style.js";

export { BIG };

export function chartOptions(container, extra = {}) {
  return {
    container, style: STYLE, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4,
    pixelRatio: 1, motionBlur: false, textureOnViewport: true, hideEdgesOnViewport: false,
    boxSelectionEnabled: true, ...extra,
  };
}

// The chart as the workbench makes it: `cytoscape` is the loaded library (loader.js), `extra`
// more Cytoscape options. `plainDrag` (the bench compares it) leaves Cytoscape's own node drag
// and never hides the links.
export function createChart(cytoscape, container, extra = {}, { plainDrag = false } = {}) {
  const cy = cytoscape(chartOptions(container, extra));
  seedIconImages(cy);
  boundsWithRenderedStyle(cy);
  skipFirstStyleTriggers(cy);
  followZoom(cy);
  if (!plainDrag) keepMainLayerWhileDragging(cy);
  const tune = () => { if (!plainDrag) tuneForSize(cy); else syncOverview(cy); };
  tune();
  // "add"/"remove" come once per element: retune once per frame, not 7,000 times.
  let tuning = 0;
  cy.on("add remove", () => {
    if (!tuning) {
      tuning = requestAnimationFrame(() => { tuning = 0; if (!cy.destroyed()) tune(); });
    }
  });
  return cy;
}

// Switches the settings that depend on the chart's size; call after elements are added or
// removed. `hideEdgesOnViewport` is read by the renderer at each frame; the overview's thin
// links (overview.js) also depend on the zoom.
export function tuneForSize(cy) {
  const renderer = cy.renderer();
  if (renderer) renderer.hideEdgesOnViewport = cy.elements().length > BIG;
  syncOverview(cy);
}

// Hands the decoded icon bitmaps (icons.js) to the renderer's image cache, so the first frame
// draws every node with its icon: Cytoscape otherwise loads each image when it first draws
// it, draws the nodes without, and draws the whole chart again when the images arrive. Reads
// the renderer's `imageCache` (`{url: {image}}`, what `getCachedImage` keeps; not public API,
// checked against the vendored 3.35, feature-detected: without it images load as before).
function seedIconImages(cy) {
  const r = cy.renderer();
  if (!r || typeof r.getCachedImage !== "function") return;
  const cache = r.imageCache = r.imageCache || {};
  for (const [url, image] of iconImages()) if (!cache[url]) cache[url] = { image };
}
