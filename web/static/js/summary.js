// The figures under the grid: costs, income and net, confirmed commitments and the funding gap
// on the net, what no organisation shares, and costs, income and net per sector. Confirmed
// commitments toward each line come from the server (they are not edited here); everything
// follows the grid live.

import { el } from "./grid.js";

export class Summary {
  constructor(root, { t, numbers }) {
    this.root = root;
    this.t = t;
    this.numbers = numbers;
  }

  update(totals) {
    this.set("costs", totals.costs);
    this.set("income", totals.income);
    this.set("total", totals.net);
    this.set("committed", totals.committed);
    this.set("gap", totals.gap);
    this.set("unallocated", totals.unallocated);
    this.set("unallocated-income", totals.unallocatedIncome);
    const body = this.root.querySelector("[data-figure='sectors']");
    if (!body) return;
    const money = (value) => el("td", { class: "num" }, this.numbers.money(value));
    const rows = [...totals.bySector].map(([sector, f]) => el("tr", { "data-sector": sector },
      el("th", { scope: "row" },
        el("span", { class: `sector sector-${sector}` }, this.t(`sector_${sector}`))),
      money(f.costs), money(f.income), money(f.net)));
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
