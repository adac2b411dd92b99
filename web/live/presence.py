"""Who is in which plan's meeting, and which cell each person is on (this process's sockets).

Presence goes out as small per-person changes, coalesced: a join, a focus, a leave or a changed
role only marks the person as changed; a flush (at most one per room per interval, see
`Flusher`) sends each changed person's state as it is *then*. So an unsent update is replaced
by the next one, never queued behind it, and a room of N people that all join costs N small
changes per flush instead of N whole lists to N sockets (docs/realtime.md, `presence_changed`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
FLUSH_INTERVAL = 0.15  # seconds: presence is at most this late, and a room gets ≤ 7 flushes/s


class Presence:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: dict[str, dict[str, dict[str, Any]]] = {}  # plan → sid → entry
        self._shown: dict[str, dict[str, dict[str, Any]]] = {}  # plan → person → as last sent
        self._dirty: dict[str, dict[str, None]] = {}  # plan → persons changed since (ordered)

    def enter(self, plan_id: str, sid: str, person: dict[str, Any], budget_id: str | None) -> None:
        with self._lock:
            self._plans.setdefault(plan_id, {})[sid] = {**person, "budget_id": budget_id,
                                                        "cell": None}
            self._touch(plan_id, person["person_id"])

    def focus(self, plan_id: str, sid: str, budget_id: str | None,
              cell: dict[str, Any] | None) -> bool:
        with self._lock:
            entry = self._plans.get(plan_id, {}).get(sid)
            if entry is None:
                return False
            entry["budget_id"] = budget_id or entry["budget_id"]
            entry["cell"] = {**cell, "budget_id": entry["budget_id"]} if cell else None
            self._touch(plan_id, entry["person_id"])
            return True

    def refresh(self, plan_id: str, sid: str, person: dict[str, Any]) -> bool:
        """The person's role or organisation changed: same place in the grid, new entry."""
        with self._lock:
            entry = self._plans.get(plan_id, {}).get(sid)
            if entry is None:
                return False
            entry.update(person)
            self._touch(plan_id, entry["person_id"])
            return True

    def leave(self, plan_id: str, sid: str) -> bool:
        with self._lock:
            entry = self._plans.get(plan_id, {}).pop(sid, None)
            if entry is not None:
                self._touch(plan_id, entry["person_id"])
            return entry is not None

    def leave_all(self, sid: str) -> list[str]:
        """Forget a socket everywhere; returns the plans it was in."""
        with self._lock:
            left = [(plan, entry) for plan, sids in self._plans.items()
                    if (entry := sids.pop(sid, None))]
            for plan, entry in left:
                self._touch(plan, entry["person_id"])
            return [plan for plan, _ in left]

    def people(self, plan_id: str) -> list[dict[str, Any]]:
        """One entry per person (several tabs show once), in the order they came."""
        with self._lock:
            return list(self._people(plan_id).values())

    # ---- flushing ------------------------------------------------------------------------------

    def changed_plans(self) -> list[str]:
        with self._lock:
            return [plan for plan, dirty in self._dirty.items() if dirty]

    def take_changes(self, plan_id: str) -> list[dict[str, Any]]:
        """What changed for each person since the last flush, compared with what was sent then:
        `entered`, `moved` (only the cell differs), `refreshed` (anything else) or `left`."""
        with self._lock:
            dirty = self._dirty.pop(plan_id, {})
            now, shown = self._people(plan_id), self._shown.setdefault(plan_id, {})
            changes = []
            for person_id in dirty:
                before, after = shown.get(person_id), now.get(person_id)
                if after is None and before is not None:
                    del shown[person_id]
                    changes.append({"kind": "left", "person_id": person_id})
                elif after is not None and after != before:
                    kind = ("entered" if before is None else
                            "moved" if {**before, "cell": None} == {**after, "cell": None}
                            else "refreshed")
                    shown[person_id] = after
                    changes.append({"kind": kind, "person_id": person_id, "person": after})
            if not self._plans.get(plan_id) and not shown:  # nobody left: forget the plan
                self._plans.pop(plan_id, None)
                self._shown.pop(plan_id, None)
            return changes

    def _touch(self, plan_id: str, person_id: str) -> None:
        self._dirty.setdefault(plan_id, {})[person_id] = None

    def _people(self, plan_id: str) -> dict[str, dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for entry in self._plans.get(plan_id, {}).values():
            person = seen.setdefault(entry["person_id"],
                                     {k: v for k, v in entry.items() if k != "budget_id"})
            if entry["cell"]:  # the tab that is on a cell says where the person is
                person["cell"] = entry["cell"]
        return seen


class Flusher:
    """Calls `flush` every `interval` seconds on a thread of its own (a greenlet under gevent)."""

    def __init__(self, flush: Callable[[], Any], interval: float = FLUSH_INTERVAL) -> None:
        self.flush, self.interval = flush, interval
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name="live-presence", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                self.flush()
            except Exception:  # one bad flush must not end presence for the process
                log.exception("a presence flush failed")
