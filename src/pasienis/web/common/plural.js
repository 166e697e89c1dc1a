// Plural messages through Intl.PluralRules: a catalog holds `key.one`, `key.few`, `key.many`,
// `key.other` (Lithuanian uses all four, English one/other); `{n}` is the count, formatted for
// the page's language (set by loadLanguage on <html lang>).
import { t } from "/web/common/i18n.js";

export function plural(key, n, vars = {}) {
  const lang = document.documentElement.lang || "en";
  const category = new Intl.PluralRules(lang).select(n);
  const count = new Intl.NumberFormat(lang).format(n);
  for (const form of [category, "other"]) {
    const text = t(`${key}.${form}`, { ...vars, n: count });
    if (text !== `${key}.${form}`) return text;
  }
  return t(key, { ...vars, n: count });
}
