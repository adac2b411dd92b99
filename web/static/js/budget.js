// Entry point of the live budget page (bundled by `npm run build` into web/static/dist).
// The server renders an accessible, read-only table first; this takes over with the JSON sheet.

import { bindActions } from "./actions.js";
import { BudgetApp } from "./app.js";
import { ConflictDialog } from "./conflict.js";
import { CellEditor } from "./editor.js";
import { Grid } from "./grid.js";
import { Groups } from "./groups.js";
import { translator } from "./i18n.js";
import { GridKeys } from "./keyboard.js";
import { LiveClient } from "./live.js";
import { Numbers } from "./money.js";
import { Notices } from "./notices.js";
import { OthersChanges } from "./others.js";
import { OthersPanel } from "./otherspanel.js";
import { PresenceList } from "./presence.js";
import { Replay } from "./replay.js";
import { Sheet } from "./sheet.js";
import { Announcer, Messages, StatusLine } from "./status.js";
import { Summary } from "./summary.js";
import { UndoControls } from "./undo.js";

async function main(root) {
  const data = root.dataset;
  const t = translator(JSON.parse(data.i18n));
  const numbers = new Numbers(data.locale, data.currency);
  new Replay(root.querySelector("[data-part='replay']"), { numbers, page: root });
  const reply = await fetch(data.sheetUrl, { headers: { Accept: "application/json" } });
  if (!reply.ok) return; // the server-rendered table stays
  const sheet = new Sheet(await reply.json());
  sheet.archived = data.archived === "true";
  const find = (name) => root.querySelector(`[data-part="${name}"]`);
  const table = find("grid");
  const grid = new Grid(table, { t, numbers, legend: find("legend") });
  const editor = new CellEditor(() => grid.rendering);
  const keys = new GridKeys(table, {});
  const personId = data.personId || null;
  const announcer = new Announcer(find("announcer"));
  const app = new BudgetApp({
    t, numbers, sheet, grid, keys, editor, budgetId: data.budgetId, personId,
    orgId: data.orgId || null, role: data.role || null, canEdit: data.canEdit === "true",
    sheetUrl: data.sheetUrl, toolbar: find("toolbar"), budgetStatus: find("budget-status"),
    status: new StatusLine(find("status"), { t, resolve: () => app.nextConflict() }),
    summary: new Summary(root, { t, numbers }),
    announcer,
    messages: new Messages(find("messages")),
    notices: new Notices(find("notices"), { t, announcer }),
    groups: new Groups(`samverkan:groups:${personId ?? "anyone"}`),
    othersChanges: new OthersChanges(`samverkan:others:${data.budgetId}:${personId}`,
                                     { personId, orgId: personId ? data.orgId || null : null }),
    othersPanel: new OthersPanel(find("others"), {
      t, on: { show: (mark) => showMark(app, mark), seen: () => app.happenings.seen(),
               emptied: () => app.refocus() },
    }),
    undoControls: new UndoControls({
      undoButton: find("undo"), redoButton: find("redo"), t,
      describeCell: (lineId, field, label) => app.describeField(label ?? "", field),
    }),
    presence: new PresenceList(find("presence-list"), {
      t, describeCell: (cell) => describeCell(app, cell),
    }),
  });
  app.notices.onEmpty = () => keys.current;
  app.dialog = new ConflictDialog(find("conflict"), {
    describe: (item) => app.describeConflict(item),
    choose: (item, choice) => app.choose(item, choice),
    closed: () => app.refocus(),
  });
  keys.on.active = throttle((cell) => app.live?.focus(cellRef(cell)), 150);
  bindActions(app, { addButton: find("add"), addForm: find("add-form"), undoButton: find("undo"),
                     redoButton: find("redo") });

  table.setAttribute("role", "grid");
  table.setAttribute("aria-describedby", find("help").id);
  find("scroll").removeAttribute("tabindex"); // the grid's own cell is the tab stop now
  for (const part of ["help", "status", "presence"]) find(part).hidden = false;
  app.renderNow();
  root.dataset.ready = "true";
  if (app.personId && !app.canEdit) app.messages.show(t("read_only_role"));
  if (sheet.archived) app.messages.show(t("plan_archived"));
  window.addEventListener("pagehide", () => app.othersChanges.flush());

  if (!app.personId) {
    app.onStatus("signed_out", { message: t("sign_in_to_edit") });
    return;
  }
  app.live = new LiveClient({
    planId: data.planId, budgetId: data.budgetId,
    on: {
      status: (state, error) => app.onStatus(state, error),
      change: (change, how) => app.onChange(change, how),
      presence: (changes) => app.onPresence(changes),
      joined: (joined) => app.onJoined(joined),
      reload: () => app.reload(),
      position: () => app.joinPosition(),
    },
  });
  app.live.start();
}

/** The cell as the focus message names it, or null outside the editable body cells. */
function cellRef(cell) {
  const lineId = cell?.parentElement?.dataset.line;
  const field = cell?.dataset.field;
  if (!lineId || !/^(label|category|kind|amount:\d{4}|share:[0-9a-f-]{36})$/u.test(field ?? "")) return null;
  return { line_id: lineId, field };
}

function describeCell(app, cell) {
  const line = app.sheet.line(cell.line_id);
  if (!line) return null;
  if (cell.field === "label") return line.label;
  return app.describeField(line.label, cell.field);
}

/** Go to the cell a change by others touched (its group's column if that is collapsed). */
function showMark(app, mark) {
  const { grid, keys } = app;
  const actor = mark.field.startsWith("share:") ? app.sheet.actor(mark.field.slice(6)) : null;
  const target = grid.cell(mark.line_id, mark.field)
    ?? (actor ? grid.cell(mark.line_id, `sector:${actor.sector}`) : null)
    ?? grid.cell(mark.line_id, "label");
  if (target) keys.focusCell(target);
}

/** At most one call per `ms`, and always the last one. */
function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  let args = null;
  return (...now) => {
    args = now;
    const wait = last + ms - Date.now();
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      fn(...args);
    }, Math.max(0, wait));
  };
}

const root = document.querySelector("[data-budget-app]");
if (root) main(root).catch((error) => console.error("The live budget could not start:", error));
