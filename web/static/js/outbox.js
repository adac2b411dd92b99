// Edits not yet acknowledged by the server, in the order they were made: kept in memory and
// in localStorage (per budget and person), so that edits made offline survive a reload.
//
// An item is {command, state, after?, error?, tab}: state "queued" (never sent), "sent"
// (sent, not yet acknowledged: re-sent with the same command_id after a reconnect) or
// "conflict" (refused as a stale edit, waiting for the person to choose).

import { commandField, commandValue, newId } from "./commands.js";

const TAB = newId(); // this page's own items, told apart from another tab's in the store

export class Outbox {
  constructor(storageKey) {
    this.key = storageKey;
    this.items = this.load();
    this.save();
  }

  /** Queue a command; an edit of a field that is already queued replaces that value. */
  add(command) {
    const field = commandField(command);
    if (field) {
      const earlier = this.items.findLast((i) => i.state !== "conflict"
        && i.command.line_id === command.line_id && commandField(i.command) === field);
      if (earlier?.state === "queued") {
        Object.assign(earlier.command, valueOf(command));
        this.save();
        return earlier;
      }
      if (earlier) {
        // Made on top of our own edit still in flight: its version is known once that is acked.
        command.expected_version = earlier.command.expected_version;
        return this.push({ command, state: "queued", after: earlier.command.command_id });
      }
    }
    return this.push({ command, state: "queued" });
  }

  push(item) {
    this.items.push({ ...item, tab: TAB });
    this.save();
    return this.items.at(-1);
  }

  /** The next item to send (queued or sent before a reconnect), skipping conflicts. */
  next() {
    return this.items.find((i) => i.state !== "conflict") ?? null;
  }

  get count() {
    return this.items.length;
  }

  conflicts() {
    return this.items.filter((i) => i.state === "conflict");
  }

  markSent(item) {
    item.state = "sent";
    this.save();
  }

  /** An item was acknowledged: drop it; edits made on top of it now know their version. */
  done(item, version) {
    this.items = this.items.filter((i) => i !== item);
    for (const other of this.items) {
      if (other.after === item.command.command_id) {
        if (Number.isInteger(version)) other.command.expected_version = version;
        delete other.after;
      }
    }
    this.save();
  }

  conflict(item, error) {
    item.state = "conflict";
    item.error = error;
    this.save();
  }

  /** "Keep mine": the same value again, on the current version, as a new command. */
  retry(item, expectedVersion) {
    item.command = { ...item.command, command_id: newId(), expected_version: expectedVersion };
    item.state = "queued";
    delete item.error;
    this.save();
  }

  load() {
    try {
      const stored = JSON.parse(localStorage.getItem(this.key) ?? "[]");
      return Array.isArray(stored) ? stored.map((i) => ({ ...i, tab: TAB })) : [];
    } catch {
      return [];
    }
  }

  save() {
    try {
      const stored = JSON.parse(localStorage.getItem(this.key) ?? "[]");
      const mine = new Set(this.items.map((i) => i.command.command_id));
      const others = (Array.isArray(stored) ? stored : [])
        .filter((i) => i.tab !== TAB && !mine.has(i.command?.command_id));
      const all = [...others, ...this.items];
      if (all.length) localStorage.setItem(this.key, JSON.stringify(all));
      else localStorage.removeItem(this.key);
    } catch {
      // Storage full or disabled: the queue still lives in memory for this page.
    }
  }
}

function valueOf(command) {
  const value = commandValue(command);
  for (const name of ["amount", "share", "label", "category", "kind"]) {
    if (name in command) return { [name]: value };
  }
  return {};
}
