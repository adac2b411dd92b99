// The conflict dialog: someone else changed the value you edited. Both values are shown with
// who set theirs; "Keep mine" sends yours again on their version, "Take theirs" drops yours.
// Esc closes it without choosing: the edit stays in conflict until the person resolves it.

import { commandField, commandValue } from "./commands.js";
import { whoOf } from "./words.js";

export class ConflictDialog {
  /** `on` has describe(item) → {where, mine, theirs, who}, choose(item, "mine"|"theirs"), closed(). */
  constructor(dialog, on) {
    this.dialog = dialog;
    this.on = on;
    this.item = null;
    dialog.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-choice]");
      if (button && this.item) this.choose(button.dataset.choice);
    });
    dialog.addEventListener("close", () => {
      const wasOpen = this.item !== null;
      this.item = null;
      if (wasOpen) this.on.closed();
    });
  }

  get isOpen() {
    return this.dialog.open;
  }

  show(item) {
    const { where, mine, theirs, who } = this.on.describe(item);
    this.item = item;
    this.fill("where", where);
    this.fill("mine", mine);
    this.fill("theirs", theirs);
    this.fill("who", who);
    if (!this.dialog.open) this.dialog.showModal();
    this.dialog.querySelector("button[data-choice='mine']").focus();
  }

  fill(name, text) {
    const node = this.dialog.querySelector(`[data-conflict="${name}"]`);
    if (node) node.textContent = text;
  }

  choose(choice) {
    const { item } = this;
    this.item = null;
    this.dialog.close();
    this.on.choose(item, choice);
  }
}

/** What the dialog says about a conflicting edit: where, both values, who set theirs. */
export function describeConflict(app, item) {
  const { command, error } = item;
  const field = commandField(command);
  const column = app.grid.column(field) ?? { kind: field === "kind" ? "choice" : "text", head: field };
  const line = app.sheet.line(command.line_id)?.label ?? "";
  const who = error.set_by ? whoOf(app.t, { name: error.set_by_name, person_id: error.set_by,
                                            org_name: error.set_for_name }) : app.t("someone");
  const shown = (value) => app.grid.display(column, value)[1] || app.t("empty");
  return {
    where: app.describeField(line, field),
    mine: shown(commandValue(command)),
    theirs: shown(error.current_value ?? (field === "kind" ? "cost" : 0)),
    who: app.t("set_by", { who }),
  };
}
