// Notices above the grid: what happened that a person may want to act on — a line someone
// removed (with Undo for the person who removed it), what an undo or redo did and skipped.
// Each stays until dismissed (the newest few are kept); screen readers hear them through the
// page's polite announcer, so this list itself is not a live region.

import { el } from "./grid.js";

const KEEP = 5;

export class Notices {
  constructor(list, { t, announcer }) {
    this.list = list;
    this.t = t;
    this.announcer = announcer;
    this.items = new Map(); // id → {node, …}
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-notice-action]");
      const item = button && this.items.get(button.closest("li").dataset.notice);
      if (!item) return;
      if (button.dataset.noticeAction === "dismiss") this.dismiss(item.id);
      else item.actions?.find((a) => a.name === button.dataset.noticeAction)?.run();
    });
  }

  /**
   * Show (or replace) notice `id`: `text`, `details` (a list of sentences), `actions`
   * ([{name, label, name for screen readers (`spoken`), run()}]), `tone` ("info" | "warning").
   */
  show(id, { text, details = [], actions = [], tone = "info", announce = true }) {
    const known = this.items.get(id);
    const node = el("li", { class: `notice-item notice-${tone}`, "data-notice": id },
      el("p", { class: "notice-text" }, text),
      details.length ? el("ul", { class: "notice-details" }, ...details.map((d) => el("li", {}, d))) : "",
      el("p", { class: "notice-actions" },
        ...actions.map((a) => el("button", { type: "button", "data-notice-action": a.name,
                                             "aria-label": a.spoken ?? "" }, a.label)),
        el("button", { type: "button", class: "notice-dismiss", "data-notice-action": "dismiss",
                       "aria-label": this.t("dismiss_notice", { text }) }, this.t("dismiss"))));
    const hadFocus = known?.node.contains(document.activeElement);
    if (known) known.node.replaceWith(node);
    else this.list.prepend(node);
    this.items.set(id, { id, node, actions });
    if (hadFocus) node.querySelector("button")?.focus();
    while (this.items.size > KEEP) this.dismiss([...this.items.keys()][0], { quiet: true });
    this.list.hidden = false;
    if (announce) this.announcer.say([text, ...details].join(" "));
    return node;
  }

  has(id) {
    return this.items.has(id);
  }

  dismiss(id, { quiet = false } = {}) {
    const item = this.items.get(id);
    if (!item) return;
    const hadFocus = item.node.contains(document.activeElement);
    const next = item.node.nextElementSibling ?? item.node.previousElementSibling;
    item.node.remove();
    this.items.delete(id);
    this.list.hidden = this.items.size === 0;
    if (hadFocus && !quiet) (next?.querySelector("button") ?? this.onEmpty?.())?.focus?.();
  }
}
