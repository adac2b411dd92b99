// The budget grid: a <table role="grid"> built from the sheet, updated in place (rows keyed by
// line id, cells by field) so that focus, the cell being edited and markers survive updates.
// Two header rows (the sector groups, then the columns) and four footer rows (costs, income,
// net, funding gap) stay in view while the lines scroll; so does the line's name column.

import { gridColumns } from "./columns.js";
import { buildFrame } from "./gridframe.js";
import { flash, markOther, showPresence } from "./gridmarks.js";
import { readField } from "./sheet.js";

export class Grid {
  constructor(table, { t, numbers, legend = null }) {
    this.table = table;
    this.legend = legend; // what the short organisation names stand for
    this.t = t;
    this.numbers = numbers;
    this.rows = new Map(); // line id → <tr>
    this.signature = null;
    this.rendering = false;
    this.presence = new Map(); // "lineId|field" → people
    this.cols = [];
    if (typeof ResizeObserver === "function" && table.parentElement) {
      let width = 0;
      new ResizeObserver(([entry]) => {
        if (Math.abs(entry.contentRect.width - width) < 1) return;
        width = entry.contentRect.width;
        this.fit();
      }).observe(table.parentElement);
    }
  }

  /** Show `view` (lines with pending edits applied) and its totals. */
  render(view, totals, marks, options) {
    this.rendering = true;
    const focused = document.activeElement;
    try {
      const { columns, groups } = gridColumns(view, { t: this.t, ...options });
      const signature = JSON.stringify([columns.map((c) => [c.field, c.head, c.short, c.editable]),
        groups.map((g) => [g.sector, g.head, g.collapsed, g.span])]);
      const rebuilt = signature !== this.signature;
      if (rebuilt) {
        this.signature = signature;
        this.cols = columns;
        this.rows.clear();
        this.body = buildFrame(this.table, columns, groups, this.t);
        this.fillLegend(columns);
      }
      this.options = options;
      this.updateRows(view, totals, marks);
      this.updateFooter(totals);
      this.showPresence();
      if (rebuilt) this.fit();
    } finally {
      if (focused && focused !== document.activeElement && this.table.contains(focused)) {
        focused.focus({ preventScroll: true }); // moving a row in the DOM blurs what is in it
      }
      this.rendering = false;
    }
  }

  /** Short organisation names when the full ones would make the grid scroll sideways. */
  fit() {
    const scroll = this.table.parentElement;
    if (!scroll || !this.cols.some((c) => c.kind === "share")) return;
    this.table.dataset.compact = "false";
    const overflows = scroll.scrollWidth > scroll.clientWidth + 1;
    this.table.dataset.compact = String(overflows);
    if (this.legend) this.legend.hidden = !overflows;
  }

  fillLegend(columns) {
    if (!this.legend) return;
    const shares = columns.filter((c) => c.kind === "share" && c.short !== c.head);
    this.legend.replaceChildren(...shares.flatMap((c, i) => [i ? " · " : "",
      el("abbr", { title: c.head }, c.short), `: ${c.head}`]));
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
      row.classList.toggle("income-line", line.kind === "income");
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
      if (!c.editable) attrs["aria-readonly"] = "true";
      if (c.field === "label") return el("th", { scope: "row", ...attrs }, el("span", { class: "value" }));
      return el("td", attrs, el("span", { class: "value" }));
    }));
  }

  updateRow(row, line, index, count, totals, marks) {
    const { t } = this;
    const figures = totals.lines.get(line.line_id);
    this.cols.forEach((c, i) => {
      const cell = row.cells[i];
      if (c.kind === "action") {
        this.updateAction(cell.firstElementChild, c.field, line, index, count);
        return;
      }
      const [shown, spoken] = this.shown(c, line, figures);
      const state = marks.pending.get(`${line.line_id}|${c.field}`) ?? null;
      setAttr(cell, "data-state", state);
      setAttr(cell, "data-editable", this.options.editable && c.editable ? "true" : null);
      if (!cell.classList.contains("editing")) setValue(cell.querySelector(".value"), shown);
      const other = marks.others.get(`${line.line_id}|${c.field}`)
        ?? (c.field === "label" ? marks.others.get(`${line.line_id}|line`) : undefined);
      markOther(cell, other);
      const name = c.field === "label" ? null
        : t("cell_name", { line: line.label, column: c.column ?? c.head });
      const value = spoken === "" ? t("empty") : spoken;
      const notes = [state ? t(state) : null, other ? t("changed_unseen", { who: other.who }) : null]
        .filter(Boolean).map((n) => ` (${n})`).join("");
      const plain = Array.isArray(shown) ? shown.join(" ") : shown;
      setAttr(cell, "aria-label", name ? `${name}: ${value}${notes}` : notes ? `${plain}${notes}` : null);
    });
  }

  /** What a body cell shows, and what a screen reader says for it. */
  shown(c, line, figures) {
    const { numbers, t } = this;
    if (c.kind === "total") {
      return [numbers.money(figures?.total ?? 0n, false), numbers.money(figures?.total ?? 0n)];
    }
    if (c.kind === "group") {
      const sum = c.actors.reduce((acc, actor) => acc + (line.shares[actor]?.share ?? 0), 0);
      return [numbers.share(sum), numbers.share(sum)];
    }
    if (c.kind === "shared") {
      const sum = numbers.share(figures?.shared ?? 0) || numbers.share(0, true);
      const rest = figures?.unallocated ?? 0n;
      const text = rest > 0n ? t("unallocated", { amount: numbers.money(rest) }) : "";
      return text ? [[sum, text], `${sum}, ${text}`] : [sum, sum];
    }
    return this.display(c, readField(line, c.field)?.value);
  }

  updateAction(button, action, line, index, count) {
    const { t } = this;
    let disabled = (action === "up" && index === 0) || (action === "down" && index === count - 1);
    const refused = action === "remove" && !this.options.mayRemove(line);
    disabled ||= refused;
    setAttr(button, "aria-label", t(`${action}_line`, { label: line.label }));
    setAttr(button, "aria-disabled", disabled ? "true" : null);
    setAttr(button, "title", refused ? t("remove_not_yours") : null);
    const symbol = { up: "↑", down: "↓", remove: "✕" }[action];
    if (button.textContent !== symbol) button.textContent = symbol;
  }

  display(column, value) {
    if (column.kind === "money") return [this.numbers.money(value, false), this.numbers.money(value)];
    if (column.kind === "share") return [this.numbers.share(value), this.numbers.share(value)];
    if (column.kind === "choice") {
      const word = value ? this.t(`kind_${value}`) : "";
      return [word, word];
    }
    return [value ?? "", value ?? ""];
  }

  updateFooter(totals) {
    for (const row of this.table.tFoot.rows) {
      const key = row.dataset.row.replace("foot-", "");
      const head = row.cells[0].textContent;
      this.cols.forEach((c, i) => {
        if (i === 0) return;
        const value = footValue(c, key, totals);
        const cell = row.cells[i];
        const shown = value === null ? "" : this.numbers.money(value, false);
        setValue(cell.querySelector(".value"), shown);
        const name = this.t("cell_name", { line: head, column: c.column ?? c.head });
        setAttr(cell, "aria-label", value === null ? null : `${name}: ${this.numbers.money(value)}`);
      });
    }
  }

  cell(lineId, field) {
    return this.rows.get(lineId)?.querySelector(`[data-field="${CSS.escape(field)}"]`) ?? null;
  }

  column(field) {
    return this.cols.find((c) => c.field === field);
  }

  /** Mark a cell someone else just changed: a short highlight with their name. */
  flash(lineId, field, by) {
    flash(this, this.cell(lineId, field), by);
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
    showPresence(this);
  }
}

/** A footer cell's figure (BigInt öre), or null for none. */
function footValue(column, key, totals) {
  const pick = (entry) => (entry ? entry[key] : 0n);
  if (column.kind === "money") return pick(totals.byYear.get(column.field.split(":")[1]));
  if (column.kind === "total") return key === "gap" ? totals.gap : totals[key];
  if (key === "gap") return null; // the funding gap is the budget's and each year's
  if (column.kind === "share") return pick(totals.byActor.get(column.actor));
  if (column.kind === "group") {
    return column.actors.reduce((sum, actor) => sum + pick(totals.byActor.get(actor)), 0n);
  }
  return null; // (what no organisation shares is under the grid, in words)
}

function cls(column) {
  return ["money", "total", "share", "group", "shared"].includes(column.kind) ? "num" : "";
}

/** Show `shown` (a text, or [figure, note] on two lines) in a value element, if it changed. */
function setValue(node, shown) {
  if (!node) return;
  const key = Array.isArray(shown) ? shown.join("\n") : shown;
  if (node.dataset.shown === key) return;
  node.dataset.shown = key;
  if (Array.isArray(shown)) {
    node.replaceChildren(el("span", { class: "shared-sum" }, shown[0]), " ",
      el("span", { class: "shared-rest" }, shown[1]));
  } else {
    node.textContent = shown;
  }
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
