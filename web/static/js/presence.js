// Who is in the meeting: a list (name, organisation, sector colour, where they are) and the
// markers on the cells other people are on.

import { el } from "./grid.js";

export class PresenceList {
  constructor(list, { t, describeCell }) {
    this.list = list;
    this.t = t;
    this.describeCell = describeCell; // (cell) → "Lokalhyra, 2027" or null
    this.people = [];
    this.me = null;
  }

  /** The whole list, as the server sends it; returns the others who are on a cell of ours. */
  update(people, budgetId) {
    this.people = people;
    const { t } = this;
    this.list.replaceChildren(...people.map((p) => {
      const you = p.person_id === this.me;
      const where = p.cell && p.cell.budget_id === budgetId ? this.describeCell(p.cell) : null;
      const sector = p.sector ?? "none";
      return el("li", { class: "person", "data-person": p.person_id },
        el("span", { class: `swatch sector-bg-${sector}`, "aria-hidden": "true" }),
        el("span", { class: "person-name" }, p.name + (you ? ` (${t("you")})` : "")),
        p.org_name ? `, ${p.org_name}` : "",
        el("span", { class: "visually-hidden" }, ` – ${t(`sector_${sector}`)}`),
        where ? el("span", { class: "person-where" }, ` – ${t("is_on", { cell: where })}`) : "");
    }));
    return people.filter((p) => p.person_id !== this.me && p.cell && p.cell.budget_id === budgetId);
  }
}
