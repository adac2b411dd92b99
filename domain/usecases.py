"""Samverkan's use cases. Each takes primitives and returns a `Saved` receipt (or a value)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from domain.access import (
    DECIDE_BUDGET,
    EDIT_BUDGET,
    MANAGE_PLAN,
    MANAGE_SERVICES,
    OWN_COMMITMENTS,
    READ,
    VERIFY_COMMITMENTS,
    WORK_ON_SERVICES,
)
from domain.application import SamverkanCore, Saved
from domain.budgets import Budget
from domain.commitments import Commitment
from domain.context import acting_as, as_id, current_acting
from domain.decisions import Decision
from domain.errors import NotFound, RuleViolated
from domain.plans import Plan
from domain.services import SharedService

Id = UUID | str
A = TypeVar("A", Budget, SharedService, Commitment)


class Samverkan(SamverkanCore):
    # ---- plans ------------------------------------------------------------------------

    def start_plan(self, name: str, place: str, start_year: int, end_year: int) -> Saved:
        """Start a plan; the acting person becomes its first facilitator."""
        plan = Plan.start(name, place, start_year, end_year, current_acting().person_id)
        return self.create(plan, right=None)  # anyone signed in may start a plan

    def change_plan_details(self, plan_id: Id, name: str, place: str) -> Saved:
        """Rename a plan or change its place."""
        return self.update(Plan, plan_id, lambda p: p.change_details(name, place),
                           right=MANAGE_PLAN)

    def add_actor(self, plan_id: Id, name: str, sector: str, actor_id: Id | None = None) -> Saved:
        """Bring an organisation (with its sector) into the plan."""
        return self.update(Plan, plan_id, lambda p: p.add_actor(name, sector, actor_id),
                           right=MANAGE_PLAN)

    def change_actor(self, plan_id: Id, actor_id: Id, name: str, sector: str) -> Saved:
        """Rename an organisation or correct its sector."""
        return self.update(Plan, plan_id, lambda p: p.change_actor(actor_id, name, sector),
                           right=MANAGE_PLAN)

    def add_member(self, plan_id: Id, person_id: Id, role: str, org_id: Id | None = None) -> Saved:
        """Make a person a member with a role, representing an organisation."""
        return self.update(Plan, plan_id, lambda p: p.add_member(person_id, role, org_id),
                           right=MANAGE_PLAN)

    def change_member(self, plan_id: Id, person_id: Id, role: str, org_id: Id | None = None) -> Saved:
        """Change a member's role or the organisation they represent."""
        return self.update(Plan, plan_id, lambda p: p.change_member(person_id, role, org_id),
                           right=MANAGE_PLAN)

    def remove_member(self, plan_id: Id, person_id: Id) -> Saved:
        """Take a person out of the plan (their past changes stay in the history)."""
        return self.update(Plan, plan_id, lambda p: p.remove_member(person_id),
                           right=MANAGE_PLAN)

    def join_plan(self, plan_id: Id, role: str, org_id: Id | None, invited_by: Id) -> Saved:
        """The acting person joins a plan by a facilitator's invitation (role and organisation
        as the invitation names them); the inviter must still be a facilitator."""
        acting = current_acting()
        with acting_as(acting.person_id, org_id, acting.command_id):
            return self.update(Plan, plan_id, lambda p: p.join(
                acting.person_id, role, org_id, invited_by), right=None)

    # ---- budgets ------------------------------------------------------------------------

    def create_budget(self, plan_id: Id, title: str) -> Saved:
        """A new draft budget covering the plan's years."""
        plan = self.load(Plan, plan_id)
        self.require(plan_id, DECIDE_BUDGET)
        return self.create(Budget.create(plan.id, title, plan.years), right=DECIDE_BUDGET)

    def add_line(self, budget_id: Id, label: str, category: str = "",
                 amounts: dict[int, int] | None = None, service_id: Id | None = None,
                 line_id: Id | None = None, position: int | None = None) -> Saved:
        """Add a line item (optionally linked to a shared service of the same plan)."""
        budget = self.load(Budget, budget_id)
        self._require_in_plan(SharedService, service_id, budget.plan_id)
        return self.update(Budget, budget_id, lambda b: b.add_line(
            label, category, amounts, service_id, line_id, position), right=EDIT_BUDGET)

    def rename_line(self, budget_id: Id, line_id: Id, label: str,
                    expected_version: int | None = None) -> Saved:
        """Change a line's label."""
        return self.update(Budget, budget_id,
                           lambda b: b.rename_line(line_id, label, expected_version),
                           right=EDIT_BUDGET)

    def recategorise_line(self, budget_id: Id, line_id: Id, category: str,
                          expected_version: int | None = None) -> Saved:
        """Change a line's category."""
        return self.update(Budget, budget_id,
                           lambda b: b.recategorise_line(line_id, category, expected_version),
                           right=EDIT_BUDGET)

    def link_line_to_service(self, budget_id: Id, line_id: Id, service_id: Id | None,
                             expected_version: int | None = None) -> Saved:
        """Tie a line to a shared service of the plan, or untie it (None)."""
        budget = self.load(Budget, budget_id)
        self._require_in_plan(SharedService, service_id, budget.plan_id)
        return self.update(Budget, budget_id,
                           lambda b: b.link_service(line_id, service_id, expected_version),
                           right=EDIT_BUDGET)

    def change_amount(self, budget_id: Id, line_id: Id, year: int, amount: int,
                      expected_version: int | None = None) -> Saved:
        """Change one year's amount (öre) of a line."""
        return self.update(Budget, budget_id,
                           lambda b: b.change_amount(line_id, year, amount, expected_version),
                           right=EDIT_BUDGET)

    def set_share(self, budget_id: Id, line_id: Id, actor_id: Id, share: int,
                  expected_version: int | None = None) -> Saved:
        """Set an organisation's cost share of a line (basis points)."""
        budget = self.load(Budget, budget_id)
        self._plan_with_actor(budget.plan_id, actor_id)
        return self.update(Budget, budget_id,
                           lambda b: b.set_share(line_id, actor_id, share, expected_version),
                           right=EDIT_BUDGET)

    def move_line(self, budget_id: Id, line_id: Id, position: int) -> Saved:
        """Move a line to another position (0 = top)."""
        return self.update(Budget, budget_id, lambda b: b.move_line(line_id, position),
                           right=EDIT_BUDGET)

    def remove_line(self, budget_id: Id, line_id: Id) -> Saved:
        """Remove a line (the history keeps it)."""
        return self.update(Budget, budget_id, lambda b: b.remove_line(line_id),
                           right=EDIT_BUDGET)

    def undo_last_change(self, budget_id: Id) -> Saved:
        """Undo the acting person's own last change to this budget, with a compensating event.

        Repeated, it goes further back. A field someone else has changed since cannot go back
        silently: that is a stale edit, shown as a conflict.
        """
        person = current_acting().person_id
        budget = self.load(Budget, budget_id)
        self.require(budget.plan_id, EDIT_BUDGET)
        undone: set[int] = set()  # versions of this person's changes already undone
        changed_by_others: set[tuple[str, ...]] = set()  # fields changed since, not by undo
        for event in self.events.get(budget.id, desc=True):
            field = Budget.field_of(event)
            compensated = getattr(event, "compensates", None)
            own = event.acted_by == person
            if own and compensated is not None:
                undone.add(compensated)
            elif own and event.originator_version in undone:
                pass
            elif own and type(event).__name__ in Budget.UNDOABLE:
                expected = (None if field is None else event.version if field in changed_by_others
                            else budget.field_version(field))
                return self.update(Budget, budget_id, lambda b, e=event, v=expected: b.undo(e, v),
                                   right=EDIT_BUDGET)
            elif field is not None:
                changed_by_others.add(field)
        raise RuleViolated("You have no change in this budget to undo.", budget_id=str(budget_id))

    def propose_budget(self, budget_id: Id) -> Saved:
        """Put a draft budget forward for decision (it stops accepting edits)."""
        return self.update(Budget, budget_id, lambda b: b.propose(),
                           right=DECIDE_BUDGET)

    def return_budget_to_draft(self, budget_id: Id) -> Saved:
        """Send a proposed budget back for more work."""
        return self.update(Budget, budget_id, lambda b: b.return_to_draft(),
                           right=DECIDE_BUDGET)

    def adopt_budget(self, budget_id: Id) -> Saved:
        """Adopt a proposed budget; it is frozen from then on."""
        return self.update(Budget, budget_id, lambda b: b.adopt(),
                           right=DECIDE_BUDGET)

    def start_revision(self, budget_id: Id) -> Saved:
        """A new draft copied from an adopted budget (at most one per adopted budget)."""
        budget = self.load(Budget, budget_id)
        self.require(budget.plan_id, DECIDE_BUDGET)  # before the budget's own rules speak
        return self.create(budget.start_revision(), right=DECIDE_BUDGET)

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

    def move_service_to(self, service_id: Id, stage: str) -> Saved:
        """Move a service forward in its lifecycle, or end it."""
        return self.update(SharedService, service_id, lambda s: s.move_to(stage),
                           right=MANAGE_SERVICES)

    def add_provider(self, service_id: Id, actor_id: Id) -> Saved:
        """Record that an organisation of the plan helps provide the service."""
        service = self.load(SharedService, service_id)
        self._plan_with_actor(service.plan_id, actor_id)
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
                    risk_id: Id | None = None) -> Saved:
        """Add or reassess a risk (owner: an organisation of the plan)."""
        service = self.load(SharedService, service_id)
        if owner_id is not None:
            self._plan_with_actor(service.plan_id, owner_id)
        return self.update(SharedService, service_id, lambda s: s.record_risk(
            title, likelihood, impact, mitigation, owner_id, risk_id),
                           right=WORK_ON_SERVICES)

    def remove_risk(self, service_id: Id, risk_id: Id) -> Saved:
        """Drop a risk that no longer applies."""
        return self.update(SharedService, service_id, lambda s: s.remove_risk(risk_id),
                           right=WORK_ON_SERVICES)

    def define_kpi(self, service_id: Id, name: str, unit: str,
                   target: Decimal | int | str | None = None, by_gender: bool = False) -> Saved:
        """Define a KPI to follow the service up with."""
        return self.update(SharedService, service_id,
                           lambda s: s.define_kpi(name, unit, target, by_gender),
                           right=WORK_ON_SERVICES)

    def measure_kpi(self, service_id: Id, kpi_id: Id, on: date, value: Decimal | int | str,
                    split: dict[str, Decimal | int | str] | None = None) -> Saved:
        """Record a dated KPI measurement (with a gender split where the KPI asks for one)."""
        return self.update(SharedService, service_id,
                           lambda s: s.measure_kpi(kpi_id, on, value, split),
                           right=WORK_ON_SERVICES)

    # ---- commitments --------------------------------------------------------------------

    def pledge(self, plan_id: Id, actor_id: Id, kind: str, quantity: int, due: date,
               description: str = "", value_ore: int | None = None,
               service_id: Id | None = None, budget_id: Id | None = None,
               line_id: Id | None = None) -> Saved:
        """An organisation pledges money or resources toward a service and/or a budget line."""
        plan = self._plan_with_actor(plan_id, actor_id)
        self.require(plan_id, OWN_COMMITMENTS, as_id(actor_id))
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

    # ---- history (read-only) ------------------------------------------------------------

    def aggregate_at(self, cls: type[A], aggregate_id: Id, version: int | None = None,
                     moment: datetime | None = None) -> A:
        """A budget, service or commitment as it stood at a version or a moment (read-only)."""
        current = self.load(cls, aggregate_id, copy=False)
        self.require(current.plan_id, READ)
        if moment is not None:
            version = self._version_at(current, moment)
        if version is None or version == current.version:
            return self.load(cls, aggregate_id)
        if not 1 <= version <= current.version:
            raise NotFound("There is no version {version}; the latest is {latest}.",
                           version=version, latest=current.version, id=str(aggregate_id))
        return self.load(cls, aggregate_id, version=version)

    def budget_at(self, budget_id: Id, version: int | None = None,
                  moment: datetime | None = None) -> Budget:
        """A budget as it stood at a version or a moment (read-only)."""
        return self.aggregate_at(Budget, budget_id, version, moment)

    def changes_between(self, cls: type[A], aggregate_id: Id, after: int,
                        upto: int | None = None) -> list[Any]:
        """The events of an aggregate after version `after` up to `upto`, oldest first."""
        current = self.load(cls, aggregate_id, copy=False)
        self.require(current.plan_id, READ)
        return list(self.events.get(current.id, gt=max(after, 0), lte=upto))

    def _version_at(self, current: Any, moment: datetime) -> int:
        """The last version recorded at or before `moment`: a binary search over the event
        times (a version's time never precedes the one before it), so a budget with ten
        thousand events reads about fourteen of them."""
        if moment.tzinfo is None:
            raise RuleViolated("A moment needs its time zone.", field="at")
        low, high = 0, current.version  # the answer lies in low..high; 0: not yet there
        while low < high:
            middle = (low + high + 1) // 2
            event = next(iter(self.events.get(current.id, gt=middle - 1, lte=middle)))
            if event.timestamp <= moment:
                low = middle
            else:
                high = middle - 1
        if low == 0:
            raise NotFound("It did not exist yet at that moment.", id=str(current.id),
                           at=moment.isoformat())
        return low

    # ---- decisions ----------------------------------------------------------------------

    def record_decision(self, plan_id: Id, decided_on: date, title: str, text: str,
                        attendees: list[Id], budget_id: Id | None = None) -> Saved:
        """Record a decision; a proposed budget it names is adopted in the same save."""
        def build(plan: Plan) -> tuple[Budget | Decision, ...]:
            budget = self._require_in_plan(Budget, budget_id, plan.plan_id)
            if budget is not None and budget.status == "proposed":
                budget.adopt()
            elif budget is not None and budget.status != "adopted":
                raise RuleViolated("Only a proposed or adopted budget can be decided on; this one "
                                   "is {status}.", status=budget.status, field="budget_id")
            decision = Decision.record(
                plan.plan_id, decided_on, title, text, attendees, plan.members,
                budget and budget.id, budget and budget.adopted_version)
            adopted_now = budget is not None and bool(budget.pending_events)
            return (budget, decision) if adopted_now else (decision,)

        return self.save_together(plan_id, build, right=DECIDE_BUDGET)


def _organisation(commitment: Commitment) -> str:
    return commitment.actor_id
