// Minimal i18n: JSON dictionaries per language (en, lt), `{name}` placeholders, and times shown
// in Europe/Vilnius whatever the device's zone (the service works on Lithuanian time).

let dictionary = {};
let language = "en";

export async function loadLanguage(preferred) {
  const wanted = preferred || localStorage.getItem("pasienis.lang") || navigator.language || "en";
  language = wanted.toLowerCase().startsWith("lt") ? "lt" : "en";
  const response = await fetch(`/web/i18n/${language}.json`);
  dictionary = response.ok ? await response.json() : {};
  document.documentElement.lang = language;
  return language;
}

export function setLanguage(lang) {
  localStorage.setItem("pasienis.lang", lang);
}

export function t(key, vars = {}) {
  const text = dictionary[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

// A translated label for a code value (status, category), or the value itself when unknown.
export function label(kind, value) {
  const key = `${kind}.${value}`;
  const text = t(key);
  return text === key ? String(value ?? "") : text;
}

// One formatter per language: building an Intl.DateTimeFormat costs far more than using it,
// and the dispatcher console formats a time for every position event.
const formatters = new Map();

export function formatTime(iso) {
  if (!iso) return "";
  const locale = language === "lt" ? "lt-LT" : "en-GB";
  let format = formatters.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      timeZone: "Europe/Vilnius", dateStyle: "short", timeStyle: "short",
    });
    formatters.set(locale, format);
  }
  return format.format(new Date(iso));
}

export function applyTranslations(root = document) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll("[data-i18n-placeholder]")) {
    element.placeholder = t(element.dataset.i18nPlaceholder);
  }
  for (const element of root.querySelectorAll("[data-i18n-aria-label]")) {
    element.setAttribute("aria-label", t(element.dataset.i18nAriaLabel));
  }
}
