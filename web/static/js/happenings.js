// What happened that the page tells in words and lets a person act on: a removed line (a
// notice for everyone, with Undo for the person who removed it), what an undo or redo did and
// skipped, and the changes by others to lines the person's organisation pays part of.

import { newId } from "./commands.js";
import { describeChange, whoOf } from "./words.js";

export class Happenings {
  constructor(app) {
    this.app = app;
    this.others = app.othersChanges;
    this.seq = 0; // the person's own commands queued on this page
    this.removals = new Map(); // line id → {seq, label, by, mine} of its removal notice
    this.expecting = new Map(); // undo command id → the line whose removal it should undo
    this.added = 0; // marks added while catching up on the first join
    this.joinedOnce = false;
    this.refresh = null;
  }

  get t() {
    return this.app.t;
  }

  who(by) {
    return whoOf(this.t, by);
  }

  since(position) {
    return this.others.active ? this.others.since(position) : position;
  }

  /** A change arrived (`before`: the line before it, `after`: the line now). */
  noted(change, before, after) {
    const { app } = this;
    const mark = this.others.note(change, {
      line: before ?? after, after, budgetId: app.budgetId,
      describe: (c, m) => ({ text: describeChange(c, { t: this.t, numbers: app.numbers, line: m.label,
                                                       actorName: (id) => app.sheet.actor(id)?.name ?? "" }),
                             who: this.who(c.by) }),
    });
    if (mark && !this.joinedOnce) this.added += 1;
    return mark;
  }

  joined() {
    if (!this.joinedOnce && this.added) {
      this.app.announcer.say(this.t.count("others_new", this.added, { org: this.orgName() }));
    }
    this.joinedOnce = true;
  }

  orgName() {
    return this.app.sheet.actor(this.app.orgId)?.name ?? "";
  }

  rendered() {
    const { app } = this;
    this.others.lines(app.sheet.lines);
    app.othersPanel.update(this.others.list(), (id) => Boolean(app.view.lines.some((l) => l.line_id === id)));
  }

  /** Everything shown as changed by others has been seen. */
  seen() {
    this.others.seen(this.app.sheet.position);
    this.app.announcer.say(this.t("others_seen"));
    this.app.render();
  }

  /** A join could not catch up (too much was missed): start again from the sheet. */
  tooMuchMissed(position) {
    if (!this.others.active || this.others.fresh) return;
    this.others.position = position;
    this.others.flush();
    this.app.notices.show("others-missed", { text: this.t("others_too_many"), announce: false });
  }

  /** Confirmed commitments changed: their figures come again from the server. */
  commitmentsChanged() {
    clearTimeout(this.refresh);
    this.refresh = setTimeout(async () => {
      const { app } = this;
      const reply = await fetch(app.sheetUrl, { headers: { Accept: "application/json" } });
      if (!reply.ok) return;
      const json = await reply.json();
      for (const [id, entry] of Object.entries(json.totals?.lines ?? {})) {
        app.sheet.commitments.set(id, { committed: entry.committed ?? 0,
                                        byYear: { ...(entry.committed_by_year ?? {}) } });
      }
      app.render();
    }, 300);
  }

  // ---- removed lines --------------------------------------------------------------------

  lineGoneOrBack(change, touched) {
    const mine = change.by?.person_id === this.app.personId;
    if (touched.removed) this.removalNotice(touched.lineId, touched.label, change.by, mine);
    else if (this.removals.has(touched.lineId)) {
      this.removals.delete(touched.lineId);
      this.app.notices.show(`removed:${touched.lineId}`, {
        text: this.t("announce_restored", { who: this.who(change.by), line: touched.label }),
        announce: !this.app.mine.has(change.command_id) });
    }
  }

  /** Our own removal was stored (its `change` may come later, or already came). */
  removedByMe(lineId, label) {
    if (this.removals.has(lineId)) return;
    const you = this.app.you ?? {};
    this.removalNotice(lineId, label, { ...you, person_id: this.app.personId }, true);
  }

  removalNotice(lineId, label, by, mine) {
    this.removals.set(lineId, { seq: this.seq, label, by, mine });
    this.showRemoval(lineId, !mine); // the remover has heard "… removed. Ctrl+Z undoes it."
  }

  showRemoval(lineId, announce) {
    const removal = this.removals.get(lineId);
    const undoable = removal.mine && removal.seq === this.seq && this.app.editable;
    this.app.notices.show(`removed:${lineId}`, {
      text: this.t("announce_removed", { who: this.who(removal.by), line: removal.label }),
      actions: undoable ? [{ name: "undo", label: this.t("undo_button"),
                             spoken: this.t("undo_removal_of", { line: removal.label }),
                             run: () => this.undoRemoval(lineId) }] : [],
      announce,
    });
  }

  undoRemoval(lineId) {
    const command = { command_id: newId(), type: "undo", budget_id: this.app.budgetId };
    this.expecting.set(command.command_id, lineId);
    this.app.queue(command);
  }

  // ---- undo and redo --------------------------------------------------------------------

  /** One of the person's own commands was queued: a change (not an undo or redo) can no
   *  longer be redone after, and an older removal's Undo would now undo something else. */
  queued(command) {
    this.seq += 1;
    if (command.type !== "undo" && command.type !== "redo") this.app.undoControls.changed();
    for (const [lineId, removal] of this.removals) {
      if (removal.mine && removal.undoShown !== false && this.app.notices.has(`removed:${lineId}`)) {
        removal.undoShown = false;
        this.showRemoval(lineId, false);
      }
    }
  }

  undoAnswered(command, reply) {
    const outcome = this.app.undoControls.replied(command.type, reply);
    const lineId = this.expecting.get(command.command_id);
    this.expecting.delete(command.command_id);
    const undone = reply.ok ? reply.undone : null;
    if (lineId && undone?.type === "LineItemRemoved" && undone.line_id === lineId) {
      const removal = this.removals.get(lineId);
      this.removals.delete(lineId);
      this.app.notices.show(`removed:${lineId}`, {
        text: this.t("undid_removal", { line: removal?.label ?? undone.label }), details: outcome.details });
      return;
    }
    this.app.notices.show("undo", outcome);
  }
}
