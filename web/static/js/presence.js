// Who is in the meeting: a list (name, organisation, sector colour, where they are) and the
// markers on the cells other people are on.

import { personName } from "./i18n.js";
import { el } from "./grid.js";

export class PresenceList {
  constructor(list, { t, describeCell }) {
    this.list = list;
    this.t = t;
    this.describeCell = describeCell; // (cell) → "Lokalhyra, 2027" or null
    this.people = [];
    this.me = null;
  }

  /** The whole list (a join's reply); returns the others who are on a cell of ours. */
  update(people, budgetId) {
    this.people = people;
    return this.render(budgetId);
  }

  /**
   * A `presence_changed` message's changes (docs/realtime.md): `left` removes the person,
   * anything else sets them (a newcomer goes last), so a change we already had is harmless.
   */
  apply(changes, budgetId) {
    const people = new Map(this.people.map((p) => [p.person_id, p]));
    for (const change of changes) {
      if (change.kind === "left") people.delete(change.person_id);
      else people.set(change.person_id, change.person);
    }
    this.people = [...people.values()];
    return this.render(budgetId);
  }

  render(budgetId) {
    const { people } = this;
    const { t } = this;
    this.list.replaceChildren(...people.map((p) => {
      const you = p.person_id === this.me;
      const where = p.cell && p.cell.budget_id === budgetId ? this.describeCell(p.cell) : null;
      const sector = p.sector ?? "none";
      return el("li", { class: "person", "data-person": p.person_id },
        el("span", { class: `swatch sector-bg-${sector}`, "aria-hidden": "true" }),
        el("span", { class: "person-name" }, personName(t, p) + (you ? ` (${t("you")})` : "")),
        p.org_name ? `, ${p.org_name}` : "",
        el("span", { class: "visually-hidden" }, ` – ${t(`sector_${sector}`)}`),
        where ? el("span", { class: "person-where" }, ` – ${t("is_on", { cell: where })}`) : "");
    }));
    return people.filter((p) => p.person_id !== this.me && p.cell && p.cell.budget_id === budgetId);
  }
}
