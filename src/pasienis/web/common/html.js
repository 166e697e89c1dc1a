// Small DOM helpers every app uses: one definition of how a server value is made safe for HTML.

export const $ = (selector, root = document) => root.querySelector(selector);

// Every server value goes through escape() before it is put into HTML.
export const escape = (text) => String(text ?? "").replace(/[&<>"']/g,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/** Make a list item work like a button: focusable, Enter and Space activate it. */
export function activatable(element, action) {
  element.tabIndex = 0;
  element.setAttribute("role", "button");
  element.addEventListener("click", action);
  element.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); action(); }
  });
}
