// SVG export of the chart as shown (positions, icons, labels, edge widths and styles).
// Written here because the npm `cytoscape-svg` extension is GPL-3.0 (not allowed here); the
// drawing is simple: straight edges, icon nodes, text labels.
import { colourOf, glyphOf } from "./icons.js";

const esc = (s) => String(s ?? "").replace(/[&<>"']/g,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]);

export function chartSvg(cy) {
  const shown = cy.elements(":visible");
  const box = shown.boundingBox({ includeLabels: true });
  const pad = 20;
  const w = Math.ceil(box.w + 2 * pad);
  const h = Math.ceil(box.h + 2 * pad);
  const dx = pad - box.x1;
  const dy = pad - box.y1;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`];
  for (const parent of shown.nodes(":parent")) {
    const b = parent.boundingBox();
    out.push(`<rect x="${b.x1 + dx}" y="${b.y1 + dy}" width="${b.w}" height="${b.h}" rx="8" fill="#5b6b8c" fill-opacity="0.08" stroke="#5b6b8c" stroke-dasharray="6 4"/>`,
      `<text x="${b.x1 + dx + 6}" y="${b.y1 + dy - 4}" font-size="11">${esc(parent.data("label"))}</text>`);
  }
  for (const edge of shown.edges()) {
    const s = edge.source().position();
    const t = edge.target().position();
    const co = edge.hasClass("cotravel");
    out.push(`<line x1="${s.x + dx}" y1="${s.y + dy}" x2="${t.x + dx}" y2="${t.y + dy}" stroke="${co ? "#d9480f" : "#9aa3b5"}" stroke-width="${edge.data("w")}"${co ? ' stroke-dasharray="6 4"' : ""}><title>${esc(edge.data("relation"))}</title></line>`);
  }
  for (const node of shown.nodes(":childless")) {
    const p = node.position();
    const x = p.x + dx;
    const y = p.y + dy;
    const schema = node.data("schema");
    out.push(`<g><circle cx="${x}" cy="${y}" r="15" fill="#fff" stroke="${colourOf(schema)}" stroke-width="2"/>`,
      `<g transform="translate(${x - 10.5} ${y - 10.5}) scale(0.875)" fill="${colourOf(schema)}">${glyphOf(schema)}</g>`,
      `<text x="${x}" y="${y + 28}" font-size="10" text-anchor="middle">${esc(node.data("label"))}</text></g>`);
  }
  out.push("</svg>");
  return out.join("\n");
}
