"""Names to show with a change: the person's, the organisation's and its sector.

Events hold ids only (people can be erased); names are looked up when a change is shown.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from adapters.people import PeopleDirectory
from projections.tables import plan_actor, plan_member


class NameBook:
    def __init__(self, engine: Engine, people: PeopleDirectory) -> None:
        self.engine, self.people = engine, people
        self._lock = threading.Lock()
        self._people: dict[str, str] = {}
        self._orgs: dict[str, dict[str, dict[str, str]]] = {}  # plan → actor → name, sector

    def person(self, person_id: str | None) -> str | None:
        if not person_id:
            return None
        with self._lock:
            if person_id in self._people:
                return self._people[person_id]
        name = self.people.display_names([person_id])[person_id]
        with self._lock:
            self._people[person_id] = name
        return name

    def org(self, plan_id: str, org_id: str | None) -> dict[str, str] | None:
        if not org_id:
            return None
        orgs = self._orgs.get(plan_id)
        if orgs is None or org_id not in orgs:
            orgs = self._load_orgs(plan_id)
        return orgs.get(org_id)

    def remember_org(self, plan_id: str, org_id: str, name: str, sector: str) -> None:
        """Organisations change by events the broadcaster sees before the read model does."""
        with self._lock:
            self._orgs.setdefault(plan_id, {})[org_id] = {"name": name, "sector": sector}

    def forget_person(self, person_id: str) -> None:
        with self._lock:
            self._people.pop(person_id, None)

    def by(self, plan_id: str, person_id: str | None, org_id: str | None) -> dict[str, Any]:
        org = self.org(plan_id, org_id) or {}
        return {"person_id": person_id, "name": self.person(person_id), "org_id": org_id,
                "org_name": org.get("name"), "sector": org.get("sector")}

    def membership(self, plan_id: str, person_id: str) -> dict[str, Any] | None:
        """The person's role and organisation in the plan (None if not a member)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(plan_member.c.role, plan_member.c.org_id).where(
                plan_member.c.plan_id == plan_id, plan_member.c.person_id == person_id)).first()
        if row is None:
            return None
        return {**self.by(plan_id, person_id, row.org_id), "role": row.role}

    def _load_orgs(self, plan_id: str) -> dict[str, dict[str, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(plan_actor).where(plan_actor.c.plan_id == plan_id)).all()
        with self._lock:
            orgs = self._orgs.setdefault(plan_id, {})
            for row in rows:
                orgs.setdefault(row.actor_id, {"name": row.name, "sector": row.sector})
            return orgs
