// Fetch wrapper for the pasienis API: same-origin session cookie, CSRF double-submit header on
// unsafe methods, problem+json errors turned into ApiError with the server's title and hint.

export class ApiError extends Error {
  constructor(status, problem) {
    const title = (problem && (problem.title || problem.detail)) || `HTTP ${status}`;
    super(title);
    this.status = status;
    this.problem = problem;
    this.hint = problem && problem.hint;
  }
}

export function csrfToken() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("pasienis_csrf="));
  return cookie ? decodeURIComponent(cookie.slice("pasienis_csrf=".length)) : null;
}

export async function api(path, { method = "GET", body, headers = {}, signal } = {}) {
  const sent = { Accept: "application/json", ...headers };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    sent["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (!["GET", "HEAD"].includes(method)) {
    const token = csrfToken();
    if (token) sent["X-CSRF-Token"] = token;
  }
  const response = await fetch(path, {
    method, body: payload, headers: sent, credentials: "same-origin", signal,
  });
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function currentUser() {
  try {
    return await api("/api/auth/me");
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}

export function login(name, password) {
  return api("/api/auth/login", { method: "POST", body: { name, password } });
}

export function logout() {
  return api("/api/auth/logout", { method: "POST" });
}
