// Changes by people of other organisations to lines my organisation pays part of: a lasting
// mark on the cell (with who), a list near the grid, and "mark as seen". What is not yet seen
// is kept per person and budget in localStorage, with the log position it is complete up to,
// so that a page opened later catches up from there (the join's `since`) and also marks what
// others changed while this person was away.

const KEEP = 200; // marks kept at most (the oldest go first)
const LINE_CHANGES = new Set(["LineItemChanged", "LineItemAmountChanged", "CostShareChanged",
                              "LineItemMoved", "LineItemRemoved", "LineItemRestored"]);

export class OthersChanges {
  /** `me`: {personId, orgId}; `storageKey` per person and budget. */
  constructor(storageKey, me) {
    this.key = storageKey;
    this.me = me;
    const stored = load(storageKey);
    this.fresh = stored === null; // first visit: nothing before it counts as new
    this.position = stored?.position ?? null;
    this.marks = new Map((stored?.marks ?? []).map((m) => [m.key, m]));
    this.paying = new Map(Object.entries(stored?.paying ?? {})); // line id → label
  }

  get active() {
    return Boolean(this.me.orgId);
  }

  /** Where the first join should start, so that what changed while away is seen. */
  since(sheetPosition) {
    if (this.position === null) this.position = sheetPosition;
    return Math.min(this.position, sheetPosition);
  }

  /** Remember which lines my organisation pays part of (for removals seen later). */
  lines(lines) {
    if (!this.active) return;
    for (const line of lines) {
      if ((line.shares[this.me.orgId]?.share ?? 0) > 0) this.paying.set(line.line_id, line.label);
      else this.paying.delete(line.line_id);
    }
  }

  /**
   * Note one change; `line` is the line as it was before the change (or the line now, for
   * changes older than the sheet), `after` the line after it. Returns the new mark, or null.
   */
  note(change, { line, after, budgetId, describe }) {
    if (this.position !== null && change.position <= this.position) return null;
    this.position = change.position;
    if (!this.active || change.aggregate_id !== budgetId || !LINE_CHANGES.has(change.type)) {
      this.save();
      return null;
    }
    const { data, by = {} } = change;
    const lineId = data.line_id;
    const field = fieldKey(change);
    const key = `${lineId}|${field}`;
    const mine = by.person_id === this.me.personId || (by.org_id && by.org_id === this.me.orgId);
    if (mine) {
      this.marks.delete(key);
      if (change.type === "LineItemRemoved") {
        this.dropLine(lineId);
        this.paying.delete(lineId);
      }
      this.save();
      return null;
    }
    const myShare = (l) => l?.shares?.[this.me.orgId]?.share ?? 0;
    const ownShareChanged = change.type === "CostShareChanged" && data.actor_id === this.me.orgId
      && ((data.before ?? 0) > 0 || (data.share ?? 0) > 0);
    const pays = myShare(line) > 0 || myShare(after) > 0 || ownShareChanged
      || (change.type === "LineItemRemoved" && this.paying.has(lineId));
    if (!pays) {
      this.save();
      return null;
    }
    const label = line?.label ?? after?.label ?? this.paying.get(lineId) ?? "";
    if (change.type === "LineItemRemoved") {
      this.dropLine(lineId);
      this.paying.delete(lineId); // known again from the sheet if it is restored
    }
    const mark = { key, line_id: lineId, field, label, position: change.position, at: change.at,
                   by: { person_id: by.person_id, name: by.name, org_id: by.org_id,
                         org_name: by.org_name, sector: by.sector },
                   type: change.type };
    Object.assign(mark, describe(change, mark));
    this.marks.delete(key); // the latest change of a cell is the one shown
    this.marks.set(key, mark);
    while (this.marks.size > KEEP) this.marks.delete(this.marks.keys().next().value);
    this.save();
    return mark;
  }

  dropLine(lineId) {
    for (const key of [...this.marks.keys()]) {
      if (key.startsWith(`${lineId}|`)) this.marks.delete(key);
    }
  }

  /** Everything up to `position` has been seen: no marks left. */
  seen(position) {
    this.marks.clear();
    this.position = Math.max(this.position ?? 0, position);
    this.save();
  }

  /** Marks by cell ("lineId|field", "lineId|line" for the whole line), newest last. */
  byCell() {
    return this.marks;
  }

  list() {
    return [...this.marks.values()].reverse();
  }

  save() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), 200);
  }

  flush() {
    clearTimeout(this.timer);
    try {
      localStorage.setItem(this.key, JSON.stringify({
        position: this.position, marks: [...this.marks.values()],
        paying: Object.fromEntries(this.paying),
      }));
    } catch {
      // Storage full or disabled: the marks still show on this page.
    }
  }
}

/** The cell a change touched as the grid names it ("amount:2027", "label" …; "line" for a
 *  whole line: moved, removed or restored). */
export function fieldKey(change) {
  const { data } = change;
  if (change.type === "LineItemAmountChanged") return `amount:${data.year}`;
  if (change.type === "CostShareChanged") return `share:${data.actor_id}`;
  if (change.type === "LineItemChanged") return data.field;
  return "line";
}

function load(key) {
  try {
    const stored = JSON.parse(localStorage.getItem(key) ?? "null");
    return stored && typeof stored === "object" && Number.isInteger(stored.position) ? stored : null;
  } catch {
    return null;
  }
}
