// Meeting replay: step through a budget's history change by change, read-only.
// A range input (arrow keys, Home, End) and previous/next buttons pick a change number; the
// budget after it is fetched from /api/budgets/<id>/at?version=N and shown in a table of its own
// while the live grid is hidden by the stylesheet ([data-replaying]; it keeps following the
// meeting underneath). Each step highlights the cell or line that change touched (a removed line
// is shown crossed out where it was), scrolls it into view and says the change in the label, an
// aria-live region. Leaving shows the live grid again.

const DELAY_MS = 120; // while a slider is dragged, fetch only where it comes to rest

export class Replay {
  constructor(root, { numbers, page }) {
    this.root = root;
    this.numbers = numbers;
    this.page = page; // the budget page: its live parts are hidden while replaying
    this.strings = JSON.parse(root.dataset.i18nReplay);
    const part = (name) => root.querySelector(`[data-replay="${name}"]`);
    this.startButton = part("start");
    this.controls = part("controls");
    this.slider = part("slider");
    this.label = part("label");
    this.view = part("view");
    this.table = part("table");
    this.timer = null;
    this.request = 0;

    this.startButton.addEventListener("click", () => this.start());
    part("stop").addEventListener("click", () => this.stop());
    part("previous").addEventListener("click", () => this.step(-1));
    part("next").addEventListener("click", () => this.step(1));
    this.slider.addEventListener("input", () => this.later());
    this.slider.addEventListener("change", () => this.show(this.version()));
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.controls.hidden) {
        event.preventDefault();
        this.stop();
      }
    });
    this.startButton.hidden = false;
  }

  t(key, params = {}) {
    return (this.strings[key] ?? key).replace(/\{(\w+)\}/gu, (all, name) => (
      name in params ? String(params[name]) : all));
  }

  version() {
    return Number(this.slider.value);
  }

  async start() {
    const latest = await this.fetch(null);
    if (!latest) return;
    this.slider.max = String(latest.latest);
    this.slider.value = String(latest.version);
    this.startButton.hidden = true;
    this.controls.hidden = false;
    this.view.hidden = false;
    this.page.dataset.replaying = "true";
    this.render(latest);
    this.slider.focus();
  }

  stop() {
    clearTimeout(this.timer);
    this.request += 1; // a reply still on its way is not shown
    this.controls.hidden = true;
    this.view.hidden = true;
    delete this.page.dataset.replaying;
    this.startButton.hidden = false;
    this.label.textContent = this.t("left");
    this.startButton.focus();
  }

  step(by) {
    const next = Math.min(Math.max(this.version() + by, 1), Number(this.slider.max));
    this.slider.value = String(next);
    this.show(next);
  }

  later() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.show(this.version()), DELAY_MS);
  }

  async show(version) {
    clearTimeout(this.timer);
    const state = await this.fetch(version);
    if (state && !this.controls.hidden) this.render(state);
  }

  async fetch(version) {
    const ticket = ++this.request;
    const url = new URL(this.root.dataset.replayUrl, window.location.href);
    if (version) url.searchParams.set("version", String(version));
    try {
      const reply = await fetch(url, { headers: { Accept: "application/json" } });
      if (!reply.ok) throw new Error(String(reply.status));
      const state = await reply.json();
      return ticket === this.request ? state : null;
    } catch {
      if (ticket === this.request) this.label.textContent = this.t("failed");
      return null;
    }
  }

  render(state) {
    const { version, latest, change } = state;
    this.slider.max = String(Math.max(latest, version));
    this.slider.setAttribute("aria-valuetext", this.t("of", { n: version, m: latest }));
    this.root.dataset.replayVersion = String(version);
    const what = change ? change.text : "";
    this.label.textContent = what ? this.t("label", { n: version, m: latest, change: what })
      : this.t("of", { n: version, m: latest });
    this.renderTable(state);
  }

  renderTable({ budget, actors, lines, totals, version, change }) {
    const money = (ore, unit = false) => this.numbers.money(ore ?? 0, unit);
    const cell = (tag, text, className) => {
      const element = document.createElement(tag);
      element.textContent = text;
      if (className) element.className = className;
      return element;
    };
    const row = (cells) => {
      const tr = document.createElement("tr");
      tr.append(...cells);
      return tr;
    };
    const caption = cell("caption", this.t("caption", { n: version }));
    caption.id = "replay-caption";
    const head = cell("th", this.t("line_item"));
    head.scope = "col";
    const columns = [head, cell("th", this.t("category")),
      ...budget.years.map((y) => cell("th", String(y), "num")), cell("th", this.t("total"), "num"),
      ...actors.map((a) => cell("th", a.name, "num"))];
    for (const th of columns) th.scope = "col";
    const thead = document.createElement("thead");
    thead.append(row(columns));
    const lineRow = (line) => {
      const label = cell("th", line.label);
      label.scope = "row";
      label.dataset.field = "label";
      const category = cell("td", line.category);
      category.dataset.field = "category";
      const amounts = budget.years.map((y) => line.amounts[String(y)]?.amount ?? 0);
      const years = amounts.map((a, i) => {
        const td = cell("td", money(a), "num");
        td.dataset.field = `amount:${budget.years[i]}`;
        return td;
      });
      const shares = actors.map((a) => {
        const td = cell("td", this.numbers.share(line.shares[a.actor_id]?.share ?? 0), "num");
        td.dataset.field = `share:${a.actor_id}`;
        return td;
      });
      const tr = row([label, category, ...years,
        cell("td", money(amounts.reduce((sum, a) => sum + a, 0)), "num"), ...shares]);
      tr.dataset.line = line.line_id;
      return tr;
    };
    const tbody = document.createElement("tbody");
    tbody.append(...lines.map(lineRow));
    const removed = change?.removed_line;
    if (removed) { // shown crossed out where it was, though it is no longer in the budget
      const tr = lineRow(removed);
      tr.dataset.diff = "removed";
      tbody.insertBefore(tr, tbody.children[removed.position] ?? null);
    }
    const total = cell("th", this.t("total"));
    total.scope = "row";
    const tfoot = document.createElement("tfoot");
    tfoot.append(row([total, cell("td", ""),
      ...budget.years.map((y) => cell("td", money(totals.by_year[String(y)]), "num")),
      cell("td", money(totals.total, true), "num"),
      ...actors.map((a) => cell("td", money(totals.by_actor[a.actor_id]), "num"))]));
    this.table.replaceChildren(caption, thead, tbody, tfoot);
    this.mark(tbody, change?.touched);
  }

  /** Highlight the cell (or line) the change touched, say so in words, scroll it into view. */
  mark(tbody, touched) {
    delete this.root.dataset.replayChanged;
    if (!touched) return;
    const tr = [...tbody.rows].find((r) => r.dataset.line === touched.line_id);
    if (!tr) return;
    const byField = touched.field
      ? [...tr.cells].find((c) => c.dataset.field === touched.field) : null;
    const label = tr.querySelector("[data-field='label']");
    if (touched.state === "changed") {
      const target = byField ?? label; // a field without a column of its own: its line
      target.classList.add("changed");
      const note = document.createElement("span");
      note.className = "visually-hidden";
      note.textContent = ` (${this.t("changed")})`;
      target.append(note);
      this.root.dataset.replayChanged = touched.field ?? "label";
      target.scrollIntoView({ block: "nearest", inline: "nearest" });
      return;
    }
    tr.classList.add("changed-line");
    tr.dataset.changed = touched.state;
    const note = document.createElement("span");
    note.className = "change-mark";
    note.textContent = ` (${this.t(touched.state)})`;
    label.append(note);
    this.root.dataset.replayChanged = touched.state;
    label.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
}
