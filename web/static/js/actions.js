// What a person does on the page: edit a cell, add, move and remove lines, undo and redo,
// collapse or expand a sector group of share columns.

import { fieldCommand, newId } from "./commands.js";
import { KINDS, readField } from "./sheet.js";

const LIMITS = { label: 200, category: 80 };

export function bindActions(app, { addButton, addForm, undoButton, redoButton }) {
  const { t, grid, keys, editor, numbers } = app;

  keys.on.edit = (cell, typed) => {
    if (!app.editable) return;
    const lineId = cell.parentElement.dataset.line;
    const { field } = cell.dataset;
    const column = grid.column(field);
    const line = app.view.lines.find((l) => l.line_id === lineId);
    if (!line || !column?.editable) return;
    const shown = readField(line, field).value;
    const base = app.baseOf(lineId, field);
    const text = column.kind === "money" ? numbers.money(shown, false)
      : column.kind === "share" ? numbers.share(shown).replace(/\s*%$/u, "") : shown ?? "";
    editor.start(cell, {
      name: t("cell_name", { line: line.label, column: column.column ?? column.head }),
      value: text, typed, numeric: column.kind === "money" || column.kind === "share",
      options: column.kind === "choice" ? KINDS.map((k) => [k, t(`kind_${k}`)]) : null,
      commit: (input) => commit(lineId, field, column.kind, input, shown, base),
      done: (how) => after(lineId, field, how),
      invalidHint: (problem) => app.messages.show(problem),
    });
  };

  function commit(lineId, field, kind, input, shown, base) {
    let value;
    if (kind === "money") value = numbers.parseMoney(input);
    else if (kind === "share") value = numbers.parseShare(input);
    else if (kind === "choice") value = KINDS.includes(input) ? input : null;
    else value = input.trim();
    if (value === null) return t(kind === "money" ? "invalid_amount" : "invalid_share");
    if (field === "label" && !value) return t("invalid_label");
    if (kind === "text" && value.length > LIMITS[field]) return t("too_long", { n: LIMITS[field] });
    if (value === shown) return null;
    app.queue(fieldCommand(app.budgetId, lineId, field, value, app.expected(base)));
    return null;
  }

  function after(lineId, field, how) {
    if (how === "blur") return;
    const cell = grid.cell(lineId, field);
    if (!cell) return;
    const step = { next: 1, prev: -1 }[how] ?? 0;
    const row = cell.parentElement;
    const target = row.cells[Math.max(0, Math.min(row.cells.length - 1, cell.cellIndex + step))];
    keys.focusCell(target);
  }

  keys.on.moveLine = (lineId, delta) => move(lineId, delta);

  function move(lineId, delta) {
    const index = app.view.lines.findIndex((l) => l.line_id === lineId);
    const position = index + delta;
    if (index < 0 || position < 0 || position >= app.view.lines.length || !app.editable) return;
    app.queue({ command_id: newId(), type: "move_line", budget_id: app.budgetId, line_id: lineId, position });
    app.announcer.say(t("moved", { line: app.view.lines[index].label, n: position + 1 }));
  }

  grid.table.addEventListener("click", (event) => {
    const toggle = event.target.closest("button[data-group-toggle]");
    if (toggle) {
      const sector = toggle.dataset.groupToggle;
      app.groups.toggle(sector);
      app.renderNow();
      const again = grid.table.querySelector(`button[data-group-toggle="${CSS.escape(sector)}"]`);
      if (again) keys.focusCell(again.closest("th"));
      return;
    }
    const button = event.target.closest("button[data-action]");
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    const lineId = button.closest("tr").dataset.line;
    if (button.dataset.action === "up") move(lineId, -1);
    else if (button.dataset.action === "down") move(lineId, 1);
    else if (button.dataset.action === "remove") remove(lineId);
  });

  function remove(lineId) {
    const line = app.view.lines.find((l) => l.line_id === lineId);
    if (!line || !app.editable || !app.mayRemove(line)) return;
    app.queue({ command_id: newId(), type: "remove_line", budget_id: app.budgetId, line_id: lineId });
    app.announcer.say(t("removed", { line: line.label }));
  }

  function undoOrRedo(type) {
    if (!app.editable) return;
    app.queue({ command_id: newId(), type, budget_id: app.budgetId });
  }

  undoButton.addEventListener("click", () => undoOrRedo("undo"));
  redoButton.addEventListener("click", () => undoOrRedo("redo"));
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest?.("input, textarea, select, [contenteditable], dialog");
    if (!(event.ctrlKey || event.metaKey) || event.altKey || typing) return;
    const key = event.key.toLowerCase();
    const type = key === "z" ? (event.shiftKey ? "redo" : "undo") : key === "y" && !event.shiftKey ? "redo" : null;
    if (!type) return;
    event.preventDefault();
    undoOrRedo(type);
  });

  addButton.addEventListener("click", () => {
    const open = addForm.hidden;
    addForm.hidden = !open;
    addButton.setAttribute("aria-expanded", String(open));
    if (open) addForm.querySelector("input").focus();
  });
  addForm.addEventListener("reset", () => {
    addForm.hidden = true;
    addButton.setAttribute("aria-expanded", "false");
    addButton.focus();
  });
  addForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(addForm);
    const label = String(data.get("label") ?? "").trim();
    if (!label) return;
    const kind = KINDS.includes(data.get("kind")) ? data.get("kind") : "cost";
    const lineId = newId();
    app.queue({ command_id: newId(), type: "add_line", budget_id: app.budgetId, line_id: lineId,
                label, category: String(data.get("category") ?? "").trim(), kind });
    addForm.reset();
    app.announcer.say(t(kind === "income" ? "added_income" : "added", { line: label }));
    queueMicrotask(() => {
      const cell = grid.cell(lineId, "label");
      if (cell) keys.focusCell(cell);
    });
  });
}
