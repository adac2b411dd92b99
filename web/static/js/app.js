// The live budget page: the confirmed sheet plus our pending edits, shown in the grid, kept
// in step with the server over the /live socket (docs/realtime.md).

import { commandField, commandValue, project } from "./commands.js";
import { Outbox } from "./outbox.js";
import { newLine } from "./sheet.js";
import { sheetTotals } from "./totals.js";

const EDITING_ROLES = ["facilitator", "representative"]; // domain/access.py EDIT_BUDGET

export class BudgetApp {
  constructor(parts) {
    Object.assign(this, parts); // sheet, grid, keys, editor, live, status, summary, …
    this.outbox = new Outbox(`samverkan:outbox:${this.budgetId}:${this.personId}`);
    this.mine = new Set(this.outbox.items.map((i) => i.command.command_id));
    this.acked = new Map(); // command id → the field version it produced
    this.sending = null;
    this.refused = false;
    this.renderQueued = false;
    this.missed = 0; // changes caught up on while away, announced once as a count
  }

  get editable() {
    return Boolean(this.personId) && this.canEdit && !this.refused
      && this.sheet.budget.status === "draft";
  }

  /** Render once after the current burst of messages and edits. */
  render() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      this.renderNow();
    });
  }

  renderNow() {
    const hadFocus = this.grid.table.contains(document.activeElement);
    const { view, pending, pendingLines } = project(this.sheet, this.outbox.items);
    this.view = view;
    const totals = sheetTotals(view);
    this.grid.render(view, totals, { pending, pendingLines }, this.editable);
    this.keys.sync();
    if (hadFocus && !this.grid.table.contains(document.activeElement)) {
      this.keys.focusCell(this.keys.activeCell()); // the focused row went away
    }
    this.summary.update(totals);
    const conflicts = this.outbox.conflicts().length;
    this.status.counts(this.outbox.count - conflicts, conflicts);
    this.toolbar.hidden = !this.editable;
    this.grid.table.setAttribute("aria-readonly", String(!this.editable));
  }

  // ---- from the server ---------------------------------------------------------------

  onChange(change, { catchUp }) {
    const touched = this.sheet.apply(change);
    if (!touched) return;
    this.render();
    if (touched.status) this.statusChanged(touched.status);
    if (this.mine.has(change.command_id)) return;
    queueMicrotask(() => this.show(change, touched));
    if (catchUp) this.missed += 1;
    else this.announcer.say(this.describe(change, touched));
  }

  show(change, touched) {
    if (touched.lineId && !touched.removed) {
      this.grid.flash(touched.lineId, touched.field ?? "label", change.by);
    }
  }

  describe(change, touched) {
    const { t } = this;
    const by = change.by ?? {};
    const who = by.org_name ? t("who_org", { name: by.name, org: by.org_name })
      : by.name ?? t("someone");
    const line = touched.label ?? this.sheet.line(touched.lineId)?.label ?? "";
    let text;
    if (touched.field === "label") {
      text = t("announce_renamed", { who, before: change.data.before, line });
    } else if (touched.field) {
      const column = this.grid.column(touched.field) ?? { kind: "text", head: "" };
      const shown = this.sheet.field(touched.lineId, touched.field)?.value;
      const value = this.grid.display(column, shown)[1] || t("empty");
      text = t("announce_change", { who, line, column: column.column ?? column.head, value });
    } else if (touched.added) text = t("announce_added", { who, line });
    else if (touched.removed) text = t("announce_removed", { who, line });
    else if (touched.moved) text = t("announce_moved", { who, line });
    else text = t("announce_other", { who });
    return change.undo ? `${text} (${t("undo")})` : text;
  }

  statusChanged(status) {
    const name = this.t(`budget_${status}`);
    this.budgetStatus.textContent = name;
    if (status !== "draft") this.messages.show(this.t("status_now", { status: name }));
  }

  onJoined(reply) {
    this.sheet.position = Math.max(this.sheet.position, reply.position);
    this.presence.me = reply.you?.person_id ?? this.personId;
    if (reply.you?.role) this.canEdit = EDITING_ROLES.includes(reply.you.role); // roles change
    this.onPresence(reply.presence);
    if (this.missed) this.announcer.say(this.t.count("missed", this.missed));
    this.missed = 0;
    this.render();
    this.pump();
    const [conflict] = this.outbox.conflicts(); // kept from before a reload
    if (conflict && !this.dialog.isOpen) this.dialog.show(conflict);
  }

  onPresence(people) {
    this.grid.setPresence(this.presence.update(people, this.budgetId));
  }

  onStatus(state, error) {
    this.status.connection(state);
    if (state === "refused" || state === "signed_out") {
      this.refused = true;
      this.messages.show(error?.message ?? this.t(`status_${state}`));
      this.render();
    }
  }

  async reload() {
    const reply = await fetch(this.sheetUrl, { headers: { Accept: "application/json" } });
    if (reply.ok) this.sheet.reset(await reply.json());
    this.render();
  }

  // ---- to the server -----------------------------------------------------------------

  queue(command) {
    const item = this.outbox.add(command);
    this.mine.add(item.command.command_id);
    this.render();
    this.pump();
    return item;
  }

  /** Send the queue in order, one command at a time (the server may run messages in parallel). */
  async pump() {
    if (this.sending || !this.live.ready) return;
    const item = this.outbox.next();
    if (!item) return;
    this.sending = item;
    this.outbox.markSent(item);
    this.mine.add(item.command.command_id);
    let reply;
    try {
      reply = await this.live.command(item.command);
    } catch {
      this.sending = null; // dropped or timed out: sent again (same id) once we are back
      if (this.live.ready) setTimeout(() => this.pump(), 1000);
      return;
    }
    this.sending = null;
    if (reply?.ok === false && reply.error?.error === "rate_limited") {
      // The server asks us to slow down: the same command (same id) goes again after the pause.
      setTimeout(() => this.pump(), Math.max(50, (reply.error.retry_after ?? 0.5) * 1000));
      return;
    }
    this.answered(item, reply);
    this.pump();
  }

  answered(item, reply) {
    const { command } = item;
    const field = commandField(command);
    if (reply.ok) {
      if (field && Number.isInteger(reply.version)) {
        this.sheet.setField(command.line_id, field, commandValue(command), reply.version);
        this.acked.set(command.command_id, reply.version);
      } else {
        this.confirmLine(command);
      }
      if (command.type === "undo") this.announcer.say(this.t("undone"));
      this.outbox.done(item, reply.version);
    } else if (reply.error?.error === "stale_edit" && field) {
      const error = reply.error;
      this.sheet.setField(command.line_id, field, error.current_value ?? 0, error.current_version);
      this.outbox.conflict(item, error);
      if (!this.dialog.isOpen) this.dialog.show(item);
    } else {
      this.outbox.done(item);
      this.messages.show(this.t("not_saved", { message: reply.error?.message ?? "" }));
      if (["not_found", "conflict"].includes(reply.error?.error)) this.reload().then(() => this.live.join());
    }
    this.render();
  }

  /** Line commands take effect at once on ack; their `change` then finds them done. */
  confirmLine(command) {
    if (command.type === "add_line") this.sheet.insert(newLine(command, this.sheet.years), command.position);
    else if (command.type === "remove_line") this.sheet.remove(command.line_id);
    else if (command.type === "move_line") this.sheet.move(command.line_id, command.position);
  }

  /** The version an edit starting now is made on (and our own edit in flight, if any). */
  baseOf(lineId, field) {
    const confirmed = this.sheet.field(lineId, field);
    const earlier = this.outbox.items.findLast((i) => i.state !== "conflict"
      && i.command.line_id === lineId && commandField(i.command) === field);
    return { version: confirmed?.version ?? (field.startsWith("share:") ? 0 : 1),
             after: earlier?.command.command_id ?? null };
  }

  expected(base) {
    if (base.after && !this.outbox.items.some((i) => i.command.command_id === base.after)) {
      return this.acked.get(base.after) ?? base.version; // our own edit landed meanwhile
    }
    return base.version;
  }

  // ---- conflicts ----------------------------------------------------------------------

  describeConflict(item) {
    const { command, error } = item;
    const field = commandField(command);
    const column = this.grid.column(field) ?? { kind: "text", head: field };
    const line = this.sheet.line(command.line_id)?.label ?? "";
    const who = error.set_by_name
      ? (error.set_for_name ? this.t("who_org", { name: error.set_by_name, org: error.set_for_name })
        : error.set_by_name)
      : this.t("someone");
    return {
      where: this.t("cell_name", { line, column: column.column ?? column.head }),
      mine: this.grid.display(column, commandValue(command))[1] || this.t("empty"),
      theirs: this.grid.display(column, error.current_value ?? 0)[1] || this.t("empty"),
      who: this.t("set_by", { who }),
    };
  }

  choose(item, choice) {
    if (choice === "mine") this.outbox.retry(item, item.error.current_version);
    else this.outbox.done(item);
    this.render();
    this.pump();
    this.nextConflict();
  }

  nextConflict() {
    const [next] = this.outbox.conflicts();
    if (next) this.dialog.show(next);
    else this.refocus();
  }

  refocus() {
    const cell = this.keys.activeCell();
    if (cell) this.keys.focusCell(cell);
  }
}
