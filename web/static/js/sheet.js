// The budget as the server last told us (the confirmed state), and how `change` messages
// update it idempotently (docs/realtime.md, "Applying changes").

const FIELD_CHANGES = new Set(["LineItemChanged", "LineItemAmountChanged", "CostShareChanged"]);
export const KINDS = ["cost", "income"];

export class Sheet {
  constructor(json) {
    this.reset(json);
  }

  reset(json) {
    this.position = json.position;
    this.budget = { ...json.budget };
    this.years = [...json.budget.years];
    this.actors = json.actors.map((a) => ({ ...a }));
    this.lines = json.lines.map(copyLine);
    this.archived = Boolean(this.archived || json.archived); // set by the page, kept on reload
    // Confirmed commitments toward each line (they count while the line is in the budget, so
    // a line removed and restored brings its commitments back): {line_id: {committed, by_year}}.
    this.commitments = new Map(Object.entries(json.totals?.lines ?? {}).map(([id, entry]) => [
      id, { committed: entry.committed ?? 0, byYear: { ...(entry.committed_by_year ?? {}) } }]));
  }

  line(lineId) {
    return this.lines.find((l) => l.line_id === lineId);
  }

  actor(actorId) {
    return this.actors.find((a) => a.actor_id === actorId);
  }

  /** Field (value, version) of a line, or null; `field` is "label", "amount:2027" … */
  field(lineId, field) {
    const line = this.line(lineId);
    return line ? readField(line, field) : null;
  }

  /** Set a field if `version` is newer than the one shown; returns whether it changed. */
  setField(lineId, field, value, version) {
    const line = this.line(lineId);
    if (!line) return false;
    const current = readField(line, field);
    if (current && current.version >= version) return false;
    writeField(line, field, value, version);
    return true;
  }

  /**
   * Apply one change; returns what it touched ({field?, lineId?}) or null when it was
   * already applied, is older than what we have, or is about another budget.
   */
  apply(change) {
    if (change.position <= this.position) return null;
    this.position = change.position;
    const { data } = change;
    if (change.aggregate_id === this.budget.plan_id) return this.applyPlan(change.type, data);
    if (change.aggregate_id !== this.budget.budget_id) return null;
    if (FIELD_CHANGES.has(change.type)) {
      const field = fieldOf(change.type, data);
      const value = data.value ?? data.amount ?? data.share;
      return this.setField(data.line_id, field, value, data.version)
        ? { lineId: data.line_id, field } : null;
    }
    switch (change.type) {
      case "LineItemAdded":
        return this.insert(newLine(data, this.years), data.position);
      case "LineItemRestored":
        return this.insert(copyLine(data.line), data.position, { restored: true });
      case "LineItemRemoved":
        return this.remove(data.line_id);
      case "LineItemMoved":
        return this.move(data.line_id, data.position);
      case "StatusChanged":
        this.budget.status = data.status;
        return { status: data.status };
      case "YearAdded":
        return this.addYear(data.year);
      case "YearRemoved":
        return this.removeYear(data.year);
      default:
        return null; // a kind of change this page does not show
    }
  }

  applyPlan(type, data) {
    if (type === "Archived") {
      this.archived = true;
      return { archived: true };
    }
    if (type === "ActorRemoved") {
      this.actors = this.actors.filter((a) => a.actor_id !== data.actor_id);
      return { actors: true };
    }
    if (type === "ActorLeft") {
      const known = this.actor(data.actor_id);
      if (known) known.left = true;
      return known ? { actors: true } : null;
    }
    if (type !== "ActorAdded" && type !== "ActorChanged") return null;
    const known = this.actor(data.actor_id);
    if (known) Object.assign(known, { name: data.name, sector: data.sector });
    else this.actors.push({ actor_id: data.actor_id, name: data.name, sector: data.sector, left: false });
    return { actors: true };
  }

  insert(line, position, how = {}) {
    if (this.line(line.line_id)) return null;
    this.lines.splice(clamp(position, this.lines.length), 0, line);
    return { lineId: line.line_id, added: !how.restored, restored: Boolean(how.restored),
             label: line.label };
  }

  remove(lineId) {
    const index = this.lines.findIndex((l) => l.line_id === lineId);
    if (index < 0) return null;
    const [line] = this.lines.splice(index, 1);
    return { lineId, removed: true, label: line.label, line };
  }

  move(lineId, position) {
    const index = this.lines.findIndex((l) => l.line_id === lineId);
    if (index < 0) return null;
    const [line] = this.lines.splice(index, 1);
    this.lines.splice(clamp(position, this.lines.length), 0, line);
    return index === position ? null : { lineId, moved: true };
  }

  addYear(year) {
    if (this.years.includes(year)) return null;
    this.years = [...this.years, year].sort((a, b) => a - b);
    this.budget.years = [...this.years];
    for (const line of this.lines) line.amounts[year] ??= { amount: 0, version: 1 };
    return { years: true };
  }

  removeYear(year) {
    if (!this.years.includes(year)) return null;
    this.years = this.years.filter((y) => y !== year);
    this.budget.years = [...this.years];
    for (const line of this.lines) delete line.amounts[year];
    return { years: true };
  }
}

export function fieldOf(type, data) {
  if (type === "LineItemAmountChanged") return `amount:${data.year}`;
  if (type === "CostShareChanged") return `share:${data.actor_id}`;
  return data.field;
}

export function readField(line, field) {
  const [kind, key] = field.split(":");
  if (kind === "amount") {
    const cell = line.amounts[key];
    return cell ? { value: cell.amount, version: cell.version } : { value: 0, version: 0 };
  }
  if (kind === "share") {
    const cell = line.shares[key];
    return cell ? { value: cell.share ?? 0, version: cell.version } : { value: 0, version: 0 };
  }
  if (kind === "label" || kind === "category" || kind === "kind") {
    return { value: line[kind], version: line[`${kind}_version`] };
  }
  return null;
}

export function writeField(line, field, value, version) {
  const [kind, key] = field.split(":");
  if (kind === "amount") line.amounts[key] = { amount: value, version };
  else if (kind === "share") line.shares[key] = { share: value ?? 0, version };
  else if (kind === "label" || kind === "category" || kind === "kind") {
    line[kind] = value;
    line[`${kind}_version`] = version;
  }
}

/** A line as LineItemAdded describes it (every year of the budget, version 1). */
export function newLine(data, years) {
  const amounts = {};
  for (const year of years) amounts[year] = { amount: data.amounts?.[year] ?? 0, version: 1 };
  return {
    line_id: data.line_id, label: data.label, label_version: 1,
    category: data.category ?? "", category_version: 1,
    kind: KINDS.includes(data.kind) ? data.kind : "cost", kind_version: 1,
    service_id: data.service_id ?? null, service_version: 1, amounts, shares: {},
  };
}

export function copyLine(line) {
  return {
    ...line,
    kind: line.kind ?? "cost", kind_version: line.kind_version ?? 1,
    amounts: Object.fromEntries(Object.entries(line.amounts).map(([y, c]) => [y, { ...c }])),
    shares: Object.fromEntries(Object.entries(line.shares).map(([a, c]) => [a, { ...c }])),
  };
}

/** The share (basis points) an organisation has of a line (0 for none). */
export function shareOf(line, actorId) {
  return line?.shares?.[actorId]?.share ?? 0;
}

function clamp(position, length) {
  return Math.min(Math.max(position ?? length, 0), length);
}
