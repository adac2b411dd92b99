// The status line (connection and pending edits), messages, and polite announcements for
// screen readers of what other people change.

export class StatusLine {
  constructor(root, { t, resolve }) {
    this.t = t;
    this.state = root.querySelector("[data-status='state']");
    this.pending = root.querySelector("[data-status='pending']");
    this.conflicts = root.querySelector("[data-status='conflicts']");
    this.resolve = root.querySelector("[data-status='resolve']");
    this.root = root;
    this.resolve.addEventListener("click", resolve);
  }

  connection(state) {
    this.root.dataset.connection = state;
    this.state.textContent = this.t(`status_${state}`);
  }

  counts(pending, conflicts) {
    this.pending.textContent = pending ? this.t.count("pending", pending) : this.t("all_saved");
    this.root.dataset.pending = String(pending);
    this.conflicts.textContent = conflicts ? this.t.count("conflicts", conflicts) : "";
    this.resolve.hidden = conflicts === 0;
  }
}

export class Announcer {
  /** `region` is aria-live="polite"; several messages at once are read together. */
  constructor(region) {
    this.region = region;
    this.queue = [];
    this.timer = null;
  }

  say(text) {
    this.queue.push(text);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.region.textContent = this.queue.slice(-5).join(". ");
      this.queue = [];
    }, 150);
  }
}

export class Messages {
  /** What could not be saved: a role="alert" paragraph that is always there, and a dismiss button. */
  constructor(box) {
    this.text = box.querySelector("[data-message]");
    this.dismiss = box.querySelector("button");
    this.dismiss.addEventListener("click", () => this.clear());
  }

  show(text) {
    this.text.textContent = text;
    this.dismiss.hidden = false;
  }

  clear() {
    this.text.textContent = "";
    this.dismiss.hidden = true;
  }
}
