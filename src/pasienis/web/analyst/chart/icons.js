// One icon and colour per schema (FollowTheMoney and the customs schemata), as SVG data URIs:
// drawn here so nothing is fetched, and shared by the chart and its SVG export.
const GLYPHS = {
  person: '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7z"/>',
  company: '<path d="M3 21V7l6-3v5l6-3v5l6-3v13z"/>',
  vehicle: '<path d="M3 15l2-6h14l2 6v4h-2a2 2 0 0 1-4 0H9a2 2 0 0 1-4 0H3z"/>',
  document: '<path d="M6 2h9l4 4v16H6z"/><path d="M9 11h7M9 15h7" stroke="#fff" stroke-width="1.5"/>',
  phone: '<rect x="7" y="2" width="10" height="20" rx="2"/><circle cx="12" cy="18" r="1.2" fill="#fff"/>',
  address: '<path d="M12 2a7 7 0 0 1 7 7c0 5-7 13-7 13S5 14 5 9a7 7 0 0 1 7-7z"/><circle cx="12" cy="9" r="2.5" fill="#fff"/>',
  place: '<path d="M4 21V9l8-6 8 6v12h-5v-6H9v6z"/>',
  camera: '<rect x="2" y="7" width="14" height="10" rx="2"/><path d="M16 10l6-3v10l-6-3z"/>',
  event: '<path d="M4 4h16v16H4z"/><path d="M4 9h16" stroke="#fff" stroke-width="1.5"/>',
  money: '<circle cx="12" cy="12" r="9"/><path d="M12 7v10M9 9.5h4.5a1.5 1.5 0 0 1 0 3h-3a1.5 1.5 0 0 0 0 3H15" stroke="#fff" stroke-width="1.5" fill="none"/>',
  other: '<circle cx="12" cy="12" r="8"/>',
};
const COLOURS = {
  person: "#1c7ed6", company: "#5f3dc4", vehicle: "#e8590c", document: "#2b8a3e",
  phone: "#0b7285", address: "#c2255c", place: "#495057", camera: "#495057", event: "#868e96",
  money: "#a61e4d", other: "#5c677d",
};
const SCHEMA_KIND = {
  Person: "person", LegalEntity: "company", Company: "company", Organization: "company",
  Vehicle: "vehicle", Vessel: "vehicle", Airplane: "vehicle", Passport: "document",
  Identification: "document", Document: "document", Pages: "document", PlainText: "document",
  Email: "document", Mention: "document", Phone: "phone", Address: "address", BorderCheckpoint: "place",
  Checkpoint: "place", Camera: "camera", Payment: "money", BankAccount: "money",
  CustomsDeclaration: "event", Declaration: "event", Seizure: "event", Violation: "event",
};

export function kindOf(schema) {
  return SCHEMA_KIND[schema] || "other";
}

export function colourOf(schema) {
  return COLOURS[kindOf(schema)];
}

export function glyphOf(schema) {
  return GLYPHS[kindOf(schema)];
}

const cache = new Map();
// The icon as an SVG data URI (the fallback, and what a chart drawn before `prepareIcons`
// gets).
function svgIcon(kind) {
  if (!cache.has(kind)) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="${COLOURS[kind]}">${GLYPHS[kind]}</svg>`;
    cache.set(kind, `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
  }
  return cache.get(kind);
}

// The chart's icons as bitmaps (docs/benchmarks.md, issue 17): the SVG data URIs loaded only
// when a node was first drawn, so a big chart was drawn without icons and then drawn again
// in full when they arrived, and at its overview zoom the icons never showed (the node
// textures made before the images had loaded were kept). A PNG drawn once per schema kind,
// decoded before any chart is made (options.js hands it to the renderer), is in the first
// frame at every zoom; its `blob:` URL is also a fifth of the data URI's length (Cytoscape
// hashes every style string of every node).
// ICON_PX covers the icon at the chart's largest zoom (21 px × maxZoom 4).
export const ICON_PX = 96;
const bitmaps = new Map(); // kind → { url, image } (a decoded <img> of the PNG)
let preparing = null;

async function bitmapOf(kind) {
  const svg = new Image();
  svg.src = svgIcon(kind);
  await svg.decode();
  const canvas = document.createElement("canvas");
  canvas.width = ICON_PX;
  canvas.height = ICON_PX;
  canvas.getContext("2d").drawImage(svg, 0, 0, ICON_PX, ICON_PX);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  if (!blob) throw new Error(`no bitmap for icon ${kind}`);
  const url = URL.createObjectURL(blob);
  const image = new Image();
  image.crossOrigin = "anonymous"; // as Cytoscape loads a non-data background image
  image.src = url;
  await image.decode();
  return { url, image };
}

// Draws every icon once (idempotent); on failure the SVG icons stay in use.
export function prepareIcons() {
  if (!preparing) {
    preparing = Promise.all(Object.keys(GLYPHS).map(async (kind) => {
      bitmaps.set(kind, await bitmapOf(kind));
    })).catch(() => { bitmaps.clear(); });
  }
  return preparing;
}

// The decoded icon images by URL (the chart hands them to its renderer, options.js).
export function iconImages() {
  return new Map([...bitmaps.values()].map((b) => [b.url, b.image]));
}

export function iconOf(schema) {
  const kind = kindOf(schema);
  const bitmap = bitmaps.get(kind);
  return bitmap ? bitmap.url : svgIcon(kind);
}
