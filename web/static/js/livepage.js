// Pages that follow their plan live (the plan page, organisations, members …): they join the
// plan's room without appearing in its presence (docs/realtime.md, `presence: false`), and when
// a change of the kinds a page shows arrives, they fetch themselves again and put the new
// content of each `[data-live-region]` in place — unless the reader is typing in it, in which
// case a notice offers to show the changes. Without JavaScript the pages are whole as served.

import { LiveClient } from "./live.js";

const QUIET_MS = 250; // changes arriving together refresh once …
const MOST_MS = 2000; // … but a steady stream of them still refreshes at least this often

function start(root) {
  const watched = new Set((root.dataset.watch || "").split(/\s+/u).filter(Boolean));
  const status = document.querySelector("[data-live-status]");
  const notice = document.querySelector("[data-live-stale]");
  let position = Number(root.dataset.position || 0);
  let timer = null;
  let since = null; // when the first change not yet shown arrived
  let fetching = false;
  let again = false;

  const dirty = (region) => [...region.querySelectorAll("input, textarea, select")].some(
    (field) => field.type !== "hidden" && (field.value !== field.defaultValue
      || (field.checked ?? false) !== (field.defaultChecked ?? false)));

  async function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    try {
      const reply = await fetch(window.location.href, { headers: { Accept: "text/html" },
                                                        credentials: "same-origin" });
      if (!reply.ok) return;
      const fresh = new DOMParser().parseFromString(await reply.text(), "text/html");
      let held = false;
      for (const region of document.querySelectorAll("[data-live-region]")) {
        const next = fresh.getElementById(region.id);
        if (!next) continue;
        if (region.contains(document.activeElement) && dirty(region)) {
          held = true; // never take what someone is typing from under them
          continue;
        }
        const focused = document.activeElement?.id;
        region.replaceWith(next);
        if (focused && next.querySelector(`#${CSS.escape(focused)}`)) {
          document.getElementById(focused)?.focus({ preventScroll: true });
        }
      }
      if (notice) notice.hidden = !held;
      if (status) status.textContent = root.dataset.updated || "";
      // Scripts that draw into the swapped-in parts (the dashboard's charts) draw again.
      document.dispatchEvent(new CustomEvent("samverkan:updated"));
    } catch {
      // offline: the next change or reconnect refreshes
    } finally {
      fetching = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  const now = () => performance.now();
  const later = () => {
    clearTimeout(timer);
    since ??= now();
    const wait = Math.max(0, Math.min(QUIET_MS, since + MOST_MS - now()));
    timer = setTimeout(() => {
      since = null;
      refresh();
    }, wait);
  };

  new LiveClient({
    planId: root.dataset.planId, budgetId: null, presence: false,
    on: {
      status: () => {},
      change: (change) => {
        if (change.position <= position) return;
        position = change.position;
        if (watched.size === 0 || watched.has(change.aggregate_type)) later();
      },
      presence: () => {},
      joined: () => {},
      reload: async () => {
        later();
      },
      position: () => position,
    },
  }).start();
  notice?.querySelector("button")?.addEventListener("click", () => window.location.reload());
}

const root = document.querySelector("[data-live-page]");
if (root?.dataset.planId) start(root);
