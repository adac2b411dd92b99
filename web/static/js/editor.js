// Editing one cell in place: Enter saves, Esc cancels, Tab saves and moves on, leaving saves.

import { el } from "./grid.js";

export class CellEditor {
  /** `isRendering()` tells a blur caused by re-rendering the grid from a real one. */
  constructor(isRendering) {
    this.isRendering = isRendering;
    this.open = null;
  }

  /**
   * Edit `cell`; `commit(text)` returns an error message to keep the editor open, or null.
   * `done(how)` is called once it closes: "enter", "next", "prev", "blur" or "cancel".
   * With `options` ([[value, text] …]) the editor is a choice (a <select>) instead of text.
   */
  start(cell, { name, value, typed, numeric, options, commit, done, invalidHint }) {
    this.close();
    const input = options ? choice(name, options, value, typed)
      : el("input", { type: "text", class: "cell-input", "aria-label": name, autocomplete: "off",
                      spellcheck: "false", inputmode: numeric ? "decimal" : "" });
    if (!options) input.value = typed ?? value;
    cell.classList.add("editing");
    cell.append(input);
    const editing = { cell, input, commit, done, invalidHint };
    this.open = editing;
    input.addEventListener("keydown", (e) => this.keydown(e, editing));
    // A choice is made by picking it (a tap, a click, an arrow key): it is saved at once.
    if (options) input.addEventListener("change", () => this.save(editing, "enter"));
    input.addEventListener("blur", () => {
      if (this.open !== editing) return;
      if (this.isRendering()) {
        requestAnimationFrame(() => this.open === editing && input.focus());
        return;
      }
      if (!this.save(editing, "blur")) this.finish(editing, "cancel");
    });
    input.focus();
    if (options) {
      try {
        if (navigator.maxTouchPoints > 0) input.showPicker?.(); // a tap opens the choices at once
      } catch {
        // showPicker needs a fresh user gesture; the select is there to tap again.
      }
    } else if (typed === null || typed === undefined) input.select();
    else input.setSelectionRange(input.value.length, input.value.length);
  }

  keydown(event, editing) {
    if (event.key === "Enter") {
      event.preventDefault(); // (a select's own Enter would not save)
      this.save(editing, "enter");
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      this.finish(editing, "cancel");
    } else if (event.key === "Tab") {
      event.preventDefault();
      this.save(editing, event.shiftKey ? "prev" : "next");
    }
  }

  save(editing, how) {
    const problem = editing.commit(editing.input.value);
    if (problem === null) {
      this.finish(editing, how);
      return true;
    }
    if (how !== "blur") this.invalid(editing, problem);
    else editing.invalidHint?.(problem);
    return false;
  }

  invalid(editing, message) {
    const { cell, input } = editing;
    let hint = cell.querySelector(".cell-error");
    if (!hint) {
      hint = el("span", { class: "cell-error", id: `err-${Math.random().toString(36).slice(2)}`,
                          role: "alert" });
      cell.append(hint);
    }
    hint.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", hint.id);
  }

  finish(editing, how) {
    if (this.open !== editing) return;
    this.open = null;
    editing.cell.classList.remove("editing");
    editing.input.remove();
    editing.cell.querySelector(".cell-error")?.remove();
    editing.done(how);
  }

  close() {
    if (this.open) this.finish(this.open, "cancel");
  }

  isEditing(cell) {
    return this.open?.cell === cell;
  }
}

/** A <select> for a choice cell, on `value` (or the first option that starts with `typed`). */
function choice(name, options, value, typed) {
  const select = el("select", { class: "cell-input", "aria-label": name },
    ...options.map(([key, text]) => el("option", { value: key }, text)));
  const start = typed ? options.find(([, text]) => text.toLowerCase().startsWith(typed.toLowerCase())) : null;
  select.value = start ? start[0] : value;
  return select;
}
