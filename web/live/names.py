"""Names to show with a change: the person's, the organisation's and its sector.

Events hold ids only (people can be erased); names are looked up when a change is shown.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from adapters.people import PeopleDirectory
from projections.tables import plan_actor

#: How long a looked-up name is kept: a person erased from another process (the CLI) stops
#: being named on live pages within this time; erasure in this process forgets at once.
NAME_TTL = 30.0


class NameBook:
    def __init__(self, engine: Engine, people: PeopleDirectory) -> None:
        self.engine, self.people = engine, people
        self._lock = threading.Lock()
        self._people: dict[str, tuple[str, float]] = {}  # person → (name, looked up at)
        self._orgs: dict[str, dict[str, dict[str, str]]] = {}  # plan → actor → name, sector

    def person(self, person_id: str | None) -> str | None:
        """The person's name; None for an erased or unknown person. Live messages go to a room
        of readers in several languages, so the browser words that ("erased person #…")."""
        if not person_id:
            return None
        now = time.monotonic()
        with self._lock:
            known = self._people.get(person_id)
        if known is not None and now - known[1] < NAME_TTL:
            return known[0]
        name = self.people.display_names([person_id], unnamed=_unnamed)[person_id] or None
        with self._lock:
            self._people[person_id] = (name, now)
        return name

    def org(self, plan_id: str, org_id: str | None) -> dict[str, str] | None:
        if not org_id:
            return None
        orgs = self._orgs.get(plan_id)
        if orgs is None or org_id not in orgs:
            orgs = self._load_orgs(plan_id)
        return orgs.get(org_id)

    def forget_orgs(self, plan_id: str) -> None:
        """An organisation of the plan was added or changed: the views say how, once they are
        published (web/live/feed.py), so the next look-up reads them again."""
        with self._lock:
            self._orgs.pop(plan_id, None)

    def forget_person(self, person_id: str) -> None:
        with self._lock:
            self._people.pop(person_id, None)

    def by(self, plan_id: str, person_id: str | None, org_id: str | None) -> dict[str, Any]:
        org = self.org(plan_id, org_id) or {}
        name = self.person(person_id)
        return {"person_id": person_id, "name": name, "erased": bool(person_id) and name is None,
                "org_id": org_id, "org_name": org.get("name"), "sector": org.get("sector")}

    def _load_orgs(self, plan_id: str) -> dict[str, dict[str, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(plan_actor).where(plan_actor.c.plan_id == plan_id)).all()
        with self._lock:
            orgs = self._orgs.setdefault(plan_id, {})
            for row in rows:
                orgs.setdefault(row.actor_id, {"name": row.name, "sector": row.sector})
            return orgs


def _unnamed(person_id: str, known: bool) -> str:
    return ""  # erased or unknown: no name (see NameBook.person)
