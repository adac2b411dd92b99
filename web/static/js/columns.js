// The grid's columns: the line's own fields, its amounts per year, the organisations' shares
// grouped by sector (a group can be collapsed to one column with the group's sum), the sum of
// the shares with what is left unallocated, and the line actions.

export const SECTOR_ORDER = ["public", "private", "academic", "voluntary"];
const ACTIONS = ["up", "down", "remove"];
const LEGAL_FORMS = new Set(["ab", "hb", "kb", "as", "asa", "ans", "da", "sa", "ltd", "oy", "ek.", "för."]);

/**
 * Columns for `view` and the sector groups of the share columns.
 * `options`: t, editable (the person may edit this budget at all), collapsed (a Set of
 * sectors shown as one column), mayEditShare(actor) (the person may set that share).
 */
export function gridColumns(view, { t, editable, collapsed, mayEditShare }) {
  const short = shortNames(view.actors);
  const columns = [
    { field: "label", head: t("line_item"), kind: "text", editable },
    { field: "category", head: t("category"), kind: "text", editable },
    { field: "kind", head: t("kind"), kind: "choice", editable },
    ...view.years.map((y) => ({ field: `amount:${y}`, head: String(y), kind: "money", editable })),
    { field: "total", head: t("total"), kind: "total" },
  ];
  const groups = [];
  for (const [sector, actors] of bySector(view.actors)) {
    const folded = collapsed.has(sector) && actors.length > 1;
    const name = t(`group_${sector}`);
    groups.push({ sector, head: name === `group_${sector}` ? sector : name,
                  collapsible: actors.length > 1, collapsed: folded,
                  span: folded ? 1 : actors.length, start: columns.length });
    if (folded) {
      columns.push({ field: `sector:${sector}`, head: t("group_count", { n: actors.length }),
                     kind: "group", sector,
                     actors: actors.map((a) => a.actor_id),
                     column: t("group_share", { sector: groups.at(-1).head }) });
      continue;
    }
    for (const actor of actors) {
      columns.push({ field: `share:${actor.actor_id}`, head: actor.name, short: short.get(actor.actor_id),
                     kind: "share", sector, actor: actor.actor_id,
                     column: t("share_of", { org: actor.name }),
                     editable: editable && !actor.left && mayEditShare(actor) });
    }
  }
  columns.push({ field: "shared", head: t("shared"), kind: "shared" });
  if (editable) {
    for (const action of ACTIONS) columns.push({ field: action, head: t(`action_${action}`), kind: "action" });
  }
  return { columns, groups };
}

/** The organisations by sector, in the sectors' usual order (others after them). */
export function bySector(actors) {
  const groups = new Map(SECTOR_ORDER.map((s) => [s, []]));
  for (const actor of actors) {
    if (!groups.has(actor.sector)) groups.set(actor.sector, []);
    groups.get(actor.sector).push(actor);
  }
  return [...groups].filter(([, members]) => members.length);
}

/**
 * A short name for each organisation, for narrow share columns: its initials ("Ljusdals
 * kommun" → "LK", "Högskolan i Gävle" → "HiG", "Ramsjö Bensin & Service" → "RB&S"), a legal
 * form left out; a short name stays whole. Names that would read the same get more letters.
 */
export function shortNames(actors) {
  const first = new Map(actors.map((a) => [a.actor_id, initials(a.name)]));
  const counts = countOf([...first.values()]);
  const second = new Map(actors.map((a) => [a.actor_id, counts.get(first.get(a.actor_id)) > 1
    ? initials(a.name, 3) : first.get(a.actor_id)]));
  const again = countOf([...second.values()]);
  return new Map(actors.map((a) => [a.actor_id, again.get(second.get(a.actor_id)) > 1
    ? a.name : second.get(a.actor_id)]));
}

function initials(name, lastLetters = 1) {
  const text = String(name ?? "").trim();
  if (text.length <= 6) return text;
  const words = text.split(/\s+/u).filter((w) => !LEGAL_FORMS.has(w.toLowerCase()));
  if (words.length < 2) return `${text.slice(0, 4)}.`;
  return words.map((word, i) => {
    if (word === "&" || word === "+") return word;
    const letters = i === words.length - 1 ? lastLetters : 1;
    const small = word.length <= 3 && word === word.toLowerCase();
    const start = small ? word.slice(0, 1) : word.slice(0, 1).toUpperCase();
    return start + word.slice(1, letters);
  }).join("");
}

function countOf(values) {
  const counts = new Map();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
