// Review page: entity-resolution candidates one pair at a time — the two records side by side
// (their visible statements and sources) and the model's evidence per comparison — decided
// with the keyboard: M merge, N not the same, U unsure, J/K next/previous pair. The decision is
// a judgement with who/when/why (optional reason); undo is on the judgement in the profile.
import { loadStyle } from "/web/common/basemap.js";

const KEYS = { m: "merge", n: "not-same", u: "unsure" };
let keyHandler = null;

export function unmount() {
  if (keyHandler) document.removeEventListener("keydown", keyHandler);
  keyHandler = null;
}

export async function mount(root, app, args = []) {
  loadStyle("/web/analyst/pages/tools.css");
  const { t } = app;
  root.innerHTML = `
    <section class="review" aria-labelledby="review-title">
      <h1 id="review-title">${t("analyst.review.title")}</h1>
      <p class="muted">${t("analyst.review.keys")}</p>
      <label>${t("analyst.review.kind")}
        <select id="review-kind">
          <option value="">${t("analyst.review.all_kinds")}</option>
          ${["person", "company", "vehicle"].map((k) => `<option value="${k}">${app.label("analyst.review.kind", k)}</option>`).join("")}
        </select></label>
      <p id="review-status" class="muted" aria-live="polite"></p>
      <div id="review-pair"></div>
      <form id="review-decide" hidden>
        <label>${t("analyst.review.reason")}
          <input name="reason" maxlength="2000" autocomplete="off" id="review-reason"></label>
        <div class="buttons" role="group" aria-label="${t("analyst.review.decision")}">
          <button type="button" data-decision="merge" class="primary" aria-keyshortcuts="M">${t("analyst.review.merge")} <kbd>M</kbd></button>
          <button type="button" data-decision="not-same" aria-keyshortcuts="N">${t("analyst.review.not_same")} <kbd>N</kbd></button>
          <button type="button" data-decision="unsure" aria-keyshortcuts="U">${t("analyst.review.unsure")} <kbd>U</kbd></button>
          <button type="button" id="review-next" aria-keyshortcuts="J">${t("analyst.review.skip")} <kbd>J</kbd></button>
        </div>
        <p class="error" role="alert"></p>
      </form>
    </section>`;
  const state = { queue: [], index: 0, kind: args[0] || "" };
  root.querySelector("#review-kind").value = state.kind;
  root.querySelector("#review-kind").addEventListener("change", async (event) => {
    state.kind = event.target.value;
    await load(app, root, state);
  });
  for (const button of root.querySelectorAll("[data-decision]")) {
    button.addEventListener("click", () => decide(app, root, state, button.dataset.decision));
  }
  root.querySelector("#review-next").addEventListener("click", () => move(app, root, state, 1));
  keyHandler = (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest && target.closest("input, textarea, select")) return;
    const key = event.key.toLowerCase();
    if (KEYS[key]) { event.preventDefault(); decide(app, root, state, KEYS[key]); }
    else if (key === "j") { event.preventDefault(); move(app, root, state, 1); }
    else if (key === "k") { event.preventDefault(); move(app, root, state, -1); }
  };
  document.addEventListener("keydown", keyHandler);
  await load(app, root, state);
}

async function load(app, root, state) {
  const query = new URLSearchParams({ status: "review", limit: "200" });
  if (state.kind) query.set("kind", state.kind);
  try {
    state.queue = await app.api(`/api/resolution/candidates?${query}`);
  } catch (error) {
    app.showError(root.querySelector("#review-status"), error);
    return;
  }
  state.index = 0;
  await show(app, root, state);
}

function move(app, root, state, step) {
  if (!state.queue.length) return;
  state.index = (state.index + step + state.queue.length) % state.queue.length;
  show(app, root, state);
}

async function show(app, root, state) {
  const status = root.querySelector("#review-status");
  const form = root.querySelector("#review-decide");
  const target = root.querySelector("#review-pair");
  if (!state.queue.length) {
    status.textContent = app.t("analyst.review.empty");
    target.innerHTML = "";
    form.hidden = true;
    return;
  }
  const summary = state.queue[state.index];
  status.textContent = app.t("analyst.review.position", { n: state.index + 1, total: state.queue.length });
  let pair;
  try { pair = await app.api(`/api/resolution/candidates/${encodeURIComponent(summary.id)}`); } catch (error) {
    app.showError(status, error); return;
  }
  target.innerHTML = renderPair(app, pair);
  target.dataset.candidate = pair.id;
  form.hidden = false;
  form.querySelector(".error").textContent = "";
  for (const link of target.querySelectorAll("a[data-entity]")) {
    link.addEventListener("click", (event) => { event.preventDefault(); app.navigate(`#/profile/${link.dataset.entity}`); });
  }
}

function renderRecord(app, record, side) {
  const e = app.escape;
  const rows = Object.entries(record.properties).map(([prop, values]) =>
    `<tr><th scope="row">${e(prop)}</th><td>${values.map(e).join("<br>")}</td></tr>`).join("");
  return `<article class="review-record" aria-label="${e(app.t(`analyst.review.${side}`))}">
    <h2>${e(app.t(`analyst.review.${side}`))} — <a href="#/profile/${e(record.entity_id)}" data-entity="${e(record.entity_id)}">${e((record.properties.name || [record.entity_id])[0])}</a></h2>
    <table class="grid"><tbody>${rows}</tbody></table>
    <p class="muted">${record.sources.map((s) => `${e(s.dataset)} · ${e(s.locator || "")}`).join("<br>")}</p>
  </article>`;
}

function renderPair(app, pair) {
  const e = app.escape;
  const evidence = (pair.evidence || []).map((item) => `<tr class="${item.agrees ? "agrees" : "differs"}">
    <th scope="row">${e(item.comparison)}</th><td>${e(item.level)}</td>
    <td class="num">${Number(item.match_weight).toFixed(2)}</td></tr>`).join("");
  const probability = pair.probability == null ? "—" : `${(pair.probability * 100).toFixed(1)} %`;
  return `<div class="review-pair">
      ${renderRecord(app, pair.left, "left")}${renderRecord(app, pair.right, "right")}
    </div>
    <section aria-labelledby="review-evidence-title">
      <h2 id="review-evidence-title">${app.t("analyst.review.evidence", { probability })}</h2>
      <table class="grid evidence"><thead><tr><th scope="col">${app.t("analyst.review.comparison")}</th>
        <th scope="col">${app.t("analyst.review.level")}</th><th scope="col">${app.t("analyst.review.weight")}</th></tr></thead>
        <tbody>${evidence}</tbody></table>
    </section>`;
}

async function decide(app, root, state, decision) {
  const form = root.querySelector("#review-decide");
  if (form.hidden || !state.queue.length) return;
  const pair = state.queue[state.index];
  const reason = form.querySelector("#review-reason").value.trim() || null;
  try {
    await app.api(`/api/resolution/candidates/${encodeURIComponent(pair.id)}`,
      { method: "POST", body: { decision, reason } });
  } catch (error) {
    app.showError(form.querySelector(".error"), error);
    return;
  }
  form.querySelector("#review-reason").value = "";
  state.queue.splice(state.index, 1);
  if (state.index >= state.queue.length) state.index = 0;
  const done = root.querySelector("#review-status");
  await show(app, root, state);
  done.textContent = `${app.t("analyst.review.decided", { decision: app.label("analyst.review.decision", decision) })} ${done.textContent}`;
}
