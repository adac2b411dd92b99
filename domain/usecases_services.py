"""The use cases of shared services (stages, providers, needs, risks, KPIs) and of
commitments (pledge → confirm → deliver → verify, or withdraw), joined into `Samverkan`
(domain/usecases.py) as a mixin, as domain/budget_import.py is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.access import (
    MANAGE_SERVICES,
    OWN_COMMITMENTS,
    VERIFY_COMMITMENTS,
    WORK_ON_SERVICES,
)
from domain.application import SamverkanCore, Saved
from domain.budgets import Budget
from domain.commitments import Commitment
from domain.context import as_id
from domain.errors import RuleViolated
from domain.plans import Plan
from domain.services import SharedService

Id = UUID | str


class ServiceUseCases(SamverkanCore):
    # ---- shared services ------------------------------------------------------------------

    def create_service(self, plan_id: Id, name: str, place: str, description: str = "") -> Saved:
        """Describe a new shared service idea for the plan."""
        plan = self.load(Plan, plan_id)
        self.require(plan_id, MANAGE_SERVICES)
        return self.create(SharedService.create(plan.id, name, place, description),
                           right=MANAGE_SERVICES)

    def change_service_details(self, service_id: Id, name: str, place: str,
                               description: str) -> Saved:
        """Change a service's name, place or description."""
        return self.update(SharedService, service_id,
                           lambda s: s.change_details(name, place, description),
                           right=MANAGE_SERVICES)

    def move_service_to(self, service_id: Id, stage: str, reason: str = "") -> Saved:
        """Move a service forward in its lifecycle, or end it (saying why)."""
        return self.update(SharedService, service_id, lambda s: s.move_to(stage, reason),
                           right=MANAGE_SERVICES)

    def add_provider(self, service_id: Id, actor_id: Id) -> Saved:
        """Record that an organisation of the plan (that has not left it) helps provide it."""
        service = self.load(SharedService, service_id)
        self._plan_with_actor(service.plan_id, actor_id).require_active_actor(actor_id)
        return self.update(SharedService, service_id, lambda s: s.add_provider(actor_id),
                           right=MANAGE_SERVICES)

    def remove_provider(self, service_id: Id, actor_id: Id) -> Saved:
        """An organisation no longer provides the service."""
        return self.update(SharedService, service_id, lambda s: s.remove_provider(actor_id),
                           right=MANAGE_SERVICES)

    def add_need(self, service_id: Id, text: str) -> Saved:
        """Record a resident need the service addresses."""
        return self.update(SharedService, service_id, lambda s: s.add_need(text),
                           right=WORK_ON_SERVICES)

    def record_risk(self, service_id: Id, title: str, likelihood: int, impact: int,
                    mitigation: str = "", owner_id: Id | None = None,
                    risk_id: Id | None = None, status: str = "open") -> Saved:
        """Add or reassess a risk (owner: an organisation of the plan)."""
        service = self.load(SharedService, service_id)
        if owner_id is not None:
            self._plan_with_actor(service.plan_id, owner_id).require_active_actor(owner_id)
        return self.update(SharedService, service_id, lambda s: s.record_risk(
            title, likelihood, impact, mitigation, owner_id, risk_id, status),
                           right=WORK_ON_SERVICES)

    def remove_risk(self, service_id: Id, risk_id: Id) -> Saved:
        """Drop a risk that no longer applies."""
        return self.update(SharedService, service_id, lambda s: s.remove_risk(risk_id),
                           right=WORK_ON_SERVICES)

    def define_kpi(self, service_id: Id, name: str, unit: str,
                   target: Decimal | int | str | None = None, by_gender: bool = False,
                   baseline: Decimal | int | str | None = None,
                   direction: str = "higher", about_people: bool = False) -> Saved:
        """Define a KPI to follow the service up with (about people: split by gender if the
        plan requires it)."""
        return self.update(SharedService, service_id,
                           lambda s: s.define_kpi(name, unit, target, by_gender, baseline,
                                                  direction, about_people,
                                                  self._gender_split_required(s)),
                           right=WORK_ON_SERVICES)

    def measure_kpi(self, service_id: Id, kpi_id: Id, on: date, value: Decimal | int | str,
                    split: dict[str, Decimal | int | str] | None = None,
                    today: date | None = None) -> Saved:
        """Record a dated KPI measurement (with a gender split where the KPI asks for one);
        `today` is the real today unless a caller keeps a calendar of its own (the demo)."""
        return self.update(SharedService, service_id,
                           lambda s: s.measure_kpi(kpi_id, on, value, split, today,
                                                   self._gender_split_required(s)),
                           right=WORK_ON_SERVICES)

    def _gender_split_required(self, service: SharedService) -> bool:
        """The plan's setting as it is now (read on each attempt, so a retry sees a change)."""
        return bool(self.load(Plan, service.plan_id, copy=False).gender_split_required)

    # ---- commitments --------------------------------------------------------------------

    def pledge(self, plan_id: Id, actor_id: Id, kind: str, quantity: int, due: date,
               description: str = "", value_ore: int | None = None,
               service_id: Id | None = None, budget_id: Id | None = None,
               line_id: Id | None = None) -> Saved:
        """An organisation pledges money or resources toward a service and/or a budget line
        (not one that has left the plan)."""
        plan = self._plan_with_actor(plan_id, actor_id)
        self.require(plan_id, OWN_COMMITMENTS, as_id(actor_id))
        plan.require_active_actor(actor_id)
        self._require_in_plan(SharedService, service_id, plan.plan_id)
        budget = self._require_in_plan(Budget, budget_id, plan.plan_id)
        if budget is not None and line_id is not None:
            budget._require_line(line_id)
        elif line_id is not None:
            raise RuleViolated("A budget line is named together with its budget.", field="line_id")
        return self.create(Commitment.pledge(
            plan.id, actor_id, kind, quantity, due, description, value_ore,
            service_id, budget_id, line_id), right=OWN_COMMITMENTS, org_id=as_id(actor_id))

    def confirm_commitment(self, commitment_id: Id) -> Saved:
        """The organisation confirms its pledge."""
        return self.update(Commitment, commitment_id, lambda c: c.confirm(),
                           right=OWN_COMMITMENTS, org_of=_organisation)

    def record_delivery(self, commitment_id: Id, quantity: int, on: date, note: str = "",
                        over_delivery: bool = False) -> Saved:
        """Record (part of) a delivery against a confirmed commitment."""
        return self.update(Commitment, commitment_id,
                           lambda c: c.record_delivery(quantity, on, note, over_delivery),
                           right=OWN_COMMITMENTS, org_of=_organisation)

    def verify_commitment(self, commitment_id: Id, note: str = "") -> Saved:
        """Verify that a delivered commitment was really delivered."""
        return self.update(Commitment, commitment_id, lambda c: c.verify(note),
                           right=VERIFY_COMMITMENTS)

    def withdraw_commitment(self, commitment_id: Id, reason: str) -> Saved:
        """Withdraw a commitment before it is delivered, giving the reason."""
        return self.update(Commitment, commitment_id, lambda c: c.withdraw(reason),
                           right=OWN_COMMITMENTS, org_of=_organisation)


def _organisation(commitment: Commitment) -> str:
    return commitment.actor_id
