"""Presence across web processes: this process's own presence, shared through a board in Redis
(adapters/redis_presence.py), with the people the other processes' sockets show merged in.

Kept beside web/live/presence.py rather than inside it: presence itself stays one process's
sockets; this writes that process's part after each change and merges the others' parts into
what a flush compares and a join lists, so another process's people arrive as the same small
`presence_changed` entries, coalesced by the same flusher.
"""

from __future__ import annotations

from typing import Any

from adapters.redis_presence import People, RedisPresenceBoard
from web.live.presence import Presence


class SharedPresence(Presence):
    def __init__(self, board: RedisPresenceBoard) -> None:
        super().__init__()
        self.board = board

    def enter(self, plan_id: str, sid: str, person: dict[str, Any], budget_id: str | None) -> None:
        super().enter(plan_id, sid, person, budget_id)
        self._share(plan_id)

    def focus(self, plan_id: str, sid: str, budget_id: str | None,
              cell: dict[str, Any] | None) -> bool:
        return self._shared(plan_id, super().focus(plan_id, sid, budget_id, cell))

    def refresh(self, plan_id: str, sid: str, person: dict[str, Any]) -> bool:
        return self._shared(plan_id, super().refresh(plan_id, sid, person))

    def leave(self, plan_id: str, sid: str) -> bool:
        return self._shared(plan_id, super().leave(plan_id, sid))

    def leave_all(self, sid: str) -> list[str]:
        plans = super().leave_all(sid)
        for plan_id in plans:
            self._share(plan_id)
        return plans

    def others_changed(self, plan_id: str) -> None:
        """Another process's part changed: compare everyone at the next flush (unchanged people
        give no change)."""
        with self._lock:
            people = set(self._shown.get(plan_id, {})) | set(self._people(plan_id))
            for person_id in people:
                self._touch(plan_id, person_id)

    def mine(self) -> dict[str, People]:
        """This process's part of every meeting it has sockets in (written again on each beat)."""
        with self._lock:
            plans = [plan for plan, sids in self._plans.items() if sids]
            return {plan: list(self._local(plan).values()) for plan in plans}

    def _people(self, plan_id: str) -> dict[str, dict[str, Any]]:
        """This process's people, then those only other processes show (one entry a person)."""
        merged = self._local(plan_id)
        for person in self.board.others(plan_id):
            merged.setdefault(person["person_id"], person)
        return merged

    def _local(self, plan_id: str) -> dict[str, dict[str, Any]]:
        return super()._people(plan_id)

    def _shared(self, plan_id: str, changed: bool) -> bool:
        if changed:
            self._share(plan_id)
        return changed

    def _share(self, plan_id: str) -> None:
        with self._lock:
            people = list(self._local(plan_id).values())
        self.board.put(plan_id, people)
