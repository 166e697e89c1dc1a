// The frame the administration and audit apps share: language, sign-in, the header (who, language
// switch, sign out), the role gate with a clear "not allowed" notice, and safe HTML helpers.
import { ApiError, logout } from "/web/common/api.js";
import { applyTranslations, label, loadLanguage, setLanguage, t } from "/web/common/i18n.js";
import { ensureSignedIn } from "/web/common/login.js";
import { $, escape } from "/web/common/html.js";

export { $, escape, label };

export function errorText(error) {
  if (!(error instanceof ApiError)) return t("error.network");
  if (error.status === 401) return t("common.session_ended");
  const problem = error.problem || {};
  const fields = Array.isArray(problem.errors) ? problem.errors : problem.detail;
  if (error.status === 422 && Array.isArray(fields)) {
    // A validation answer (`errors`, or FastAPI's `detail` list): name the field and the fault.
    const first = fields[0] || {};
    return t("common.invalid", { field: (first.loc || []).slice(-1)[0] || "?", reason: first.msg || "" });
  }
  const text = error.hint ? `${error.message} — ${error.hint}` : error.message;
  return error.status === 403 ? `${t("common.forbidden_action")} (${text})` : text;
}

export function showError(element, error) {
  // A fault in the page itself (not the server's answer) goes to the console for developers.
  if (error && !(error instanceof ApiError)) console.error(error);
  element.textContent = error ? errorText(error) : "";
}

// Signs the user in, fills the header and returns the user when they hold `role` (or one of
// the roles, given a list); otherwise it shows the "not allowed" notice and returns null (the
// app stays hidden, nothing half-loads).
export async function startApp(role) {
  const roles = Array.isArray(role) ? role : [role];
  const language = await loadLanguage();
  const user = await ensureSignedIn($("#login"));
  applyTranslations();
  $("#who").textContent = user.name;
  const switcher = $("#lang");
  switcher.value = language;
  switcher.addEventListener("change", () => { setLanguage(switcher.value); location.reload(); });
  $("#logout").addEventListener("click", async () => {
    try { await logout(); } finally { location.reload(); }
  });
  $("#shell").hidden = false;
  if (!roles.some((r) => user.roles.includes(r))) {
    const notice = $("#forbidden");
    notice.hidden = false;
    $("#forbidden-text").textContent = t("common.not_allowed_text", {
      name: user.name, role: roles.map((r) => label("role", r)).join(" / "),
      roles: user.roles.map((r) => label("role", r)).join(", ") || "—",
    });
    return null;
  }
  $("#app").hidden = false;
  return user;
}
