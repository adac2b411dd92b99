// The budget grid: a <table role="grid"> built from the sheet, updated in place (rows keyed by
// line id, cells by field) so that focus, the cell being edited and markers survive updates.

import { readField } from "./sheet.js";

const ACTIONS = ["up", "down", "remove"];

export class Grid {
  constructor(table, { t, numbers }) {
    this.table = table;
    this.t = t;
    this.numbers = numbers;
    this.rows = new Map(); // line id → <tr>
    this.signature = null;
    this.rendering = false;
    this.presence = new Map(); // "lineId|field" → people
  }

  /** Show `view` (lines with pending edits applied) and its totals. */
  render(view, totals, marks, editable) {
    this.rendering = true;
    const focused = document.activeElement;
    try {
      const columns = this.columns(view, editable);
      const signature = JSON.stringify(columns.map((c) => [c.field, c.head, c.sector]));
      if (signature !== this.signature) this.build(columns, signature);
      this.editable = editable;
      this.updateRows(view, totals, marks);
      this.updateFooter(view, totals);
      this.showPresence();
    } finally {
      if (focused && focused !== document.activeElement && this.table.contains(focused)) {
        focused.focus({ preventScroll: true }); // moving a row in the DOM blurs what is in it
      }
      this.rendering = false;
    }
  }

  columns(view, editable) {
    const { t } = this;
    return [
      { field: "label", head: t("line_item"), kind: "text" },
      { field: "category", head: t("category"), kind: "text" },
      ...view.years.map((y) => ({ field: `amount:${y}`, head: String(y), kind: "money" })),
      { field: "total", head: t("total"), kind: "total" },
      ...view.actors.map((a) => ({ field: `share:${a.actor_id}`, head: a.name, kind: "share",
                                   sector: a.sector, column: t("share_of", { org: a.name }) })),
      ...(editable ? ACTIONS.map((a) => ({ field: a, head: t(`action_${a}`), kind: "action" })) : []),
    ];
  }

  build(columns, signature) {
    this.signature = signature;
    this.cols = columns;
    this.rows.clear();
    const head = el("thead", {}, el("tr", { "data-row": "head" }, ...columns.map((c) => {
      const th = el("th", { scope: "col", tabindex: "-1", class: cls(c) });
      if (c.kind === "action") th.append(el("span", { class: "visually-hidden" }, c.head));
      else if (c.sector) th.append(el("span", { class: `sector sector-${c.sector}` }, c.head));
      else th.append(c.head);
      return th;
    })));
    this.body = el("tbody");
    const foot = el("tfoot", {}, el("tr", { "data-row": "foot" }, ...columns.map((c, i) => (i === 0
      ? el("th", { scope: "row", tabindex: "-1" }, this.t("total"))
      : el("td", { tabindex: "-1", class: cls(c), "data-field": c.field, "aria-readonly": "true" },
        el("span", { class: "value" }))))));
    const caption = this.table.querySelector("caption");
    this.table.replaceChildren(caption, head, this.body, foot);
  }

  updateRows(view, totals, marks) {
    const seen = new Set();
    view.lines.forEach((line, index) => {
      seen.add(line.line_id);
      let row = this.rows.get(line.line_id);
      if (!row) {
        row = this.newRow(line.line_id);
        this.rows.set(line.line_id, row);
      }
      if (this.body.children[index] !== row) this.body.insertBefore(row, this.body.children[index] ?? null);
      row.classList.toggle("pending", marks.pendingLines.has(line.line_id));
      this.updateRow(row, line, index, view.lines.length, totals, marks);
    });
    for (const [lineId, row] of this.rows) {
      if (!seen.has(lineId)) {
        row.remove();
        this.rows.delete(lineId);
      }
    }
  }

  newRow(lineId) {
    return el("tr", { "data-line": lineId }, ...this.cols.map((c) => {
      const attrs = { tabindex: "-1", class: cls(c), "data-field": c.field };
      if (c.kind === "action") {
        return el("td", { class: "action", "data-field": c.field },
          el("button", { type: "button", tabindex: "-1", "data-action": c.field,
                         class: `icon-button ${c.field}` }));
      }
      if (c.kind === "total") attrs["aria-readonly"] = "true";
      if (c.field === "label") return el("th", { scope: "row", ...attrs }, el("span", { class: "value" }));
      return el("td", attrs, el("span", { class: "value" }));
    }));
  }

  updateRow(row, line, index, count, totals, marks) {
    const { t, numbers } = this;
    this.cols.forEach((c, i) => {
      const cell = row.cells[i];
      if (c.kind === "action") {
        const button = cell.firstElementChild;
        const disabled = (c.field === "up" && index === 0) || (c.field === "down" && index === count - 1);
        setAttr(button, "aria-label", t(`${c.field}_line`, { label: line.label }));
        setAttr(button, "aria-disabled", disabled ? "true" : null);
        button.textContent = { up: "↑", down: "↓", remove: "✕" }[c.field];
        return;
      }
      let shown;
      let spoken;
      if (c.kind === "total") {
        const total = totals.lineTotals.get(line.line_id) ?? 0n;
        shown = numbers.money(total, false);
        spoken = numbers.money(total);
      } else {
        const { value } = readField(line, c.field);
        [shown, spoken] = this.display(c, value);
      }
      const state = marks.pending.get(`${line.line_id}|${c.field}`) ?? null;
      setAttr(cell, "data-state", state);
      setAttr(cell, "data-editable", this.editable && c.kind !== "total" ? "true" : null);
      if (!cell.classList.contains("editing")) cell.querySelector(".value").textContent = shown;
      const name = c.field === "label" ? null
        : t("cell_name", { line: line.label, column: c.column ?? c.head });
      const value = spoken === "" ? t("empty") : spoken;
      const suffix = state ? ` (${t(state)})` : "";
      setAttr(cell, "aria-label", name ? `${name}: ${value}${suffix}` : state ? `${shown}${suffix}` : null);
    });
  }

  display(column, value) {
    if (column.kind === "money") return [this.numbers.money(value, false), this.numbers.money(value)];
    if (column.kind === "share") return [this.numbers.share(value), this.numbers.share(value)];
    return [value ?? "", value ?? ""];
  }

  updateFooter(view, totals) {
    const row = this.table.tFoot.rows[0];
    this.cols.forEach((c, i) => {
      if (i === 0) return;
      let value = null;
      if (c.kind === "money") value = totals.byYear.get(c.field.split(":")[1]) ?? 0n;
      else if (c.kind === "total") value = totals.total;
      else if (c.kind === "share") value = totals.byActor.get(c.field.split(":")[1]) ?? 0n;
      const cell = row.cells[i];
      const shown = value === null ? "" : this.numbers.money(value, c.kind === "total");
      const text = cell.querySelector(".value");
      if (text && text.textContent !== shown) text.textContent = shown;
      const name = this.t("cell_name", { line: this.t("total"), column: c.column ?? c.head });
      setAttr(cell, "aria-label", value === null ? null : `${name}: ${this.numbers.money(value)}`);
    });
  }

  cell(lineId, field) {
    return this.rows.get(lineId)?.querySelector(`[data-field="${CSS.escape(field)}"]`) ?? null;
  }

  column(field) {
    return this.cols.find((c) => c.field === field);
  }

  /** Mark a cell someone else just changed: a short highlight with their name. */
  flash(lineId, field, by) {
    const cell = this.cell(lineId, field);
    if (!cell) return;
    cell.querySelector(".by-tag")?.remove();
    const sector = by?.sector ?? "none";
    cell.classList.remove("flash");
    void cell.offsetWidth; // restart the animation when the same cell changes again
    cell.classList.add("flash");
    setAttr(cell, "data-flash-sector", sector);
    if (by?.name) {
      cell.append(el("span", { class: `by-tag sector-bg-${sector}`, "aria-hidden": "true" }, by.name));
    }
    clearTimeout(cell.flashTimer);
    cell.flashTimer = setTimeout(() => {
      cell.classList.remove("flash");
      cell.querySelector(".by-tag")?.remove();
    }, 3000);
  }

  /** Outline the cells other people are on (people: [{name, sector, cell}]). */
  setPresence(people) {
    this.presence = new Map();
    for (const person of people) {
      const key = `${person.cell.line_id}|${person.cell.field}`;
      this.presence.set(key, [...(this.presence.get(key) ?? []), person]);
    }
    this.showPresence();
  }

  showPresence() {
    for (const tag of this.table.querySelectorAll(".presence-tag")) tag.remove();
    for (const cell of this.table.querySelectorAll("[data-presence]")) cell.removeAttribute("data-presence");
    for (const [key, people] of this.presence) {
      const [lineId, field] = key.split("|");
      const cell = this.cell(lineId, field);
      if (!cell) continue;
      setAttr(cell, "data-presence", people[0].sector ?? "none");
      const names = people.map((p) => p.name).join(", ");
      cell.append(el("span", { class: `presence-tag sector-bg-${people[0].sector ?? "none"}`,
                               "aria-hidden": "true", title: names },
        people.map((p) => initials(p.name)).join(" ")));
    }
  }
}

function cls(column) {
  return ["money", "total", "share"].includes(column.kind) ? "num" : "";
}

function initials(name) {
  return (name ?? "?").split(/\s+/u).map((w) => w[0]).join("").slice(0, 3).toUpperCase();
}

export function setAttr(node, name, value) {
  if (value === null || value === undefined) node.removeAttribute(name);
  else if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== "" && value !== null && value !== undefined) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}
