"""Plan: a cross-sector planning initiative for a place, its actors and its members.

An organisation (actor) leaves a plan in one of two ways: one that never held a share and never
pledged anything is removed; any other is marked as having left, so its history keeps its name
and it takes no new shares, pledges or members. An archived plan is read-only for good.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from domain.base import PlanAggregate, require_choice, require_int, require_text
from domain.context import as_id
from domain.errors import Conflict, NotAllowed, NotFound, RuleViolated, translatable

SECTORS = ("public", "private", "academic", "voluntary")
ROLES = ("facilitator", "representative", "observer")
FIRST_YEAR, LAST_YEAR, MAX_SPAN = 2000, 2100, 10
MAX_DESCRIPTION, MAX_REASON = 5000, 2000
ARCHIVED = translatable("This plan is archived: it can be read, but nothing in it can change.")


class Plan(PlanAggregate):
    """Actors are organisations (with a sector); members are person ids with a role."""

    #: 2: plans have a description and may be archived; actors say whether they have left.
    #: 3: a plan may require the gender split for KPIs about people.
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot taken before plans had a description, archiving and leaving."""
        state.setdefault("description", "")
        state.setdefault("archived", False)
        for actor in state.get("actors", {}).values():
            actor.setdefault("left", False)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """A snapshot taken before plans could require the gender split did not."""
        state.setdefault("gender_split_required", False)

    class Created(PlanAggregate.Created):
        name: str
        place: str
        start_year: int
        end_year: int
        facilitator_id: str
        description: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["description"] = ""  # plans started before descriptions had none

        def apply(self, plan: Plan) -> None:
            plan._plan_id = self.plan_id
            plan.name, plan.place = self.name, self.place
            plan.description, plan.archived = self.description, False
            plan.gender_split_required = False
            plan.start_year, plan.end_year = self.start_year, self.end_year
            plan.actors = {}
            plan.members = {self.facilitator_id: {"role": "facilitator", "org_id": None}}

    class DetailsChanged(PlanAggregate.Event):
        name: str
        place: str
        description: str
        before: dict[str, str]

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Before descriptions existed every plan's was empty, and stayed so.
            state["description"] = ""
            state["before"] = {**state["before"], "description": ""}

        def apply(self, plan: Plan) -> None:
            plan.name, plan.place, plan.description = self.name, self.place, self.description

    class GenderSplitRequirementChanged(PlanAggregate.Event):
        """Whether KPIs about people must be followed up by gender (total, women, men)."""

        required: bool

        def apply(self, plan: Plan) -> None:
            plan.gender_split_required = self.required

    class Archived(PlanAggregate.Event):
        reason: str

        def apply(self, plan: Plan) -> None:
            plan.archived = True

    class ActorAdded(PlanAggregate.Event):
        actor_id: str
        name: str
        sector: str

        def apply(self, plan: Plan) -> None:
            plan.actors[self.actor_id] = {"name": self.name, "sector": self.sector, "left": False}

    class ActorChanged(PlanAggregate.Event):
        actor_id: str
        name: str
        sector: str
        before: dict[str, str]

        def apply(self, plan: Plan) -> None:
            plan.actors[self.actor_id].update(name=self.name, sector=self.sector)

    class ActorRemoved(PlanAggregate.Event):
        """An organisation that never took part (no share, no commitment) is taken out."""

        actor_id: str
        before: dict[str, Any]

        def apply(self, plan: Plan) -> None:
            del plan.actors[self.actor_id]

    class ActorLeft(PlanAggregate.Event):
        """An organisation with a history in the plan leaves it; the history keeps it."""

        actor_id: str
        before: dict[str, Any]

        def apply(self, plan: Plan) -> None:
            plan.actors[self.actor_id]["left"] = True

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
              facilitator_id: UUID | str, plan_id: UUID | None = None,
              description: str = "") -> Plan:
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
            description=_description(description),
        )

    def change_details(self, name: str, place: str, description: str | None = None) -> None:
        """A new name, place or description (None keeps the description as it is)."""
        name, place = require_text(name, "name"), require_text(place, "place")
        description = self.description if description is None else _description(description)
        if (name, place, description) != (self.name, self.place, self.description):
            self.trigger_event(self.DetailsChanged, name=name, place=place,
                               description=description,
                               before={"name": self.name, "place": self.place,
                                       "description": self.description})

    def require_gender_split(self, required: bool) -> None:
        """Switch on (or off) the rule that every KPI about people is followed up by gender,
        as Kolada does (total, women, men); on, it holds for KPIs defined before too."""
        if not isinstance(required, bool):
            raise RuleViolated("Say whether the gender split is required.",
                               field="gender_split_required")
        if required != self.gender_split_required:
            self.trigger_event(self.GenderSplitRequirementChanged, required=required)

    def archive(self, reason: str = "") -> None:
        """From now on the plan is read-only (the application refuses every later command)."""
        self.require_open()
        self.trigger_event(self.Archived, reason=require_text(
            reason, "reason", max_length=MAX_REASON, optional=True))

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
                               before={"name": before["name"], "sector": before["sector"]})

    def remove_actor(self, actor_id: UUID | str, has_history: bool) -> str:
        """Take an organisation out: removed if it has no history (shares, commitments,
        services), else marked as having left. Returns "removed" or "left"."""
        actor_id = self.require_actor(actor_id)
        before = self.actors[actor_id]
        if before["left"]:
            raise RuleViolated("{name} has already left the plan.", name=before["name"],
                               actor_id=actor_id)
        representatives = [p for p, m in self.members.items() if m["org_id"] == actor_id]
        if representatives:
            raise RuleViolated(
                "{name} is still represented by members of the plan: give them another "
                "organisation or role first.", name=before["name"], actor_id=actor_id,
                person_ids=representatives)
        event = self.ActorLeft if has_history else self.ActorRemoved
        self.trigger_event(event, actor_id=actor_id, before=dict(before))
        return "left" if has_history else "removed"

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

    def require_active_actor(self, actor_id: UUID | str | None) -> str:
        """An organisation of the plan that has not left it (it may still take part)."""
        key = self.require_actor(actor_id)
        if self.actors[key]["left"]:
            raise RuleViolated("{name} has left the plan: it takes no new shares, pledges or "
                               "members.", name=self.actors[key]["name"], actor_id=key)
        return key

    def require_open(self) -> None:
        """Refuse any change to an archived plan (or to anything in it)."""
        if self.archived:
            raise RuleViolated(ARCHIVED, plan_id=self.plan_id)

    def role_of(self, person_id: UUID | str) -> str | None:
        member = self.members.get(as_id(person_id))
        return member["role"] if member else None

    def _checked_role(self, role: str, org_id: UUID | str | None) -> tuple[str, str | None]:
        require_choice(role, "role", ROLES)
        org = self.require_active_actor(org_id) if org_id is not None else None
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



def _description(value: object) -> str:
    return require_text(value, "description", max_length=MAX_DESCRIPTION, optional=True)
