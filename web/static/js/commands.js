// Commands this page sends (docs/realtime.md, "command") and how each one shows in the grid
// before the server has acknowledged it.

import { copyLine, newLine, readField, writeField } from "./sheet.js";

export function newId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; a council intranet on plain http still gets v4 ids.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The command that sets one field of a line to `value`, made on `expectedVersion`. */
export function fieldCommand(budgetId, lineId, field, value, expectedVersion) {
  const [kind, key] = field.split(":");
  const base = { command_id: newId(), budget_id: budgetId, line_id: lineId,
                 expected_version: expectedVersion };
  if (kind === "amount") return { ...base, type: "change_amount", year: Number(key), amount: value };
  if (kind === "share") return { ...base, type: "set_share", actor_id: key, share: value };
  if (kind === "label") return { ...base, type: "rename_line", label: value };
  if (kind === "kind") return { ...base, type: "set_line_kind", kind: value };
  return { ...base, type: "recategorise_line", category: value };
}

/** The field a command changes ("amount:2027" …), or null for line and budget commands. */
export function commandField(command) {
  switch (command.type) {
    case "change_amount": return `amount:${command.year}`;
    case "set_share": return `share:${command.actor_id}`;
    case "rename_line": return "label";
    case "recategorise_line": return "category";
    case "set_line_kind": return "kind";
    default: return null;
  }
}

export function commandValue(command) {
  if (command.type === "set_line_kind") return command.kind;
  return command.amount ?? command.share ?? command.label ?? command.category;
}

/** A copy of the confirmed sheet with the pending commands applied, and which cells they touch. */
export function project(sheet, items) {
  const view = { budget: sheet.budget, years: sheet.years, actors: sheet.actors,
                 lines: sheet.lines.map(copyLine) };
  const pending = new Map(); // "lineId|field" → "pending" | "conflict"
  const pendingLines = new Set();
  for (const item of items) {
    const { command } = item;
    const field = commandField(command);
    if (field) {
      const key = `${command.line_id}|${field}`;
      if (item.state === "conflict") {
        pending.set(key, "conflict");
        continue;
      }
      const line = view.lines.find((l) => l.line_id === command.line_id);
      if (line) {
        const version = readField(line, field)?.version ?? 0;
        writeField(line, field, commandValue(command), version);
        pending.set(key, "pending");
      }
      continue;
    }
    applyLineCommand(view, command, pendingLines);
  }
  return { view, pending, pendingLines };
}

function applyLineCommand(view, command, pendingLines) {
  const index = view.lines.findIndex((l) => l.line_id === command.line_id);
  if (command.type === "add_line" && index < 0) {
    const line = newLine(command, view.years);
    view.lines.splice(command.position ?? view.lines.length, 0, line);
    pendingLines.add(command.line_id);
  } else if (command.type === "remove_line" && index >= 0) {
    view.lines.splice(index, 1);
  } else if (command.type === "move_line" && index >= 0) {
    const [line] = view.lines.splice(index, 1);
    view.lines.splice(Math.min(command.position, view.lines.length), 0, line);
    pendingLines.add(command.line_id);
  }
}
