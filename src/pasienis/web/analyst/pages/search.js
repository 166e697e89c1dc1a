// Search: one box over names, codes and plates; facets narrow by schema, country and dataset;
// snippets show why each hit matched. Keys: "/" focuses the box, ↓/↑ move through the
// results, Enter opens the profile, "c" opens the hit in the link chart.
import { markedHtml } from "./common.js";

const PAGE_SIZE = 20;
let keyHandler = null;

export async function mount(root, app, args) {
  const { t, escape } = app;
  const state = { q: args[0] || "", facets: { schema: [], country: [], dataset: [] }, offset: 0,
    result: null, active: -1 };
  root.innerHTML = `
    <h1 class="visually-hidden">${escape(t("analyst.search.title"))}</h1>
    <form class="search-box" role="search">
      <label for="q" class="visually-hidden">${escape(t("analyst.search.label"))}</label>
      <input id="q" name="q" type="search" autocomplete="off" maxlength="200"
        placeholder="${escape(t("analyst.search.placeholder"))}" value="${escape(state.q)}">
      <button type="submit" class="primary">${escape(t("analyst.search.submit"))}</button>
    </form>
    <p class="error" role="alert" id="search-error"></p>
    <div class="row">
      <aside class="facets" aria-label="${escape(t("analyst.search.facets"))}"></aside>
      <div class="grow">
        <p id="search-summary" class="muted" role="status" aria-live="polite"></p>
        <ol class="hits" id="hits" aria-label="${escape(t("analyst.search.results"))}"></ol>
        <button type="button" id="more" hidden>${escape(t("analyst.search.more"))}</button>
      </div>
    </div>`;
  const form = root.querySelector("form");
  const input = root.querySelector("#q");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = input.value.trim();
    state.offset = 0;
    const wanted = app.hashFor("search", state.q);
    if (location.hash !== wanted) history.replaceState(null, "", wanted);
    run(false);
  });
  root.querySelector("#more").addEventListener("click", () => {
    state.offset += PAGE_SIZE;
    run(true);
  });
  root.querySelector("aside.facets").addEventListener("change", (event) => {
    const box = event.target;
    if (!box.dataset.facet) return;
    const list = state.facets[box.dataset.facet];
    const at = list.indexOf(box.value);
    if (box.checked && at < 0) list.push(box.value);
    if (!box.checked && at >= 0) list.splice(at, 1);
    state.offset = 0;
    run(false);
  });
  keyHandler = (event) => onKey(event, root, app, state, input);
  document.addEventListener("keydown", keyHandler);
  // Focus the box, unless a dialog (the guided tour) holds the focus over the page.
  if (!document.activeElement?.closest("[role=dialog]")) input.focus();
  if (state.q) await run(false);

  async function run(append) {
    const error = root.querySelector("#search-error");
    if (!state.q) return;
    const params = new URLSearchParams({ q: state.q, limit: PAGE_SIZE, offset: state.offset });
    for (const [name, values] of Object.entries(state.facets)) {
      for (const v of values) params.append(name, v);
    }
    try {
      const result = await app.api(`/api/search?${params}`);
      app.showError(error, null);
      const hits = append && state.result ? [...state.result.hits, ...result.hits] : result.hits;
      state.result = { ...result, hits };
      renderFacets(root, app, state);
      renderHits(root, app, state);
    } catch (err) {
      app.showError(error, err);
    }
  }
}

export function unmount() {
  if (keyHandler) document.removeEventListener("keydown", keyHandler);
  keyHandler = null;
}

function renderFacets(root, app, state) {
  const { t, escape, label } = app;
  const aside = root.querySelector("aside.facets");
  aside.innerHTML = ["schema", "country", "dataset"].map((facet) => {
    const counts = state.result.facets[facet] || {};
    const chosen = new Set(state.facets[facet]);
    const names = [...new Set([...Object.keys(counts), ...chosen])];
    if (!names.length) return "";
    const boxes = names.map((name) => `
      <label><input type="checkbox" data-facet="${facet}" value="${escape(name)}"
        ${chosen.has(name) ? "checked" : ""}>
        <span>${escape(facet === "schema" ? label("analyst.schema", name) : name)}</span>
        <span class="count">${escape(counts[name] ?? 0)}</span></label>`).join("");
    return `<fieldset><legend>${escape(t(`analyst.search.facet.${facet}`))}</legend>${boxes}</fieldset>`;
  }).join("");
}

function renderHits(root, app, state) {
  const { t, escape, label } = app;
  const { hits, total, truncated } = state.result;
  root.querySelector("#search-summary").textContent = hits.length
    ? t(truncated ? "analyst.search.summary_more" : "analyst.search.summary",
      { shown: hits.length, total })
    : t("analyst.search.none", { q: state.q });
  root.querySelector("#hits").innerHTML = hits.map((hit, i) => `
    <li data-index="${i}">
      <div class="grow">
        <a class="hit" href="${app.hashFor("profile", hit.entity_id)}"
          data-id="${escape(hit.entity_id)}">${escape(hit.caption || hit.entity_id)}</a>
        <span class="badge">${escape(label("analyst.schema", hit.schema))}</span>
        <div class="snippet">${markedHtml(escape, hit.snippet)}</div>
        <div class="meta">${escape((hit.matched || []).join("; "))} ·
          ${escape(hit.datasets.join(", "))}${hit.countries.length ? ` · ${escape(hit.countries.join(", "))}` : ""}</div>
      </div>
      <a class="chart-link small" href="${app.hashFor("chart", "entity", hit.entity_id)}"
        aria-label="${escape(t("analyst.search.open_chart_of", { name: hit.caption || hit.entity_id }))}"
        >${escape(t("analyst.search.open_chart"))}</a>
    </li>`).join("");
  root.querySelector("#more").hidden = hits.length >= total;
  state.active = -1;
}

function onKey(event, root, app, state, input) {
  if (event.target.closest && event.target.closest("input, textarea, select") && event.target !== input) return;
  const links = [...root.querySelectorAll("#hits a.hit")];
  if (event.key === "/" && document.activeElement !== input) {
    event.preventDefault();
    input.focus();
    input.select();
    return;
  }
  if (!links.length || !["ArrowDown", "ArrowUp", "c"].includes(event.key)) return;
  if (event.key === "c") {
    if (document.activeElement === input || state.active < 0) return;
    app.navigate(app.hashFor("chart", "entity", links[state.active].dataset.id));
    return;
  }
  event.preventDefault();
  const step = event.key === "ArrowDown" ? 1 : -1;
  state.active = Math.max(0, Math.min(links.length - 1, state.active + step));
  for (const li of root.querySelectorAll("#hits li")) {
    li.classList.toggle("active", Number(li.dataset.index) === state.active);
  }
  links[state.active].focus();
  app.selection.set([links[state.active].dataset.id]);
}
