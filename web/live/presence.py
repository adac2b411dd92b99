"""Who is in which plan's meeting, and which cell each person is on (this process's sockets)."""

from __future__ import annotations

import threading
from typing import Any


class Presence:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: dict[str, dict[str, dict[str, Any]]] = {}  # plan → sid → entry

    def enter(self, plan_id: str, sid: str, person: dict[str, Any], budget_id: str | None) -> None:
        with self._lock:
            self._plans.setdefault(plan_id, {})[sid] = {**person, "budget_id": budget_id,
                                                        "cell": None}

    def focus(self, plan_id: str, sid: str, budget_id: str | None,
              cell: dict[str, Any] | None) -> bool:
        with self._lock:
            entry = self._plans.get(plan_id, {}).get(sid)
            if entry is None:
                return False
            entry["budget_id"] = budget_id or entry["budget_id"]
            entry["cell"] = {**cell, "budget_id": entry["budget_id"]} if cell else None
            return True

    def leave(self, plan_id: str, sid: str) -> bool:
        with self._lock:
            return self._plans.get(plan_id, {}).pop(sid, None) is not None

    def leave_all(self, sid: str) -> list[str]:
        """Forget a socket everywhere; returns the plans it was in."""
        with self._lock:
            return [plan for plan, sids in self._plans.items() if sids.pop(sid, None)]

    def people(self, plan_id: str) -> list[dict[str, Any]]:
        """One entry per person (several tabs show once), in the order they came."""
        with self._lock:
            entries = list(self._plans.get(plan_id, {}).values())
        seen: dict[str, dict[str, Any]] = {}
        for entry in entries:
            person = seen.setdefault(entry["person_id"], dict(entry))
            if entry["cell"]:
                person["cell"] = entry["cell"]
        return [{k: v for k, v in p.items() if k != "budget_id"} for p in seen.values()]
