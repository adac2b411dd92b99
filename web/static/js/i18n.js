// UI strings come translated from the page (data-i18n); "{name}" marks a blank.

/** A person's name as the reader should see it: erased people have none in live messages. */
export function personName(t, person) {
  if (person?.name) return person.name;
  return person?.person_id ? t("erased_person", { id: person.person_id.slice(0, 8) }) : t("someone");
}

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
