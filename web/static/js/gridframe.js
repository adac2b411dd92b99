// The grid's frame: caption, the two header rows (sector groups with their collapse buttons,
// then one header per column) and the footer rows, built again when the columns change.

import { el } from "./grid.js";

export const FOOT_ROWS = ["costs", "income", "net", "gap"];

/** Build the table's frame for `columns` and `groups`; returns the (empty) <tbody>. */
export function buildFrame(table, columns, groups, t) {
  const head = el("thead", {}, groupRow(columns, groups, t), headRow(columns));
  const body = el("tbody");
  const foot = el("tfoot", {}, ...FOOT_ROWS.map((key) => el("tr", { "data-row": `foot-${key}` },
    ...columns.map((c, i) => (i === 0
      ? el("th", { scope: "row", tabindex: "-1" }, t(key === "gap" ? "funding_gap" : key))
      : el("td", { tabindex: "-1", class: footClass(c), "data-field": c.field, "aria-readonly": "true" },
        el("span", { class: "value" })))))));
  const caption = table.querySelector("caption");
  table.replaceChildren(caption, head, body, foot);
  return body;
}

/** The sector groups above the share columns: a button each that collapses or expands it. */
function groupRow(columns, groups, t) {
  const cells = [el("td", { tabindex: "-1", class: "corner" })];
  const before = groups.length ? groups[0].start - 1 : columns.length - 1;
  if (before > 0) cells.push(el("td", { tabindex: "-1", colspan: String(before) }));
  for (const group of groups) {
    const th = el("th", { scope: "colgroup", colspan: String(group.span), tabindex: "-1",
                          class: `group group-${group.sector}`, "data-group": group.sector });
    if (group.collapsible) {
      th.append(el("button", {
        type: "button", tabindex: "-1", class: "group-toggle", "data-group-toggle": group.sector,
        "aria-expanded": String(!group.collapsed),
        "aria-label": t(group.collapsed ? "expand_group" : "collapse_group", { sector: group.head }),
      }, el("span", { class: "group-icon", "aria-hidden": "true" }, group.collapsed ? "▸" : "▾"),
      el("span", { class: "group-name" }, group.head)));
    } else {
      th.append(el("span", { class: "group-name" }, group.head));
    }
    cells.push(th);
  }
  const last = groups.at(-1);
  const after = last ? columns.length - (last.start + last.span) : 0;
  if (after > 0 && groups.length) cells.push(el("td", { tabindex: "-1", colspan: String(after) }));
  return el("tr", { "data-row": "groups" }, ...cells);
}

function headRow(columns) {
  return el("tr", { "data-row": "head" }, ...columns.map((c) => {
    const th = el("th", { scope: "col", tabindex: "-1", class: headClass(c), "data-field": c.field });
    if (c.kind === "action") {
      th.append(el("span", { class: "visually-hidden" }, c.head));
    } else if (c.kind === "share") {
      th.setAttribute("title", c.head);
      th.append(el("span", { class: `sector sector-${c.sector}` },
        el("span", { class: "org-full" }, c.head),
        el("span", { class: "org-short", "aria-hidden": "true" }, c.short ?? c.head)));
    } else if (c.kind === "group") {
      th.append(el("span", { class: `sector sector-${c.sector}` }, c.head));
    } else {
      th.append(c.head);
    }
    return th;
  }));
}

function headClass(column) {
  const classes = { money: "num", total: "num", share: "num share", group: "num share",
                    shared: "num shared", action: "action" };
  return classes[column.kind] ?? "";
}

function footClass(column) {
  return ["money", "total", "share", "group", "shared"].includes(column.kind) ? "num" : "";
}

/** Up to three initials of a person's name ("Anna Berg" → "AB"). */
export function initials(name) {
  return (name ?? "?").split(/\s+/u).filter(Boolean).map((w) => w[0]).join("").slice(0, 3)
    .toUpperCase();
}
