// UI strings come translated from the page (data-i18n); "{name}" marks a blank.

export function translator(strings) {
  const t = (key, params = {}) => {
    const text = strings[key] ?? key;
    return text.replace(/\{(\w+)\}/gu, (all, name) => (name in params ? String(params[name]) : all));
  };
  const rules = new Intl.PluralRules(document.documentElement.lang || "sv");
  /** Plural forms as "key_one" / "key_other". */
  t.count = (key, n, params = {}) => {
    const form = rules.select(n) === "one" ? "one" : "other";
    return t(`${key}_${form}`, { n, ...params });
  };
  return t;
}
