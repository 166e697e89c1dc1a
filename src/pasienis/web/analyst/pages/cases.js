// Cases: the list of cases the analyst is a member of, a new case, and one case with its
// members, charts, entities, documents, alerts and notes, and its activity history.
//   #/cases          the list       #/cases/<id>     one case
export async function mount(root, app, args) {
  if (args[0]) await showCase(root, app, args[0]);
  else await showList(root, app);
}

async function showList(root, app) {
  const { t, escape, formatTime } = app;
  root.innerHTML = `<section class="card"><h1>${escape(t("analyst.cases.title"))}</h1>
    <table class="grid cases-list"><thead><tr><th>${escape(t("analyst.cases.case"))}</th>
      <th>${escape(t("analyst.cases.status"))}</th><th>${escape(t("analyst.cases.items"))}</th>
      <th>${escape(t("analyst.cases.created_by"))}</th><th>${escape(t("analyst.cases.updated"))}</th></tr></thead>
    <tbody></tbody></table></section>
    <section class="card"><h2>${escape(t("analyst.cases.new"))}</h2>
    <form id="new-case" class="form-grid">
      <label><span>${escape(t("analyst.cases.case_title"))}</span><input name="title" required maxlength="200"></label>
      <label class="wide"><span>${escape(t("analyst.cases.description"))}</span><textarea name="description" maxlength="10000"></textarea></label>
      <div class="wide"><button class="primary" type="submit">${escape(t("analyst.cases.create"))}</button>
      <p class="error" role="alert"></p></div></form></section>`;
  const body = root.querySelector("tbody");
  try {
    const cases = await app.api("/api/cases");
    body.innerHTML = cases.length ? cases.map((c) => `<tr>
      <td><a href="${app.hashFor("cases", c.id)}">${escape(c.title)}</a></td>
      <td>${escape(app.label("analyst.cases.state", c.status))}</td><td>${escape(c.items)}</td>
      <td>${escape(c.created_by)}</td><td>${escape(formatTime(c.updated_at))}</td></tr>`).join("")
      : `<tr><td colspan="5" class="empty">${escape(t("analyst.cases.none"))}</td></tr>`;
  } catch (error) {
    body.innerHTML = `<tr><td colspan="5" class="error"></td></tr>`;
    app.showError(body.querySelector("td"), error);
  }
  const form = root.querySelector("#new-case");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      const made = await app.api("/api/cases", { method: "POST",
        body: { title: data.get("title"), description: data.get("description") || null } });
      app.navigate(app.hashFor("cases", made.id));
    } catch (error) {
      app.showError(form.querySelector(".error"), error);
    }
  });
}

const KINDS = ["chart", "entity", "document", "alert", "note"];

async function showCase(root, app, caseId) {
  const box = document.createElement("div");
  root.replaceChildren(box);
  const { t, escape, formatTime, label } = app;
  const base = `/api/cases/${encodeURIComponent(caseId)}`;
  let kase;
  let history;
  try {
    [kase, history] = await Promise.all([app.api(base), app.api(`${base}/activity`)]);
  } catch (error) {
    box.innerHTML = `<p class="error" role="alert"></p><p><a href="${app.hashFor("cases")}">${escape(t("analyst.cases.back"))}</a></p>`;
    app.showError(box.querySelector(".error"), error);
    return;
  }
  const mine = kase.members.find((m) => m.grantee_kind === "user" && m.grantee === app.user.name);
  const itemLink = (i) => {
    if (i.kind === "chart") return `<a href="${app.hashFor("chart", "case", caseId, i.id)}">${escape(i.title || t("analyst.chart.untitled"))}</a> <span class="muted small">${escape(t("analyst.cases.chart_summary", i.summary || {}))} · v${escape(i.version)}</span>`;
    if (i.kind === "entity") return `<a href="${app.hashFor("profile", i.ref)}">${escape(i.title || i.ref)}</a>`;
    if (i.kind === "document") return `<a href="/api/documents/${encodeURIComponent(i.ref)}/original">${escape(i.title || i.ref)}</a>`;
    if (i.kind === "alert") return `<a href="${app.hashFor("alerts", i.ref)}">${escape(i.title || i.ref)}</a>`;
    return `<span class="note-text">${escape((i.body && i.body.text) || "")}</span>`;
  };
  const sections = KINDS.map((kind) => {
    const items = kase.items.filter((i) => i.kind === kind);
    return `<section class="card"><h2>${escape(t(`analyst.cases.kind.${kind}`))} (${items.length})</h2>
      <ul class="case-items">${items.map((i) => `<li data-item="${escape(i.id)}">${itemLink(i)}
        <span class="muted small">${escape(i.added_by)} · ${escape(formatTime(i.added_at))}</span>
        <button type="button" class="link remove-item" data-item="${escape(i.id)}"
          aria-label="${escape(t("analyst.cases.remove_item", { name: i.title || i.ref || kind }))}">${escape(t("analyst.cases.remove"))}</button></li>`).join("")}</ul>
      ${kind === "note" ? `<form id="note-form"><label for="note-text">${escape(t("analyst.cases.add_note"))}</label>
        <textarea id="note-text" class="note" maxlength="20000" required></textarea>
        <button type="submit">${escape(t("analyst.cases.add_note"))}</button></form>` : ""}</section>`;
  }).join("");
  box.innerHTML = `<p><a href="${app.hashFor("cases")}">${escape(t("analyst.cases.back"))}</a></p>
    <h1>${escape(kase.title)} <span class="badge">${escape(label("analyst.cases.state", kase.status))}</span></h1>
    ${kase.description ? `<p>${escape(kase.description)}</p>` : ""}
    <p class="error" role="alert" id="case-error"></p>
    ${kase.hidden ? `<p class="notice">${escape(t("analyst.cases.hidden", { n: kase.hidden }))}</p>` : ""}
    <section class="card"><h2>${escape(t("analyst.cases.members"))}</h2>
      <table class="grid"><thead><tr><th>${escape(t("analyst.cases.member"))}</th><th>${escape(t("analyst.cases.permission"))}</th>
        <th>${escape(t("analyst.cases.granted_by"))}</th><th><span class="visually-hidden">${escape(t("analyst.cases.actions"))}</span></th></tr></thead><tbody>
      ${kase.members.map((m) => `<tr><td>${escape(m.grantee)}${m.grantee_kind === "group" ? ` (${escape(t("analyst.cases.group"))})` : ""}</td>
        <td>${escape(label("analyst.cases.perm", m.permission))}</td><td>${escape(m.granted_by || "")}</td>
        <td><button type="button" class="link remove-member" data-kind="${escape(m.grantee_kind)}" data-name="${escape(m.grantee)}"
          aria-label="${escape(t("analyst.cases.remove_member", { name: m.grantee }))}">${escape(t("analyst.cases.remove"))}</button></td></tr>`).join("")}
      </tbody></table>
      <form id="member-form" class="toolbar">
        <label>${escape(t("analyst.cases.user"))}<input name="grantee" required maxlength="128" autocomplete="off"></label>
        <label>${escape(t("analyst.cases.kind"))}<select name="grantee_kind"><option value="user">${escape(t("analyst.cases.user"))}</option><option value="group">${escape(t("analyst.cases.group"))}</option></select></label>
        <label>${escape(t("analyst.cases.permission"))}<select name="permission"><option value="read">${escape(label("analyst.cases.perm", "read"))}</option><option value="write">${escape(label("analyst.cases.perm", "write"))}</option></select></label>
        <button type="submit">${escape(t("analyst.cases.add_member"))}</button></form>
      <div class="toolbar"><button type="button" id="toggle-status">${escape(t(kase.status === "open" ? "analyst.cases.close" : "analyst.cases.reopen"))}</button>
        ${mine ? `<span class="muted small">${escape(t("analyst.cases.you_are", { perm: label("analyst.cases.perm", mine.permission) }))}</span>` : ""}</div>
    </section>
    ${sections}
    <section class="card"><h2>${escape(t("analyst.cases.activity"))}</h2><div class="scroll"><table class="grid activity"><thead><tr>
      <th>${escape(t("analyst.profile.when"))}</th><th>${escape(t("analyst.profile.by"))}</th><th>${escape(t("analyst.cases.action"))}</th><th>${escape(t("analyst.profile.detail"))}</th></tr></thead><tbody>
      ${history.map((h) => `<tr><td class="nowrap">${escape(formatTime(h.at))}</td><td>${escape(h.actor)}</td>
        <td>${escape(label("analyst.cases.act", h.action))}</td><td class="small">${escape(Object.entries(h.detail || {}).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`).join("; "))}</td></tr>`).join("")}
      </tbody></table></div></section>`;
  const error = box.querySelector("#case-error");
  const act = (fn) => async (event) => {
    event.preventDefault();
    try { await fn(event); await showCase(root, app, caseId); } catch (err) { app.showError(error, err); }
  };
  box.querySelector("#member-form").addEventListener("submit", act(async (event) => {
    const data = Object.fromEntries(new FormData(event.target));
    await app.api(`${base}/members`, { method: "POST", body: data });
  }));
  box.querySelector("#note-form").addEventListener("submit", act(async () => {
    await app.api(`${base}/items`, { method: "POST",
      body: { kind: "note", note: box.querySelector("#note-text").value } });
  }));
  box.querySelector("#toggle-status").addEventListener("click", act(async () => {
    await app.api(base, { method: "PATCH", body: { status: kase.status === "open" ? "closed" : "open" } });
  }));
  box.addEventListener("click", async (event) => {
    const item = event.target.closest("button.remove-item");
    const member = event.target.closest("button.remove-member");
    if (!item && !member) return;
    try {
      if (item) await app.api(`${base}/items/${encodeURIComponent(item.dataset.item)}`, { method: "DELETE" });
      else await app.api(`${base}/members/${member.dataset.kind}/${encodeURIComponent(member.dataset.name)}`, { method: "DELETE" });
      await showCase(root, app, caseId);
    } catch (err) {
      app.showError(error, err);
    }
  });
}
