// The list "changes by others to lines you pay part of", near the grid: each change in words
// with when, a button to go to the cell, and "mark as seen" for them all.

import { el } from "./grid.js";

export class OthersPanel {
  /** `on` has: show(mark) (focus the cell), seen() (mark everything as seen). */
  constructor(root, { t, on }) {
    this.root = root;
    this.t = t;
    this.on = on;
    this.list = root.querySelector("[data-others='list']");
    this.count = root.querySelector("[data-others='count']");
    this.seenButton = root.querySelector("[data-others='seen']");
    this.marks = new Map();
    this.seenButton.addEventListener("click", () => this.on.seen());
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-mark]");
      const mark = button && this.marks.get(button.dataset.mark);
      if (mark) this.on.show(mark);
    });
    this.time = new Intl.DateTimeFormat(document.documentElement.lang || "sv",
                                        { dateStyle: "short", timeStyle: "short" });
  }

  /** Show `marks` (newest first); `present(lineId)` says whether the line is in the grid. */
  update(marks, present) {
    const text = marks.map((m) => `${m.key}:${m.position}:${present(m.line_id)}`).join("|");
    if (this.root.dataset.shown === text) return;
    this.root.dataset.shown = text;
    this.marks = new Map(marks.map((m) => [m.key, m]));
    const hadFocus = this.root.contains(document.activeElement);
    this.list.replaceChildren(...marks.map((mark) => el("li", { "data-mark-key": mark.key },
      el("span", { class: `swatch sector-bg-${mark.by?.sector ?? "none"}`, "aria-hidden": "true" }),
      el("span", { class: "others-text" }, mark.text),
      mark.at ? el("time", { datetime: mark.at }, ` ${this.when(mark.at)}`) : "",
      present(mark.line_id) ? el("button", {
        type: "button", class: "link-button", "data-mark": mark.key,
        "aria-label": this.t("show_cell_of", { text: mark.text }),
      }, this.t("show_cell")) : "")));
    this.count.textContent = marks.length ? String(marks.length) : "";
    this.root.hidden = marks.length === 0;
    if (hadFocus && marks.length === 0) this.on.emptied?.();
  }

  when(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : this.time.format(date);
  }
}
