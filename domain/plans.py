"""Plan: a cross-sector planning initiative for a place, its actors and its members."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from domain.base import PlanAggregate, require_choice, require_int, require_text
from domain.context import as_id
from domain.errors import Conflict, NotAllowed, NotFound, RuleViolated

SECTORS = ("public", "private", "academic", "voluntary")
ROLES = ("facilitator", "representative", "observer")
FIRST_YEAR, LAST_YEAR, MAX_SPAN = 2000, 2100, 10


class Plan(PlanAggregate):
    """Actors are organisations (with a sector); members are person ids with a role."""

    class Created(PlanAggregate.Created):
        name: str
        place: str
        start_year: int
        end_year: int
        facilitator_id: str

        def apply(self, plan: Plan) -> None:
            plan._plan_id = self.plan_id
            plan.name, plan.place = self.name, self.place
            plan.start_year, plan.end_year = self.start_year, self.end_year
            plan.actors = {}
            plan.members = {self.facilitator_id: {"role": "facilitator", "org_id": None}}

    class DetailsChanged(PlanAggregate.Event):
        name: str
        place: str
        before: dict[str, str]

        def apply(self, plan: Plan) -> None:
            plan.name, plan.place = self.name, self.place

    class ActorAdded(PlanAggregate.Event):
        actor_id: str
        name: str
        sector: str

        def apply(self, plan: Plan) -> None:
            plan.actors[self.actor_id] = {"name": self.name, "sector": self.sector}

    class ActorChanged(PlanAggregate.Event):
        actor_id: str
        name: str
        sector: str
        before: dict[str, str]

        def apply(self, plan: Plan) -> None:
            plan.actors[self.actor_id] = {"name": self.name, "sector": self.sector}

    class MemberAdded(PlanAggregate.Event):
        person_id: str
        role: str
        org_id: str | None

        def apply(self, plan: Plan) -> None:
            plan.members[self.person_id] = {"role": self.role, "org_id": self.org_id}

    class MemberJoined(PlanAggregate.Event):
        """A person accepted a facilitator's invitation."""

        person_id: str
        role: str
        org_id: str | None
        invited_by: str

        def apply(self, plan: Plan) -> None:
            plan.members[self.person_id] = {"role": self.role, "org_id": self.org_id}

    class MemberChanged(PlanAggregate.Event):
        person_id: str
        role: str
        org_id: str | None
        before: dict[str, Any]

        def apply(self, plan: Plan) -> None:
            plan.members[self.person_id] = {"role": self.role, "org_id": self.org_id}

    class MemberRemoved(PlanAggregate.Event):
        person_id: str
        before: dict[str, Any]

        def apply(self, plan: Plan) -> None:
            del plan.members[self.person_id]

    # ---- commands -----------------------------------------------------------------------

    @classmethod
    def start(cls, name: str, place: str, start_year: int, end_year: int,
              facilitator_id: UUID | str, plan_id: UUID | None = None) -> Plan:
        """A new plan; the person starting it is its first facilitator."""
        start_year = require_int(start_year, "start_year", minimum=FIRST_YEAR, maximum=LAST_YEAR)
        end_year = require_int(end_year, "end_year", minimum=start_year, maximum=LAST_YEAR)
        if end_year - start_year + 1 > MAX_SPAN:
            raise RuleViolated("A plan covers at most {max_years} years.", field="end_year",
                               max_years=MAX_SPAN)
        plan_id = plan_id or uuid4()
        return cls._create_for_plan(
            cls.Created, str(plan_id), id=plan_id,
            name=require_text(name, "name"), place=require_text(place, "place"),
            start_year=start_year, end_year=end_year, facilitator_id=as_id(facilitator_id),
        )

    def change_details(self, name: str, place: str) -> None:
        name, place = require_text(name, "name"), require_text(place, "place")
        if (name, place) != (self.name, self.place):
            self.trigger_event(self.DetailsChanged, name=name, place=place,
                               before={"name": self.name, "place": self.place})

    def add_actor(self, name: str, sector: str, actor_id: UUID | str | None = None) -> str:
        name = require_text(name, "name")
        require_choice(sector, "sector", SECTORS)
        self._require_unique_actor_name(name)
        new_id = as_id(actor_id) or str(uuid4())
        if new_id in self.actors:
            raise Conflict("That organisation is already in the plan.", actor_id=new_id)
        self.trigger_event(self.ActorAdded, actor_id=new_id, name=name, sector=sector)
        return new_id

    def change_actor(self, actor_id: UUID | str, name: str, sector: str) -> None:
        actor_id = self.require_actor(actor_id)
        name = require_text(name, "name")
        require_choice(sector, "sector", SECTORS)
        before = self.actors[actor_id]
        if name.casefold() != before["name"].casefold():
            self._require_unique_actor_name(name)
        if (name, sector) != (before["name"], before["sector"]):
            self.trigger_event(self.ActorChanged, actor_id=actor_id, name=name, sector=sector,
                               before=dict(before))

    def add_member(self, person_id: UUID | str, role: str, org_id: UUID | str | None) -> None:
        person_id = as_id(person_id)
        if person_id in self.members:
            raise Conflict("That person is already a member of the plan.", person_id=person_id)
        role, org_id = self._checked_role(role, org_id)
        self.trigger_event(self.MemberAdded, person_id=person_id, role=role, org_id=org_id)

    def join(self, person_id: UUID | str, role: str, org_id: UUID | str | None,
             invited_by: UUID | str) -> None:
        """Join by invitation: only valid while the person who invited is a facilitator."""
        person_id, invited_by = as_id(person_id), as_id(invited_by)
        if self.role_of(invited_by) != "facilitator":
            raise NotAllowed("The invitation is no longer valid: whoever sent it is no longer "
                             "a facilitator of this plan.", plan_id=self.plan_id)
        if person_id in self.members:
            raise Conflict("That person is already a member of the plan.", person_id=person_id)
        role, org_id = self._checked_role(role, org_id)
        self.trigger_event(self.MemberJoined, person_id=person_id, role=role, org_id=org_id,
                           invited_by=invited_by)

    def change_member(self, person_id: UUID | str, role: str, org_id: UUID | str | None) -> None:
        person_id = self.require_member(person_id)
        role, org_id = self._checked_role(role, org_id)
        before = self.members[person_id]
        if before["role"] == "facilitator" and role != "facilitator":
            self._require_another_facilitator(person_id)
        if (role, org_id) != (before["role"], before["org_id"]):
            self.trigger_event(self.MemberChanged, person_id=person_id, role=role,
                               org_id=org_id, before=dict(before))

    def remove_member(self, person_id: UUID | str) -> None:
        person_id = self.require_member(person_id)
        before = self.members[person_id]
        if before["role"] == "facilitator":
            self._require_another_facilitator(person_id)
        self.trigger_event(self.MemberRemoved, person_id=person_id, before=dict(before))

    # ---- queries used by guards (here and in the application) -----------------------------

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))

    def require_actor(self, actor_id: UUID | str | None) -> str:
        key = as_id(actor_id)
        if key not in self.actors:
            raise NotFound("No such organisation in this plan.", actor_id=key)
        return key

    def require_member(self, person_id: UUID | str) -> str:
        key = as_id(person_id)
        if key not in self.members:
            raise NotFound("That person is not a member of this plan.", person_id=key)
        return key

    def role_of(self, person_id: UUID | str) -> str | None:
        member = self.members.get(as_id(person_id))
        return member["role"] if member else None

    def _checked_role(self, role: str, org_id: UUID | str | None) -> tuple[str, str | None]:
        require_choice(role, "role", ROLES)
        org = self.require_actor(org_id) if org_id is not None else None
        if role == "representative" and org is None:
            raise RuleViolated("A representative must represent an organisation.", field="org_id")
        return role, org

    def _require_unique_actor_name(self, name: str) -> None:
        if any(a["name"].casefold() == name.casefold() for a in self.actors.values()):
            raise Conflict("An organisation named “{name}” is already in the plan.", name=name)

    def _require_another_facilitator(self, person_id: str) -> None:
        others = [p for p, m in self.members.items()
                  if m["role"] == "facilitator" and p != person_id]
        if not others:
            raise RuleViolated("A plan must keep at least one facilitator.", person_id=person_id)

