// QR codes as SVG (vendored qrcode-generator, MIT): one <path> of dark modules, drawn with DOM
// calls so it needs no inline style or script under the strict CSP. Medium error correction,
// a four-module quiet zone as the QR standard asks.
import qrcode from "/web/vendor/qrcode-generator/qrcode.js";

const SVG = "http://www.w3.org/2000/svg";

export function qrSvg(text, { size = 220, title = "" } = {}) {
  const code = qrcode(0, "M");
  code.addData(text, "Byte");
  code.make();
  const count = code.getModuleCount();
  const quiet = 4;
  const span = count + quiet * 2;
  let d = "";
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (code.isDark(row, col)) d += `M${col + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${span} ${span}`);
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("role", "img");
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.classList.add("qr");
  if (title) svg.setAttribute("aria-label", title);
  const background = document.createElementNS(SVG, "rect");
  background.setAttribute("width", String(span));
  background.setAttribute("height", String(span));
  background.setAttribute("fill", "#fff");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.append(background, path);
  svg.dataset.text = text;
  return svg;
}
