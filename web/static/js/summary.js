// The figures under the grid: total cost, funding gap, unallocated and cost per sector.
// Committed amounts come from the server (commitments are not edited here); the rest follows
// the grid live.

import { el } from "./grid.js";

export class Summary {
  constructor(root, { t, numbers, committed }) {
    this.root = root;
    this.t = t;
    this.numbers = numbers;
    this.committed = BigInt(committed);
  }

  update(totals) {
    const gap = totals.total > this.committed ? totals.total - this.committed : 0n;
    this.set("total", totals.total);
    this.set("committed", this.committed);
    this.set("gap", gap);
    this.set("unallocated", totals.unallocated);
    const body = this.root.querySelector("[data-figure='sectors']");
    if (!body) return;
    const rows = [...totals.bySector].map(([sector, total]) => el("tr", {},
      el("th", { scope: "row" },
        el("span", { class: `sector sector-${sector}` }, this.t(`sector_${sector}`))),
      el("td", { class: "num" }, this.numbers.money(total))));
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
