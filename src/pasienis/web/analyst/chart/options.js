// The chart's Cytoscape options, shared by the workbench and the browser benchmark (so the
// benchmark measures the settings the analysts get). Tuned for big charts (docs/benchmarks.md,
// "Analyst link chart in the browser"): one device pixel per CSS pixel, no motion blur, the
// drawn chart reused as a texture while panning or zooming, and, above BIG elements, links
// hidden during the pan/zoom gesture itself (they come back when it stops).
import { STYLE } from "./style.js";

export const BIG = 1500;

export function chartOptions(container, extra = {}) {
  return {
    container, style: STYLE, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4,
    pixelRatio: 1, motionBlur: false, textureOnViewport: true, hideEdgesOnViewport: false,
    boxSelectionEnabled: true, ...extra,
  };
}

// Switches the settings that depend on the chart's size; call after elements are added or
// removed. `hideEdgesOnViewport` is read by the renderer at each frame.
export function tuneForSize(cy) {
  const renderer = cy.renderer();
  if (renderer) renderer.hideEdgesOnViewport = cy.elements().length > BIG;
}
