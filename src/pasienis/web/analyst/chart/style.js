// The chart's stylesheet: icons per schema, edge thickness by weight, co-travel pairs dashed
// and directed (leader → follower), and the classes the tools set (hidden, filtered, path,
// community, pinned, dim). Nodes keep Cytoscape's default size (30 × 30).
// The link widths in model px: weight 1 → W_MIN, the heaviest → W_MAX (edgeWidth).
const W_MIN = 1.5;
const W_MAX = 10;
// A node's size (Cytoscape's default, not set in the stylesheet) and the label below it, for
// the layout worker and for the view that fits a new chart before it is drawn (force.js):
// `charWidth` is an average glyph at `fontSize` (labels are not measured before they are drawn).
export const NODE_PX = 30;
export const LABEL = { fontSize: 10, marginY: 3, maxWidth: 110, border: 2, charWidth: 6,
  below: 15 };

export const STYLE = [
  { selector: "node", style: {
    "background-color": "#fff", "background-image": "data(icon)", "background-fit": "contain",
    "background-width": "70%", "background-height": "70%", "border-width": LABEL.border,
    "border-color": "data(colour)", label: "data(label)",
    "font-size": LABEL.fontSize, "text-valign": "bottom", "text-margin-y": LABEL.marginY,
    "text-wrap": "ellipsis", "text-max-width": LABEL.maxWidth, "min-zoomed-font-size": 8, color: "#222",
  } },
  { selector: "node[seizures > 0]", style: { "border-color": "#c92a2a", "border-width": 3 } },
  { selector: "node:selected", style: { "border-color": "#1d6fd6", "border-width": 5,
    "overlay-opacity": 0 } },
  { selector: "node.pinned", style: { "border-style": "double", "border-width": 6 } },
  { selector: ":parent", style: { shape: "round-rectangle", "background-color": "#5b6b8c",
    "background-opacity": 0.08, "background-image": "none", "border-style": "dashed",
    "border-color": "#5b6b8c", "text-valign": "top", "text-margin-y": -4, padding: 12 } },
  { selector: "edge", style: {
    // Opaque (a translucent link costs a blend per pixel on a 5,000-link chart): the colour
    // is what #9aa3b5 at 85 % looked like on the white canvas. Links are haystack lines
    // (Cytoscape's default curve style, radius 0: not set, each property set here is applied
    // to every element of a reopened chart).
    width: "data(w)", "line-color": "#a9b0c0",
  } },
  // The overview of a big chart (overview.js): links between 0.6 and 2 model px, still by
  // weight. Thick lines are most of the first frame's cost in software (no GPU), and at
  // this zoom the full widths are under 3 screen px anyway.
  { selector: "edge.overview", style: { width: `mapData(w, ${W_MIN}, ${W_MAX}, 0.6, 2)` } },
  { selector: "edge.cotravel", style: { "line-style": "dashed", "line-color": "#d9480f",
    "curve-style": "straight", "target-arrow-shape": "triangle",
    "target-arrow-color": "#d9480f" } },
  { selector: "edge:selected", style: { "line-color": "#1d6fd6", label: "data(relation)",
    "font-size": 9, "text-rotation": "autorotate", "curve-style": "straight" } },
  { selector: ".path", style: { "line-color": "#2b8a3e", "border-color": "#2b8a3e",
    "border-width": 5, "z-index": 20 } },
  { selector: "edge.path", style: { width: 6 } },
  { selector: "node.community", style: { "background-color": "#fff3bf",
    "border-color": "#f08c00", "border-width": 4 } },
  { selector: "edge.community", style: { "line-color": "#f08c00" } },
  { selector: ".dim", style: { opacity: 0.18 } },
  { selector: ".hidden, .filtered", style: { display: "none" } },
];

// Edge width grows with the log of the aggregated weight (crossings, reads, shared values):
// a pair seen 100 times is clearly thicker than one seen once, without hiding the rest.
export function edgeWidth(weight) {
  return Math.min(W_MAX, W_MIN + 1.6 * Math.log2(Math.max(1, Number(weight) || 1)));
}
