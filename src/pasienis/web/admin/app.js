// Administration: accounts (create with a one-time password, roles, disable, API tokens),
// datasets with their classification, the grants that open datasets to users and groups, and
// the devices of field units (new secret shown once, deactivate / activate).
import { api } from "/web/common/api.js";
import { applyTranslations, formatTime, t } from "/web/common/i18n.js";
import { qrSvg } from "/web/common/qr.js";
import { $, escape, label, showError, startApp } from "/web/common/shell.js";

const ROLES = ["administrator", "analyst", "dispatcher", "field_officer", "auditor"];
const CLEARANCES = ["public", "restricted", "confidential", "secret"];
const state = { me: null, users: [], datasets: [], grants: [], devices: [], managed: null };

async function main() {
  state.me = await startApp("administrator");
  if (!state.me) return;
  fillStaticChoices();
  applyTranslations($("#app"));
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.addEventListener("click", () => showTab(tab.dataset.tab));
  }
  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", () => copySecret(button));
  }
  $("#create-form").addEventListener("submit", createAccount);
  $("#roles-form").addEventListener("submit", saveRoles);
  $("#toggle-disabled").addEventListener("click", toggleDisabled);
  $("#issue-token").addEventListener("click", issueToken);
  $("#revoke-tokens").addEventListener("click", revokeTokens);
  $("#manage-close").addEventListener("click", closeManage);
  $("#dataset-form").addEventListener("submit", saveDataset);
  $("#grant-form").addEventListener("submit", addGrant);
  $("#grant-form select[name=kind]").addEventListener("change", (event) => {
    $("#grant-user").hidden = event.target.value !== "user";
    $("#grant-group").hidden = event.target.value !== "group";
  });
  await reload();
}

function fillStaticChoices() {
  for (const fieldset of document.querySelectorAll("fieldset.roles")) {
    for (const role of ROLES) {
      const choice = document.createElement("label");
      choice.className = "check";
      choice.innerHTML = `<input type="checkbox" name="roles" value="${role}">
        <span>${escape(label("role", role))}</span>`;
      fieldset.append(choice);
    }
  }
  for (const select of document.querySelectorAll("select.clearance-select")) {
    select.innerHTML = CLEARANCES.map((c) => `<option value="${c}">${escape(label("clearance", c))}</option>`).join("");
    select.value = "restricted";
  }
}

function showTab(name) {
  for (const tab of document.querySelectorAll("[data-tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  $("#tab-accounts").hidden = name !== "accounts";
  $("#tab-datasets").hidden = name !== "datasets";
  $("#tab-devices").hidden = name !== "devices";
}

async function reload() {
  try {
    const [users, datasets, grants, devices] = await Promise.all([
      api("/api/users"), api("/api/datasets"), api("/api/grants"), api("/api/ops/devices"),
    ]);
    Object.assign(state, { users, datasets, grants, devices });
    showError($("#app-error"), null);
  } catch (error) {
    showError($("#app-error"), error);
    return;
  }
  renderUsers();
  renderDatasets();
  renderGrants();
  renderDevices();
}

const roleBadges = (roles) => roles.length
  ? roles.map((r) => `<span class="badge role">${escape(label("role", r))}</span>`).join(" ")
  : `<span class="muted">${escape(t("admin.no_roles"))}</span>`;

function renderUsers() {
  $("#users tbody").innerHTML = state.users.map((u) => `
    <tr data-user="${escape(u.name)}" class="${u.disabled ? "is-disabled" : ""}">
      <td class="mono">${escape(u.name)}</td>
      <td>${escape(u.display_name || "")}</td>
      <td class="roles-cell">${roleBadges(u.roles)}</td>
      <td>${escape(label("clearance", u.clearance))}</td>
      <td>${u.disabled ? `<span class="badge off">${escape(t("admin.disabled"))}</span>`
        : `<span class="badge on">${escape(t("admin.active"))}</span>`}</td>
      <td class="nowrap">${escape(formatTime(u.created_at))}</td>
      <td><button type="button" class="small manage">${escape(t("admin.manage"))}</button></td>
    </tr>`).join("");
  for (const row of document.querySelectorAll("#users tbody tr")) {
    $(".manage", row).addEventListener("click", () => openManage(row.dataset.user));
  }
  const users = $("#grant-form select[name=user]");
  users.innerHTML = state.users.map((u) => `<option value="${escape(u.name)}">${escape(u.name)}</option>`).join("");
  if (state.managed) openManage(state.managed, { keepMessages: true });
}

function openManage(name, { keepMessages = false } = {}) {
  const user = state.users.find((u) => u.name === name);
  if (!user) return closeManage();
  state.managed = name;
  const section = $("#manage");
  section.hidden = false;
  $("#manage-name").textContent = name;
  for (const box of section.querySelectorAll("input[name=roles]")) box.checked = user.roles.includes(box.value);
  $("#toggle-disabled").textContent = t(user.disabled ? "admin.enable" : "admin.disable");
  $("#toggle-disabled").className = user.disabled ? "" : "danger";
  if (!keepMessages) {
    $("#token-once").hidden = true;
    showError($("#roles-form .error"), null);
    $("#roles-form .ok").textContent = "";
  }
  section.scrollIntoView({ block: "nearest" });
}

function closeManage() {
  state.managed = null;
  $("#manage").hidden = true;
  $("#token-once").hidden = true;
}

// Named form controls, read through `elements` so a control called "name" or "title" never
// collides with the form element's own properties.
const field = (form, name) => form.elements.namedItem(name);

const checkedRoles = (form) => [...form.querySelectorAll("input[name=roles]:checked")].map((b) => b.value);

// Runs one change against the API and reports it in the managed account's panel.
async function manageAction(request, okKey) {
  const form = $("#roles-form");
  showError($(".error", form), null);
  $(".ok", form).textContent = "";
  try {
    const answer = await request();
    if (okKey) $(".ok", form).textContent = t(okKey, answer || {});
    await reload();
    return answer;
  } catch (error) {
    showError($(".error", form), error);
    return null;
  }
}

async function saveRoles(event) {
  event.preventDefault();
  const name = state.managed;
  await manageAction(() => api(`/api/users/${encodeURIComponent(name)}/roles`, {
    method: "PUT", body: { roles: checkedRoles(event.target) },
  }), "admin.roles_saved");
}

async function toggleDisabled() {
  const name = state.managed;
  const user = state.users.find((u) => u.name === name);
  if (!user) return;
  if (!user.disabled && !window.confirm(t("admin.confirm_disable", { name }))) return;
  await manageAction(() => api(`/api/users/${encodeURIComponent(name)}/disabled`, {
    method: "PUT", body: { disabled: !user.disabled },
  }), user.disabled ? "admin.enabled_ok" : "admin.disabled_ok");
}

async function issueToken() {
  const name = state.managed;
  const issued = await manageAction(
    () => api(`/api/users/${encodeURIComponent(name)}/tokens`, { method: "POST" }), null);
  if (!issued) return;
  $("#token-value").textContent = issued.token;
  $("#token-once").hidden = false;
  $("#roles-form .ok").textContent = issued.expires_at
    ? t("admin.token_expires", { at: formatTime(issued.expires_at) }) : "";
}

async function revokeTokens() {
  const name = state.managed;
  if (!window.confirm(t("admin.confirm_revoke_tokens", { name }))) return;
  $("#token-once").hidden = true;
  await manageAction(() => api(`/api/users/${encodeURIComponent(name)}/tokens`, { method: "DELETE" }),
    "admin.tokens_revoked");
}

async function createAccount(event) {
  event.preventDefault();
  const form = event.target;
  const data = new FormData(form);
  const roles = checkedRoles(form);
  showError($(".error", form), null);
  $("#password-once").hidden = true;
  if (!roles.length) {
    $(".error", form).textContent = t("admin.pick_a_role");
    return;
  }
  try {
    const created = await api("/api/users", { method: "POST", body: {
      name: String(data.get("name")).trim(), roles, clearance: data.get("clearance"),
      display_name: String(data.get("display_name")).trim() || null,
    } });
    $("#password-for").textContent = t("admin.created_for", { name: created.name });
    $("#password-value").textContent = created.password;
    $("#password-once").hidden = false;
    form.reset();
    form.querySelector("select[name=clearance]").value = "restricted";
    await reload();
  } catch (error) {
    showError($(".error", form), error);
  }
}

async function copySecret(button) {
  const text = document.getElementById(button.dataset.copy).textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = t("common.copied");
  } catch {
    // No clipboard (plain HTTP): select the text so Ctrl+C copies it.
    window.getSelection().selectAllChildren(document.getElementById(button.dataset.copy));
  }
}

function renderDatasets() {
  const body = $("#datasets tbody");
  body.innerHTML = state.datasets.length ? state.datasets.map((d) => `
    <tr data-dataset="${escape(d.name)}">
      <td class="mono">${escape(d.name)}</td>
      <td>${escape(d.title || "")}</td>
      <td><span class="badge level-${escape(d.classification)}">${escape(label("clearance", d.classification))}</span></td>
    </tr>`).join("") : `<tr><td colspan="3" class="empty">${escape(t("admin.no_datasets"))}</td></tr>`;
  for (const row of body.querySelectorAll("tr[data-dataset]")) {
    row.addEventListener("click", () => {
      const found = state.datasets.find((d) => d.name === row.dataset.dataset);
      const form = $("#dataset-form");
      field(form, "name").value = found.name;
      field(form, "title").value = found.title || "";
      field(form, "classification").value = found.classification;
    });
  }
  $("#grant-form select[name=dataset]").innerHTML =
    `<option value="*">${escape(t("admin.every_dataset"))}</option>` +
    state.datasets.map((d) => `<option value="${escape(d.name)}">${escape(d.name)}</option>`).join("");
}

async function saveDataset(event) {
  event.preventDefault();
  const form = event.target;
  const name = String(field(form, "name").value).trim();
  showError($(".error", form), null);
  try {
    await api(`/api/datasets/${encodeURIComponent(name)}`, { method: "PUT", body: {
      classification: field(form, "classification").value, title: field(form, "title").value.trim() || null,
    } });
    form.reset();
    field(form, "classification").value = "restricted";
    await reload();
  } catch (error) {
    showError($(".error", form), error);
  }
}

function renderGrants() {
  const body = $("#grants tbody");
  body.innerHTML = state.grants.length ? state.grants.map((g, i) => `
    <tr data-grant="${i}">
      <td class="mono">${g.resource === "*" ? escape(t("admin.every_dataset")) : escape(g.resource)}</td>
      <td><span class="badge">${escape(label("admin.kind", g.grantee_kind))}</span> ${escape(g.grantee)}</td>
      <td>${escape(label("admin.permission", g.permission || "read"))}</td>
      <td>${escape(g.granted_by || "")}</td>
      <td class="nowrap">${escape(formatTime(g.granted_at))}</td>
      <td><button type="button" class="small danger revoke">${escape(t("admin.revoke"))}</button></td>
    </tr>`).join("") : `<tr><td colspan="6" class="empty">${escape(t("admin.no_grants"))}</td></tr>`;
  for (const row of body.querySelectorAll("tr[data-grant]")) {
    $(".revoke", row).addEventListener("click", () => revokeGrant(state.grants[Number(row.dataset.grant)]));
  }
}

async function addGrant(event) {
  event.preventDefault();
  const form = event.target;
  const kind = field(form, "kind").value;
  const who = kind === "user" ? field(form, "user").value : field(form, "group").value.trim();
  showError($(".error", form), null);
  if (!who) {
    $(".error", form).textContent = t("admin.pick_a_grantee");
    return;
  }
  try {
    await api(`/api/datasets/${encodeURIComponent(field(form, "dataset").value)}/grants`, {
      method: "POST", body: { [kind]: who, permission: field(form, "permission").value },
    });
    field(form, "group").value = "";
    await reload();
  } catch (error) {
    showError($(".error", form), error);
  }
}

async function revokeGrant(grant) {
  const label = grant.resource === "*" ? t("admin.every_dataset") : grant.resource;
  if (!window.confirm(t("admin.confirm_revoke", { dataset: label, grantee: grant.grantee }))) return;
  const query = new URLSearchParams({ [grant.grantee_kind]: grant.grantee });
  try {
    await api(`/api/datasets/${encodeURIComponent(grant.resource)}/grants?${query}`, { method: "DELETE" });
    await reload();
  } catch (error) {
    showError($("#app-error"), error);
  }
}

function renderDevices() {
  const body = $("#devices tbody");
  body.innerHTML = state.devices.length ? state.devices.map((d) => `
    <tr data-device="${escape(d.id)}" class="${d.active ? "" : "is-disabled"}">
      <td class="mono">${escape(d.id)}</td>
      <td>${escape(d.call_sign || "")}</td>
      <td>${escape(d.label || "")}</td>
      <td>${d.active ? `<span class="badge on">${escape(t("admin.active"))}</span>`
        : `<span class="badge off">${escape(t("admin.disabled"))}</span>`}</td>
      <td class="nowrap">${d.last_seen_at ? escape(formatTime(d.last_seen_at)) : escape(t("admin.never"))}</td>
      <td class="nowrap">
        <button type="button" class="small pair" ${d.active ? "" : "disabled"}>${escape(t("admin.pair"))}</button>
        <button type="button" class="small rotate">${escape(t("admin.rotate"))}</button>
        <button type="button" class="small toggle ${d.active ? "danger" : ""}">${
          escape(t(d.active ? "admin.deactivate" : "admin.activate"))}</button></td>
    </tr>`).join("") : `<tr><td colspan="6" class="empty">${escape(t("admin.no_devices"))}</td></tr>`;
  for (const row of body.querySelectorAll("tr[data-device]")) {
    const device = state.devices.find((d) => d.id === row.dataset.device);
    $(".pair", row).addEventListener("click", () => pairDevice(device));
    $(".rotate", row).addEventListener("click", () => rotateDevice(device));
    $(".toggle", row).addEventListener("click", () => toggleDevice(device));
  }
}

// Runs one device change and reports it under the device table.
async function deviceAction(request, okText) {
  showError($("#device-error"), null);
  $("#device-ok").textContent = "";
  try {
    const answer = await request();
    $("#device-ok").textContent = okText || "";
    await reload();
    return answer;
  } catch (error) {
    showError($("#device-error"), error);
    return null;
  }
}

async function rotateDevice(device) {
  if (!window.confirm(t("admin.confirm_rotate", { device: device.id }))) return;
  $("#device-once").hidden = true;
  $("#device-pairing").hidden = true;
  const setup = await deviceAction(() => api(
    `/api/ops/devices/${encodeURIComponent(device.id)}/rotate`, { method: "POST" }), "");
  if (!setup) return;
  $("#device-once-text").textContent = t("admin.device_secret_once", { device: device.id });
  $("#device-secret").textContent = setup.secret;
  $("#device-url").textContent = setup.traccar_server_url;
  $("#device-once").hidden = false;
}

// A one-time pairing link (new secret) shown as QR codes: the field app, OwnTracks' inline
// configuration and the Traccar Client server URL, so a crew sets up a phone by scanning.
async function pairDevice(device) {
  if (!window.confirm(t("admin.confirm_pair", { device: device.id }))) return;
  $("#device-once").hidden = true;
  $("#device-pairing").hidden = true;
  const setup = await deviceAction(() => api(
    `/api/ops/devices/${encodeURIComponent(device.id)}/pairing`, { method: "POST" }), "");
  if (!setup) return;
  $("#device-pairing-text").textContent = t("admin.pairing_once", {
    device: device.id, until: formatTime(setup.pairing_expires_at) });
  $("#qr-pair").replaceChildren(qrSvg(setup.pairing_link, { title: t("admin.qr_field_app") }));
  $("#qr-owntracks").replaceChildren(qrSvg(setup.owntracks_link, { title: t("admin.qr_owntracks") }));
  $("#qr-traccar").replaceChildren(qrSvg(setup.traccar_server_url, { title: t("admin.qr_traccar") }));
  $("#pair-traccar-id").textContent = setup.traccar_device_identifier;
  $("#pair-link").textContent = setup.pairing_link;
  $("#device-pairing").hidden = false;
}

async function toggleDevice(device) {
  if (device.active && !window.confirm(t("admin.confirm_deactivate", { device: device.id }))) return;
  $("#device-once").hidden = true;
  await deviceAction(() => api(`/api/ops/devices/${encodeURIComponent(device.id)}/active`, {
    method: "PUT", body: { active: !device.active },
  }), t(device.active ? "admin.device_deactivated" : "admin.device_activated", { device: device.id }));
}

main().catch((error) => showError($("#app-error"), error));
