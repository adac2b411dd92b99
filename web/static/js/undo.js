// Undo and redo (Ctrl+Z; Ctrl+Y or Ctrl+Shift+Z; two toolbar buttons): the server takes the
// person's most recent change that can still be undone and says what it skipped and why
// (docs/realtime.md, "Undo and redo"); this says so in words and keeps the buttons' state as
// far as this page knows it: Undo is available until the server says nothing is left, Redo
// after an undo until the person makes a new change.

import { personName } from "./i18n.js";

export class UndoControls {
  constructor({ undoButton, redoButton, t, describeCell }) {
    this.undoButton = undoButton;
    this.redoButton = redoButton;
    this.t = t;
    this.describeCell = describeCell; // (line_id, field, label) → "Lokalhyra, 2027"
    this.canUndo = true; // the server keeps a person's changes from earlier visits too
    this.redoable = 0;
    this.render();
  }

  /** The person made a change of their own (not an undo or redo). */
  changed() {
    this.canUndo = true;
    this.redoable = 0;
    this.render();
  }

  /** The reply to an undo or redo: what to say, in words ({text, details, tone}). */
  replied(type, reply) {
    if (reply.ok) {
      if (type === "undo") {
        this.redoable += 1;
      } else {
        this.redoable = Math.max(0, this.redoable - 1);
        this.canUndo = true;
      }
      this.render();
      const done = type === "undo" ? reply.undone : reply.redone;
      return { text: done ? this.sentence(type, done) : this.t(type === "undo" ? "undone" : "redone"),
               details: (reply.skipped ?? []).map((s) => this.skipped(s)), tone: "info" };
    }
    const error = reply.error ?? {};
    if (error.error === "rule_violated") {
      if (type === "undo") this.canUndo = false;
      else this.redoable = 0;
    }
    this.render();
    return { text: this.t("not_saved", { message: error.message ?? "" }),
             details: (error.skipped ?? []).map((s) => this.skipped(s)), tone: "warning" };
  }

  /** "Undone: your change of Lokalhyra, 2027." and the like. */
  sentence(type, change) {
    const what = this.describeCell(change.line_id, change.field, change.label);
    const line = change.label ?? "";
    const key = { LineItemRemoved: "removal", LineItemAdded: "addition", LineItemMoved: "move",
                  LineItemRestored: "removal" }[change.type] ?? "change";
    return this.t(`${type === "undo" ? "undid" : "redid"}_${key}`, { what, line });
  }

  /** Why an undo skipped a change, naming who changed it since when the server says. */
  skipped(entry) {
    const what = this.describeCell(entry.line_id, entry.field, entry.label);
    const who = entry.set_by ? personName(this.t, { name: entry.set_by_name, person_id: entry.set_by }) : null;
    const reason = entry.reason_code === "changed_since" && who ? "changed_by"
      : { changed_since: "changed", line_removed: "line_removed", line_back: "line_back",
          year_removed: "year_removed", not_allowed: "not_allowed" }[entry.reason_code] ?? "cannot";
    return this.t(`skipped_${reason}`, { what, who: who ?? "", line: entry.label ?? "" });
  }

  render() {
    setDisabled(this.undoButton, !this.canUndo, this.redoButton);
    setDisabled(this.redoButton, this.redoable === 0, this.undoButton);
  }
}

/** Disable a button; if it had the focus, the focus moves to `other` (or stays on the page). */
function setDisabled(button, disabled, other) {
  if (!button || button.disabled === disabled) return;
  const focused = document.activeElement === button;
  button.disabled = disabled;
  if (focused && disabled && other && !other.disabled) other.focus();
}
