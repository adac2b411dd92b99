// A change in words, in the reader's language: "Anna Berg (Ljusdals kommun) changed
// Lokalhyra 2027 to 52 000 kr". Used for the polite announcements, the notices and the list of
// changes by others to lines one's organisation pays part of.

import { personName } from "./i18n.js";

/** Who made a change: "Anna Berg (Ljusdals kommun)". */
export function whoOf(t, by = {}) {
  const name = personName(t, by);
  return by.org_name ? t("who_org", { name, org: by.org_name }) : name;
}

/**
 * The change in words. `context`: t, numbers, line (the line's label), actorName(id),
 * yearName(year); the values come from the change itself.
 */
export function describeChange(change, { t, numbers, line, actorName }) {
  const { data } = change;
  const who = whoOf(t, change.by);
  let text;
  switch (change.type) {
    case "LineItemAmountChanged":
      text = t("announce_change", { who, line, column: String(data.year),
                                    value: numbers.money(data.amount ?? 0) });
      break;
    case "CostShareChanged":
      text = t("announce_change", { who, line, column: t("share_of", { org: actorName(data.actor_id) }),
                                    value: numbers.share(data.share ?? 0, true) });
      break;
    case "LineItemChanged":
      if (data.field === "label") {
        text = t("announce_renamed", { who, before: data.before ?? "", line: data.value ?? line });
      } else if (data.field !== "kind" && data.field !== "category") {
        text = t("announce_other", { who });
      } else {
        const column = t(data.field === "kind" ? "kind" : data.field);
        const value = data.field === "kind" ? t(`kind_${data.value}`) : data.value;
        text = t("announce_change", { who, line, column, value: value || t("empty") });
      }
      break;
    case "LineItemAdded":
      text = t("announce_added", { who, line: data.label ?? line });
      break;
    case "LineItemRemoved":
      text = t("announce_removed", { who, line });
      break;
    case "LineItemRestored":
      text = t("announce_restored", { who, line: data.line?.label ?? line });
      break;
    case "LineItemMoved":
      text = t("announce_moved", { who, line });
      break;
    default:
      text = t("announce_other", { who });
  }
  if (change.undo) return `${text} (${t("undo")})`;
  if (change.redo) return `${text} (${t("redo")})`;
  return text;
}

/** A cell in words: "Lokalhyra, 2027", "the name of “Lokalhyra”" ("“Lokalhyra”" for a line). */
export function describeField(t, sheet, label, field) {
  if (!field || field === "line") return t("line_quoted", { line: label });
  const [kind, key] = field.split(":");
  if (kind === "label") return t("name_of", { line: label });
  const column = kind === "amount" ? key
    : kind === "share" ? t("share_of", { org: sheet.actor(key)?.name ?? "" }) : t(kind);
  return t("cell_name", { line: label, column });
}
