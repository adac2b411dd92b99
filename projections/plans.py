"""Plan overview projection: plans, their organisations and members."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from domain.plans import Plan
from projections.base import HandlerProjection, handles
from projections.rows import RowCache
from projections.tables import plan, plan_actor, plan_member


class PlanProjection(HandlerProjection):
    name = "plans"
    tables = (plan, plan_actor, plan_member)

    def caches(self) -> SimpleNamespace:
        return SimpleNamespace(plans=RowCache(plan, "plan_id"),
                               actors=RowCache(plan_actor, "plan_id"),
                               members=RowCache(plan_member, "plan_id"))

    @handles(Plan.Created)
    def created(self, w: Any, e: Plan.Created, _: int) -> None:
        for cache in vars(w).values():
            cache.load(e.plan_id, known_empty=True)
        w.plans.put({"plan_id": e.plan_id, "name": e.name, "place": e.place,
                     "start_year": e.start_year, "end_year": e.end_year,
                     "description": e.description, "archived": False,
                     "gender_split_required": False,
                     "created_at": e.timestamp, "updated_at": e.timestamp})
        w.members.put({"plan_id": e.plan_id, "person_id": e.facilitator_id,
                       "role": "facilitator", "org_id": None})

    @handles(Plan.DetailsChanged)
    def details_changed(self, w: Any, e: Plan.DetailsChanged, _: int) -> None:
        self._touch(w, e).update(name=e.name, place=e.place, description=e.description)

    @handles(Plan.GenderSplitRequirementChanged)
    def gender_split_requirement_changed(self, w: Any, e: Plan.GenderSplitRequirementChanged,
                                         _: int) -> None:
        self._touch(w, e)["gender_split_required"] = e.required

    @handles(Plan.Archived)
    def archived(self, w: Any, e: Plan.Archived, _: int) -> None:
        self._touch(w, e)["archived"] = True

    @handles(Plan.ActorAdded)
    def actor_added(self, w: Any, e: Plan.ActorAdded, _: int) -> None:
        self._touch(w, e)
        w.actors.put({"plan_id": e.plan_id, "actor_id": e.actor_id, "name": e.name,
                      "sector": e.sector, "left": False,
                      "position": 1 + max((a["position"] for a in w.actors.group(e.plan_id)),
                                          default=-1)})

    @handles(Plan.ActorChanged)
    def actor_changed(self, w: Any, e: Plan.ActorChanged, _: int) -> None:
        self._touch(w, e)
        w.actors.get(e.plan_id, e.actor_id).update(name=e.name, sector=e.sector)

    @handles(Plan.ActorRemoved)
    def actor_removed(self, w: Any, e: Plan.ActorRemoved, _: int) -> None:
        self._touch(w, e)
        w.actors.delete(e.plan_id, e.actor_id)

    @handles(Plan.ActorLeft)
    def actor_left(self, w: Any, e: Plan.ActorLeft, _: int) -> None:
        self._touch(w, e)
        w.actors.get(e.plan_id, e.actor_id)["left"] = True

    @handles(Plan.MemberAdded, Plan.MemberJoined, Plan.MemberChanged)
    def member_set(self, w: Any, e: Plan.MemberAdded, _: int) -> None:
        self._touch(w, e)
        w.members.put({"plan_id": e.plan_id, "person_id": e.person_id, "role": e.role,
                       "org_id": e.org_id})

    @handles(Plan.MemberRemoved)
    def member_removed(self, w: Any, e: Plan.MemberRemoved, _: int) -> None:
        self._touch(w, e)
        w.members.delete(e.plan_id, e.person_id)

    @staticmethod
    def _touch(w: Any, e: Any) -> dict[str, Any]:
        for cache in vars(w).values():
            cache.load(e.plan_id)
        row = w.plans.get(e.plan_id)
        row["updated_at"] = e.timestamp
        return row
