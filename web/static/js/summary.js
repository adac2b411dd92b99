// The figures under the grid: costs, income and net, confirmed commitments and the funding gap
// on the net (and per cost line), what no organisation shares, and costs, income and net per sector. Confirmed
// commitments toward each line come from the server (they are not edited here); everything
// follows the grid live.

import { el } from "./grid.js";

export class Summary {
  constructor(root, { t, numbers }) {
    this.root = root;
    this.t = t;
    this.numbers = numbers;
  }

  update(totals, lines = []) {
    this.set("costs", totals.costs);
    this.set("income", totals.income);
    this.set("total", totals.net);
    this.set("committed", totals.committed);
    this.set("gap", totals.gap);
    this.set("unallocated", totals.unallocated);
    this.set("unallocated-income", totals.unallocatedIncome);
    const money = (value) => el("td", { class: "num" }, this.numbers.money(value));
    this.rows("sectors", [...totals.bySector].map(([sector, f]) => el("tr", { "data-sector": sector },
      el("th", { scope: "row" },
        el("span", { class: `sector sector-${sector}` }, this.t(`sector_${sector}`))),
      money(f.costs), money(f.income), money(f.net))));
    this.rows("line-gaps", lines.filter((line) => line.kind !== "income" && totals.lines.has(line.line_id))
      .map((line) => {
        const f = totals.lines.get(line.line_id);
        return el("tr", { "data-line-gap": line.line_id }, el("th", { scope: "row" }, line.label ?? ""),
          money(f.net), money(f.committed), money(f.gap));
      }));
  }

  /** Replace a table body's rows when what they say changed (so a reader's place is kept). */
  rows(name, rows) {
    const body = this.root.querySelector(`[data-figure='${name}']`);
    if (!body) return;
    const text = rows.map((r) => r.textContent).join("|");
    if (body.dataset.shown !== text) {
      body.replaceChildren(...rows);
      body.dataset.shown = text;
    }
  }

  set(name, value) {
    const node = this.root.querySelector(`[data-figure='${name}']`);
    const text = this.numbers.money(value);
    if (node && node.textContent !== text) node.textContent = text;
  }
}
