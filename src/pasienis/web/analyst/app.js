// Analyst workbench: the shell (sign-in through web/common, header, nav, hash router).
//
// CONTRACT for page modules (pages/<page>.js), shared with the other half of the app:
//   URL hash `#/<page>/<arg1>/<arg2>...` loads `import("./pages/<page>.js")` and calls
//     export async function mount(root, app, args)   // root: an empty <div> inside <main>
//     export function unmount()                       // optional, called before the next page
//   args are the decoded path segments after the page name (strings).
//   `app` offers:
//     app.api(path, options)  -> Promise<JSON>  fetch with session cookie + CSRF header;
//                               options {method, body (object -> JSON, or FormData), headers,
//                               signal}; throws ApiError {status, problem, hint, message}
//     app.t(key, params)      -> string  i18n lookup (web/i18n/<lang>.json), `{name}` params
//     app.label(prefix, v)    -> string  translated label for a code value, or v itself
//     app.formatTime(iso)     -> string  shown in Europe/Vilnius
//     app.escape(text)        -> string  HTML-escape every server value before innerHTML
//     app.showError(el, err)  -> void    puts a readable message of an ApiError into el
//     app.navigate(hash)      -> void    e.g. app.navigate("#/profile/" + id)
//     app.selection           EventTarget with `.ids` (array of selected entity ids);
//                             app.selection.set(ids) replaces them and dispatches "change"
//                             (event.detail = {ids}); app.selection.add(ids) adds
//     app.user                the signed-in user from /api/auth/me {id, name, roles, ...}
//     app.language            "en" | "lt"
//   Pages must use only ES modules, no inline scripts/styles (strict CSP), and i18n keys
//   prefixed `analyst.` (analyst.map., analyst.timeline., analyst.imports., analyst.review.,
//   analyst.alerts. belong to the pages of the same names).
import { api } from "/web/common/api.js";
import { applyTranslations, formatTime, t } from "/web/common/i18n.js";
import { $, escape, label, showError, startApp } from "/web/common/shell.js";

// Page names are module names: a hash can only load one of these (no path tricks).
const PAGES = new Set(["search", "profile", "chart", "cases", "timeline", "map", "imports",
  "review", "alerts", "tour"]);
const DEFAULT_PAGE = "search";
// An administrator without the analyst role brings sources in but reads no records: the
// import page only (its APIs are the administrators'); every other page needs an analyst.
const ADMIN_PAGES = new Set(["imports"]);

// The entities selected in any page (chart, search, profile); the timeline and map follow it.
class Selection extends EventTarget {
  constructor() { super(); this.ids = []; }
  set(ids) {
    const next = [...new Set(ids)];
    if (next.length === this.ids.length && next.every((id, i) => id === this.ids[i])) return;
    this.ids = next;
    this.dispatchEvent(new CustomEvent("change", { detail: { ids: this.ids } }));
  }
  add(ids) { this.set([...this.ids, ...ids]); }
}

export function parseHash(hash) {
  const parts = (hash || "").replace(/^#\/?/, "").split("/").filter(Boolean)
    .map((p) => { try { return decodeURIComponent(p); } catch { return p; } });
  const page = parts.shift() || DEFAULT_PAGE;
  return { page: PAGES.has(page) ? page : null, name: page, args: parts };
}

export function hashFor(page, ...args) {
  return `#/${page}${args.map((a) => `/${encodeURIComponent(a)}`).join("")}`;
}

const app = {
  api,
  t,
  label,
  formatTime,
  escape,
  showError,
  hashFor,
  selection: new Selection(),
  user: null,
  language: "en",
  navigate(hash) {
    if (location.hash === hash) route(); else location.hash = hash;
  },
};

let current = null; // {module, root}
let generation = 0;

async function route() {
  const mine = ++generation;
  const { page, name, args } = parseHash(location.hash);
  const view = $("#view");
  showError($("#app-error"), null);
  if (current && current.module.unmount) {
    try { current.module.unmount(); } catch (error) { console.error(error); }
  }
  current = null;
  view.replaceChildren();
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!page) {
    view.textContent = t("analyst.unknown_page", { name });
    return;
  }
  if (!app.user.roles.includes("analyst") && !ADMIN_PAGES.has(page)) {
    app.navigate(hashFor("imports"));
    return;
  }
  const root = document.createElement("div");
  root.className = `page-${page}`;
  view.append(root);
  try {
    const module = await import(`./pages/${page}.js`);
    if (mine !== generation) return; // the user went elsewhere while it loaded
    current = { module, root };
    document.title = `${t(`analyst.nav.${page}`)} — pasienis`;
    await module.mount(root, app, args);
    applyTranslations(root);
  } catch (error) {
    if (mine === generation) showError($("#app-error"), error);
  }
}

function showSelection() {
  const n = app.selection.ids.length;
  $("#selection-count").textContent = n ? t("analyst.selected", { n }) : "";
}

async function main() {
  app.user = await startApp(["analyst", "administrator"]);
  if (!app.user) return;
  if (!app.user.roles.includes("analyst")) {
    for (const link of document.querySelectorAll("#nav a")) {
      link.hidden = !ADMIN_PAGES.has(link.dataset.page);
    }
  }
  app.language = document.documentElement.lang || "en";
  app.selection.addEventListener("change", showSelection);
  window.addEventListener("hashchange", route);
  await route();
}

// The shell exists once per page load; tests and the bench reach it through this handle.
window.pasienisAnalyst = app;
main().catch((error) => console.error(error));
