// Marks on the grid's cells: a short flash where someone else just changed a value (with their
// name), a lasting mark where someone of another organisation changed a line mine pays part
// of (with who, until seen), and an outline where other people are.

import { el, setAttr } from "./grid.js";
import { initials } from "./gridframe.js";
import { personName } from "./i18n.js";

export function flash(grid, cell, by) {
  if (!cell) return;
  cell.querySelector(".by-tag")?.remove();
  const sector = by?.sector ?? "none";
  cell.classList.remove("flash");
  void cell.offsetWidth; // restart the animation when the same cell changes again
  cell.classList.add("flash");
  setAttr(cell, "data-flash-sector", sector);
  if (by?.person_id) {
    cell.append(el("span", { class: `by-tag sector-bg-${sector}`, "aria-hidden": "true" },
      personName(grid.t, by)));
  }
  clearTimeout(cell.flashTimer);
  cell.flashTimer = setTimeout(() => {
    cell.classList.remove("flash");
    cell.querySelector(".by-tag")?.remove();
  }, 3000);
}

/** A lasting mark on a cell someone of another organisation changed, until it is seen. */
export function markOther(cell, other) {
  const sector = other ? other.by?.sector ?? "none" : null;
  setAttr(cell, "data-others", sector);
  let tag = cell.querySelector(".others-tag");
  if (!other) {
    tag?.remove();
    return;
  }
  if (!tag) {
    tag = el("span", { class: "others-tag", "aria-hidden": "true" });
    cell.append(tag);
  }
  tag.className = `others-tag sector-bg-${sector}`;
  setAttr(tag, "title", other.who);
  const short = initials(other.by?.name ?? other.who);
  if (tag.textContent !== short) tag.textContent = short;
}

/** Outline the cells other people are on, with their initials. */
export function showPresence(grid) {
  for (const tag of grid.table.querySelectorAll(".presence-tag")) tag.remove();
  for (const cell of grid.table.querySelectorAll("[data-presence]")) cell.removeAttribute("data-presence");
  for (const [key, people] of grid.presence) {
    const [lineId, field] = key.split("|");
    const cell = grid.cell(lineId, field);
    if (!cell) continue;
    setAttr(cell, "data-presence", people[0].sector ?? "none");
    const names = people.map((p) => p.name).join(", ");
    cell.append(el("span", { class: `presence-tag sector-bg-${people[0].sector ?? "none"}`,
                             "aria-hidden": "true", title: names },
      people.map((p) => initials(p.name)).join(" ")));
  }
}
