// The guided first tour: a small, keyboard-operable dialog that walks through the workbench on
// the demo data, opening each page in turn. `#/tour` starts it; the shell may also call
// startTour(app) on a first visit (remembered per device in localStorage "pasienis.tour").
// The dialog lives on <body>, so it stays while the pages under it change.

const STEPS = [
  { page: "#/search", text: "analyst.tour.1" },
  { page: "#/map", text: "analyst.tour.2" },
  { page: "#/timeline", text: "analyst.tour.3" },
  { page: "#/alerts", text: "analyst.tour.4" },
  { page: "#/review", text: "analyst.tour.5" },
  { page: "#/imports", text: "analyst.tour.6" },
];
export const TOUR_KEY = "pasienis.tour";

export function shouldOfferTour() {
  return localStorage.getItem(TOUR_KEY) !== "done";
}

export function startTour(app, steps = STEPS) {
  document.querySelector("#analyst-tour")?.remove();
  const box = document.createElement("div");
  box.id = "analyst-tour";
  box.className = "analyst-tour";
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-labelledby", "analyst-tour-title");
  box.setAttribute("aria-describedby", "analyst-tour-text");
  box.innerHTML = `<h2 id="analyst-tour-title">${app.escape(app.t("analyst.tour.title"))}</h2>
    <p class="muted" id="analyst-tour-step"></p><p id="analyst-tour-text"></p>
    <div class="buttons">
      <button type="button" data-go="-1">${app.escape(app.t("analyst.tour.back"))}</button>
      <button type="button" data-go="1" class="primary">${app.escape(app.t("analyst.tour.next"))}</button>
      <button type="button" data-go="close">${app.escape(app.t("analyst.tour.close"))}</button>
    </div>`;
  document.body.append(box);
  let index = 0;
  const close = () => { localStorage.setItem(TOUR_KEY, "done"); box.remove(); };
  const show = () => {
    const step = steps[index];
    box.dataset.step = String(index + 1);
    box.querySelector("#analyst-tour-step").textContent = app.t("analyst.tour.step", { n: index + 1, total: steps.length });
    box.querySelector("#analyst-tour-text").textContent = app.t(step.text);
    box.querySelector('[data-go="-1"]').disabled = index === 0;
    box.querySelector('[data-go="1"]').hidden = index === steps.length - 1;
    app.navigate(step.page);
  };
  box.addEventListener("click", (event) => {
    const go = event.target.closest("button")?.dataset.go;
    if (!go) return;
    if (go === "close") { close(); return; }
    index = Math.max(0, Math.min(steps.length - 1, index + Number(go)));
    show();
  });
  box.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  show();
  box.querySelector('[data-go="1"]').focus();
  return box;
}

export async function mount(root, app) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/web/analyst/pages/tools.css";
  if (!document.querySelector('link[href="/web/analyst/pages/tools.css"]')) document.head.append(link);
  startTour(app);
}
