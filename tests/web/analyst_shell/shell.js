// A minimal stand-in for analyst-a's shell, for the page tests only: the same page contract
// (mount(root, app, args), app.api/t/label/formatTime/escape/showError/navigate/selection/user).
import { api } from "/web/common/api.js";
import { formatTime, label, loadLanguage, t } from "/web/common/i18n.js";
import { ensureSignedIn } from "/web/common/login.js";
import { escape, showError } from "/web/common/shell.js";

class Selection extends EventTarget {
  constructor() { super(); this.ids = []; }
  set(ids) { this.ids = [...ids]; this.dispatchEvent(new CustomEvent("change", { detail: { ids: this.ids } })); }
  add(ids) { this.set([...new Set([...this.ids, ...ids])]); }
}

let current = null;

async function route(app) {
  const [page, ...args] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (current && current.unmount) current.unmount();
  const main = document.querySelector("#main");
  main.innerHTML = "";
  const root = document.createElement("div");
  main.append(root);
  try {
    current = await import(`/web/analyst/pages/${page || "alerts"}.js`);
  } catch {
    current = null;
    root.textContent = `no page ${page} in the test shell`;  // the other half's pages
    return;
  }
  await current.mount(root, app, args);
  document.body.dataset.page = page;
}

async function start() {
  const language = await loadLanguage();
  const user = await ensureSignedIn(document.querySelector("#login"));
  document.querySelector("#shell").hidden = false;
  document.querySelector("#who").textContent = user.name;
  const app = { api, t, label, formatTime, escape, showError, user, language,
    selection: new Selection(), navigate: (hash) => { location.hash = hash; },
    hashFor: (page, ...args) => `#/${page}${args.map((a) => `/${encodeURIComponent(a)}`).join("")}` };
  window.pasienisAnalyst = app; // the same handle as the real shell
  window.addEventListener("hashchange", () => route(app));
  await route(app);
}

start();
