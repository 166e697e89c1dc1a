// Timeline page: the events (crossings, plate reads, declarations) of the selected entities on
// a vis-timeline (vendored; zoom with the wheel or the buttons from an hour to ten years), one
// row per entity. Loaded on demand: the library is fetched only when this page opens.
/* global vis */
import { loadScript, loadStyle } from "/web/common/basemap.js";

const HOUR = 3600e3;
const YEAR = 365.25 * 24 * HOUR;
let timeline = null;
let onChange = null;
let app_ = null;

export function unmount() {
  if (app_ && onChange) app_.selection.removeEventListener("change", onChange);
  if (timeline) timeline.destroy();
  timeline = null;
}

export async function mount(root, app) {
  loadStyle("/web/analyst/pages/tools.css");
  app_ = app;
  const { t } = app;
  root.innerHTML = `
    <section class="analyst-timeline" aria-labelledby="timeline-title">
      <h1 id="timeline-title">${t("analyst.timeline.title")}</h1>
      <div class="buttons" role="group" aria-label="${t("analyst.timeline.zoom")}">
        <button type="button" data-zoom="in">${t("analyst.timeline.zoom_in")}</button>
        <button type="button" data-zoom="out">${t("analyst.timeline.zoom_out")}</button>
        <button type="button" data-zoom="fit">${t("analyst.timeline.fit")}</button>
      </div>
      <p id="timeline-status" class="muted" aria-live="polite"></p>
      <div id="timeline" role="region" aria-label="${t("analyst.timeline.label")}"></div>
      <table id="timeline-table" class="grid"><caption class="visually-hidden">${t("analyst.timeline.table")}</caption>
        <thead><tr><th scope="col">${t("analyst.timeline.when")}</th><th scope="col">${t("analyst.timeline.what")}</th>
        <th scope="col">${t("analyst.timeline.source")}</th></tr></thead><tbody></tbody></table>
    </section>`;
  loadStyle("/web/vendor/vis-timeline/vis-timeline-graph2d.min.css");
  await loadScript("/web/vendor/vis-timeline/vis-timeline-graph2d.min.js");
  const items = new vis.DataSet();
  const groups = new vis.DataSet();
  timeline = new vis.Timeline(root.querySelector("#timeline"), items, groups, {
    zoomMin: HOUR, zoomMax: 10 * YEAR, stack: true, maxHeight: 420, locale: app.language,
    tooltip: { followMouse: true }, orientation: "top",
  });
  for (const button of root.querySelectorAll("[data-zoom]")) {
    button.addEventListener("click", () => {
      if (button.dataset.zoom === "fit") timeline.fit();
      else if (button.dataset.zoom === "in") timeline.zoomIn(0.5);
      else timeline.zoomOut(0.5);
    });
  }
  onChange = () => draw(app, root, items, groups);
  app.selection.addEventListener("change", onChange);
  await draw(app, root, items, groups);
}

async function draw(app, root, items, groups) {
  const status = root.querySelector("#timeline-status");
  const body = root.querySelector("#timeline-table tbody");
  const ids = app.selection.ids || [];
  items.clear();
  groups.clear();
  body.innerHTML = "";
  if (!ids.length) { status.textContent = app.t("analyst.timeline.no_selection"); return; }
  const query = ids.slice(0, 200).map((id) => `entity=${encodeURIComponent(id)}`).join("&");
  let found;
  try { found = await app.api(`/api/map/events?${query}`); } catch (error) { app.showError(status, error); return; }
  groups.add(ids.map((id) => ({ id, content: app.escape(id.slice(0, 24)) })));
  items.add(found.events.flatMap((ev) => ev.entity_ids.map((who) => ({
    id: `${ev.id}:${who}`, group: who, start: ev.occurred_at, className: ev.kind,
    content: app.escape(app.t(`analyst.timeline.kind.${ev.kind}`)),
    title: app.escape(`${ev.label} — ${app.formatTime(ev.occurred_at)}`),
  }))));
  body.innerHTML = found.events.map((ev) => `<tr data-event="${app.escape(ev.id)}"><td>${app.escape(app.formatTime(ev.occurred_at))}</td>
    <td>${app.escape(app.t(`analyst.timeline.kind.${ev.kind}`))}: ${app.escape(ev.label)}</td>
    <td>${app.escape(ev.dataset)} · ${app.escape(ev.locator || "")}</td></tr>`).join("");
  status.textContent = app.t(found.truncated ? "analyst.timeline.truncated" : "analyst.timeline.count",
    { n: found.events.length, limit: found.limit });
  if (found.events.length) timeline.fit({ animation: false });
}
