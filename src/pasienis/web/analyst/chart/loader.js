// Loads the vendored Cytoscape.js and the fcose layout once, as classic scripts (their UMD
// builds publish globals; `script-src 'self'` allows them), registers fcose, and draws the
// schema icons as bitmaps (icons.js) before any chart is made, and starts the force layout's
// worker (force.js), which loads its own copies of the scripts at the same time.
import { startLayoutWorker } from "./force.js";
import { prepareIcons } from "./icons.js";

const SCRIPTS = [
  "/web/vendor/cytoscape/cytoscape.min.js",
  "/web/vendor/layout-base/layout-base.js",
  "/web/vendor/cose-base/cose-base.js",
  "/web/vendor/cytoscape-fcose/cytoscape-fcose.js",
];
let loading = null;

function addScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

export function loadCytoscape() {
  if (!loading) {
    loading = (async () => {
      // Its scripts load meanwhile; a failure is the layout's to report (force.js).
      const worker = startLayoutWorker().catch(() => null);
      for (const src of SCRIPTS) {
        if (!document.querySelector(`script[src="${src}"]`)) await addScript(src);
      }
      window.cytoscape.use(window.cytoscapeFcose);
      await prepareIcons();
      await worker;
      return window.cytoscape;
    })();
  }
  return loading;
}
