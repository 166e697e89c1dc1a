// Small helpers the analyst pages share: safe highlighting, downloads, element building.

// The server marks matches with <mark>; everything else in a snippet is text. Escape it all,
// then let exactly <mark> and </mark> through.
export function markedHtml(escape, snippet) {
  return escape(snippet || "").replace(/&lt;(\/?)mark&gt;/g, "<$1mark>");
}

// A passage with the span [start, end) highlighted, every part escaped.
export function highlightSpan(escape, text, start, end) {
  return `${escape(text.slice(0, start))}<mark>${escape(text.slice(start, end))}</mark>${escape(text.slice(end))}`;
}

export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// POST JSON and get the answer as a Blob (exports), with the same CSRF header as app.api.
export async function postForBlob(path, body) {
  const { csrfToken, ApiError } = await import("/web/common/api.js");
  const headers = { "Content-Type": "application/json" };
  const token = csrfToken();
  if (token) headers["X-CSRF-Token"] = token;
  const response = await fetch(path, {
    method: "POST", body: JSON.stringify(body), headers, credentials: "same-origin",
  });
  if (!response.ok) {
    const type = response.headers.get("content-type") || "";
    throw new ApiError(response.status, type.includes("json") ? await response.json() : null);
  }
  return response.blob();
}

// "file.csv:172" → {file: "file.csv", row: "172"}; "report.pdf@131" → {file, offset}.
export function splitLocator(locator) {
  if (!locator) return { file: "", where: "" };
  const at = locator.lastIndexOf(":");
  if (at > 0) return { file: locator.slice(0, at), where: locator.slice(at + 1) };
  return { file: locator, where: "" };
}
