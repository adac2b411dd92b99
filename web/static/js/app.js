// The live budget page: the confirmed sheet plus our pending edits, shown in the grid, kept
// in step with the server over the /live socket (docs/realtime.md).

import { commandField, commandValue, project } from "./commands.js";
import { describeConflict } from "./conflict.js";
import { Happenings } from "./happenings.js";
import { Outbox } from "./outbox.js";
import { newLine } from "./sheet.js";
import { sheetTotals } from "./totals.js";
import { describeChange, describeField } from "./words.js";

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
    this.joinedOnce = false;
    this.happenings = new Happenings(this);
  }

  get editable() {
    return Boolean(this.personId) && this.canEdit && !this.refused && !this.sheet.archived
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
    const totals = sheetTotals(view, this.sheet.commitments);
    this.grid.render(view, totals, { pending, pendingLines, others: this.happenings.others.byCell() }, {
      editable: this.editable, collapsed: this.groups.collapsed,
      mayEditShare: (actor) => this.role === "facilitator" || actor.actor_id === this.orgId,
      mayRemove: (line) => this.mayRemove(line),
    });
    this.keys.sync();
    if (hadFocus && !this.grid.table.contains(document.activeElement)) {
      this.keys.focusCell(this.keys.activeCell()); // the focused row went away
    }
    this.summary.update(totals, view.lines);
    this.happenings.rendered();
    const conflicts = this.outbox.conflicts().length;
    this.status.counts(this.outbox.count - conflicts, conflicts);
    this.toolbar.hidden = !this.editable;
    this.grid.table.setAttribute("aria-readonly", String(!this.editable));
  }

  /** A representative removes only lines no other organisation has a share of. */
  mayRemove(line) {
    if (this.role === "facilitator") return true;
    return Object.entries(line.shares).every(([actor, s]) => actor === this.orgId || !(s.share > 0));
  }

  // ---- from the server ---------------------------------------------------------------

  /** Where a join starts: the first one from where this person last saw the budget. */
  joinPosition() {
    if (this.joinedOnce) return this.sheet.position;
    return this.happenings.since(this.sheet.position);
  }

  onChange(change, { catchUp }) {
    const lineId = change.data?.line_id;
    const current = lineId ? this.sheet.line(lineId) : null;
    const before = current && { label: current.label, shares: copyShares(current.shares) };
    const touched = this.sheet.apply(change); // null when older than the sheet or already in it
    const mark = this.happenings.noted(change, before, lineId ? this.sheet.line(lineId) : null);
    if (change.aggregate_type === "Commitment") this.happenings.commitmentsChanged();
    if (!touched) {
      if (mark) this.render();
      return;
    }
    this.render();
    if (touched.status) this.statusChanged(touched.status);
    if (touched.archived) this.messages.show(this.t("plan_archived"));
    if (touched.removed || touched.restored) this.happenings.lineGoneOrBack(change, touched);
    if (this.mine.has(change.command_id)) return;
    queueMicrotask(() => this.show(change, touched));
    if (catchUp) this.missed += 1;
    else if (!touched.removed && !touched.restored) {
      const text = this.describe(change, touched);
      this.announcer.say(mark ? `${text}. ${this.t("pays_part_note")}` : text);
    }
  }

  show(change, touched) {
    if (touched.lineId && !touched.removed) {
      this.grid.flash(touched.lineId, touched.field ?? "label", change.by);
    }
  }

  describe(change, touched) {
    const line = touched.label ?? this.sheet.line(touched.lineId)?.label ?? "";
    return describeChange(change, { t: this.t, numbers: this.numbers, line,
                                    actorName: (id) => this.sheet.actor(id)?.name ?? "" });
  }

  statusChanged(status) {
    const name = this.t(`budget_${status}`);
    this.budgetStatus.textContent = name;
    if (status !== "draft") this.messages.show(this.t("status_now", { status: name }));
  }

  onJoined(reply) {
    this.joinedOnce = true;
    this.sheet.position = Math.max(this.sheet.position, reply.position);
    this.presence.me = reply.you?.person_id ?? this.personId;
    this.you = reply.you ?? this.you;
    if (reply.you?.role) { // roles change
      this.role = reply.you.role;
      this.canEdit = EDITING_ROLES.includes(reply.you.role);
    }
    this.grid.setPresence(this.presence.update(reply.presence, this.budgetId));
    if (this.missed) this.announcer.say(this.t.count("missed", this.missed));
    this.missed = 0;
    this.happenings.joined();
    this.render();
    this.pump();
    const [conflict] = this.outbox.conflicts(); // kept from before a reload
    if (conflict && !this.dialog.isOpen) this.dialog.show(conflict);
  }

  onPresence(changes) {
    this.grid.setPresence(this.presence.apply(changes, this.budgetId));
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
    if (!this.joinedOnce) this.happenings.tooMuchMissed(this.sheet.position);
    this.render();
  }

  // ---- to the server -----------------------------------------------------------------

  queue(command) {
    const item = this.outbox.add(command);
    this.mine.add(item.command.command_id);
    this.happenings.queued(command);
    this.render();
    this.pump();
    return item;
  }

  /** Send the queue in order, one command at a time (the server may run messages in parallel). */
  async pump() {
    if (this.sending || !this.live?.ready) return;
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
    if (reply?.ok === false && ["rate_limited", "busy"].includes(reply.error?.error)) {
      // The server asks us to slow down (or was too busy to save it, storing nothing): the
      // same command (same id) goes again after the pause.
      setTimeout(() => this.pump(), Math.max(50, (reply.error.retry_after ?? 0.5) * 1000));
      return;
    }
    this.answered(item, reply);
    this.pump();
  }

  answered(item, reply) {
    const { command } = item;
    const field = commandField(command);
    if (command.type === "undo" || command.type === "redo") {
      this.outbox.done(item);
      this.happenings.undoAnswered(command, reply);
    } else if (reply.ok) {
      if (field && Number.isInteger(reply.version)) {
        this.sheet.setField(command.line_id, field, commandValue(command), reply.version);
        this.acked.set(command.command_id, reply.version);
      } else {
        this.confirmLine(command, reply);
      }
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
  confirmLine(command, reply) {
    if (command.type === "add_line") this.sheet.insert(newLine(command, this.sheet.years), command.position);
    else if (command.type === "move_line") this.sheet.move(command.line_id, command.position);
    else if (command.type === "remove_line") {
      const gone = this.sheet.remove(command.line_id);
      if (gone && reply.position !== null) this.happenings.removedByMe(command.line_id, gone.label);
    }
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

  /** A cell in words for messages: "Lokalhyra, 2027" (or "“Lokalhyra”" for a whole line). */
  describeField(label, field) {
    return describeField(this.t, this.sheet, label, field);
  }

  // ---- conflicts ----------------------------------------------------------------------

  describeConflict(item) {
    return describeConflict(this, item);
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

function copyShares(shares) {
  return Object.fromEntries(Object.entries(shares).map(([actor, s]) => [actor, { ...s }]));
}
