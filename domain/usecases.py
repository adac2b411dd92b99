"""Samverkan's use cases. Each takes primitives and returns a `Saved` receipt (or a value)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from domain.access import (
    DECIDE_BUDGET,
    EDIT_BUDGET,
    MANAGE_PLAN,
    READ,
    REMOVE_LINE,
    SET_SHARE,
    SHAPE_BUDGET,
)
from domain.application import SamverkanCore, Saved
from domain.base import require_int
from domain.budget_import import BudgetImports
from domain.budgets import Budget
from domain.commitments import Commitment
from domain.context import acting_as, as_id, current_acting
from domain.decisions import Decision
from domain.errors import NotFound, RuleViolated
from domain.plans import Plan
from domain.receipts import Effect
from domain.services import SharedService
from domain.undo import May, redo_last, undo_last
from domain.usecases_services import ServiceUseCases

Id = UUID | str
A = TypeVar("A", Budget, SharedService, Commitment)


class Samverkan(ServiceUseCases, BudgetImports, SamverkanCore):
    # ---- plans ------------------------------------------------------------------------

    def start_plan(self, name: str, place: str, start_year: int, end_year: int,
                   description: str = "") -> Saved:
        """Start a plan; the acting person becomes its first facilitator."""
        plan = Plan.start(name, place, start_year, end_year, current_acting().person_id,
                          description=description)
        return self.create(plan, right=None)  # anyone signed in may start a plan

    def change_plan_details(self, plan_id: Id, name: str, place: str,
                            description: str | None = None) -> Saved:
        """Rename a plan, change its place or description (None keeps the description)."""
        return self.update(Plan, plan_id, lambda p: p.change_details(name, place, description),
                           right=MANAGE_PLAN)

    def require_gender_split(self, plan_id: Id, required: bool) -> Saved:
        """Require (or stop requiring) the gender split for the plan's KPIs about people."""
        return self.update(Plan, plan_id, lambda p: p.require_gender_split(required),
                           right=MANAGE_PLAN)

    def archive_plan(self, plan_id: Id, reason: str = "") -> Saved:
        """Make the plan read-only for good: every later command on it or in it is refused."""
        return self.update(Plan, plan_id, lambda p: p.archive(reason), right=MANAGE_PLAN)

    def add_actor(self, plan_id: Id, name: str, sector: str, actor_id: Id | None = None) -> Saved:
        """Bring an organisation (with its sector) into the plan."""
        return self.update(Plan, plan_id, lambda p: p.add_actor(name, sector, actor_id),
                           right=MANAGE_PLAN)

    def change_actor(self, plan_id: Id, actor_id: Id, name: str, sector: str) -> Saved:
        """Rename an organisation or correct its sector."""
        return self.update(Plan, plan_id, lambda p: p.change_actor(actor_id, name, sector),
                           right=MANAGE_PLAN)

    def remove_actor(self, plan_id: Id, actor_id: Id) -> Saved:
        """Take an organisation out of the plan: removed if it never held a share, pledged or
        provided anything, else marked as having left (`Saved.effect`: "removed" or "left")."""
        plan = self.load(Plan, plan_id, copy=False)
        self.require(plan.plan_id, MANAGE_PLAN)  # outsiders learn nothing of its history
        actor = as_id(actor_id)
        if self.organisation_usage is None:
            raise RuntimeError("Removing an organisation needs the organisation usage port "
                               "(adapters/bootstrap.py passes it).")
        # One that is gone already is the plan's to refuse (or, re-sent, the receipt's to tell).
        used = actor in plan.actors and self.organisation_usage.use_of(plan.plan_id, actor).any
        return self.update(Plan, plan_id, lambda p: Effect(p.remove_actor(actor, used)),
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

    def create_budget(self, plan_id: Id, title: str, start_year: int | None = None,
                      end_year: int | None = None) -> Saved:
        """A new draft budget for some of the plan's years (all of them unless given)."""
        plan = self.load(Plan, plan_id)
        self.require(plan_id, SHAPE_BUDGET)
        first = plan.start_year if start_year is None else require_int(start_year, "start_year")
        last = (plan.end_year if end_year is None
                else require_int(end_year, "end_year", minimum=first))
        for year, name in ((first, "start_year"), (last, "end_year")):
            if year not in plan.years:
                raise RuleViolated("The plan covers {first}–{last}; a budget's years lie within "
                                   "them.", first=plan.start_year, last=plan.end_year, field=name)
        return self.create(Budget.create(plan.id, title, list(range(first, last + 1))),
                           right=SHAPE_BUDGET)

    def add_budget_year(self, budget_id: Id, year: int) -> Saved:
        """Add the year before a draft budget's first or after its last (0 on every line)."""
        return self.update(Budget, budget_id, lambda b: b.add_year(year), right=SHAPE_BUDGET)

    def remove_budget_year(self, budget_id: Id, year: int) -> Saved:
        """Remove a draft budget's first or last year; refused, naming the lines, while any
        line holds money in it."""
        return self.update(Budget, budget_id, lambda b: b.remove_year(year), right=SHAPE_BUDGET)

    def add_line(self, budget_id: Id, label: str, category: str = "",
                 amounts: dict[int, int] | None = None, service_id: Id | None = None,
                 line_id: Id | None = None, position: int | None = None,
                 kind: str = "cost") -> Saved:
        """Add a cost or income line (optionally linked to a shared service of the plan)."""
        budget = self.load(Budget, budget_id)
        self._require_in_plan(SharedService, service_id, budget.plan_id)
        return self.update(Budget, budget_id, lambda b: b.add_line(
            label, category, amounts, service_id, line_id, position, kind), right=EDIT_BUDGET)

    def set_line_kind(self, budget_id: Id, line_id: Id, kind: str,
                      expected_version: int | None = None) -> Saved:
        """Make a line a cost or an income."""
        return self.update(Budget, budget_id,
                           lambda b: b.set_line_kind(line_id, kind, expected_version),
                           right=EDIT_BUDGET)

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
        """Set an organisation's share of a line (basis points): a facilitator any
        organisation's, a representative only their own; one that left takes no more."""
        budget = self.load(Budget, budget_id)
        actor = self._plan_with_actor(budget.plan_id, actor_id).require_actor(actor_id)

        def command(b: Budget) -> int:
            if isinstance(share, int) and share > b.share_of(line_id, actor):
                self.load(Plan, b.plan_id, copy=False).require_active_actor(actor)
            return b.set_share(line_id, actor, share, expected_version)

        return self.update(Budget, budget_id, command, right=SET_SHARE, org_of=lambda _: actor)

    def move_line(self, budget_id: Id, line_id: Id, position: int) -> Saved:
        """Move a line to another position (0 = top)."""
        return self.update(Budget, budget_id, lambda b: b.move_line(line_id, position),
                           right=EDIT_BUDGET)

    def remove_line(self, budget_id: Id, line_id: Id) -> Saved:
        """Remove a line (the history keeps it): a representative only one that no other
        organisation has a share of."""
        return self.update(Budget, budget_id, lambda b: b.remove_line(line_id),
                           right=REMOVE_LINE, org_of=lambda b: _sharing(b, line_id))

    def undo_last_change(self, budget_id: Id) -> Saved:
        """Undo the acting person's most recent change to this budget that can still be
        undone, with a compensating event; `Saved.undone` says which, `Saved.skipped` which
        newer ones could not be and why (domain/undo.py). Repeated, it goes further back."""
        person = current_acting().person_id
        return self.update(Budget, budget_id, lambda b: undo_last(
            b, self.events.get(b.id, lte=b.version, desc=True), person,
            self._may_compensate(b.plan_id, person)), right=EDIT_BUDGET)

    def redo_last_undo(self, budget_id: Id) -> Saved:
        """Do again the acting person's most recent undo (`Saved.redone`), unless they have
        made a new change since or someone else has changed that field (refused, with why)."""
        person = current_acting().person_id
        return self.update(Budget, budget_id, lambda b: redo_last(
            b, self.events.get(b.id, lte=b.version, desc=True), person,
            self._may_compensate(b.plan_id, person)), right=EDIT_BUDGET)

    def _may_compensate(self, plan_id: str, person: str) -> May:
        """Whether the person may make what compensating an event makes: a share is
        SET_SHARE's (and an organisation that left takes no more), a line's removal
        REMOVE_LINE's, anything else editing's (checked already)."""
        plan = self.load(Plan, plan_id, copy=False)
        member = plan.members.get(person) or {"role": None, "org_id": None}

        def may(event: Any, budget: Budget) -> bool:
            name = type(event).__name__
            if name == "CostShareChanged":
                actor = plan.actors.get(event.actor_id)
                rises = event.before > budget.share_of(event.line_id, event.actor_id)
                return (SET_SHARE.allows_for(member, {event.actor_id})
                        and not (rises and (actor is None or actor["left"])))
            if name in ("LineItemAdded", "LineItemRestored"):
                return REMOVE_LINE.allows_for(member, budget.sharing(event.line_id))
            return True

        return may

    def propose_budget(self, budget_id: Id) -> Saved:
        """Put a draft budget forward for decision (it stops accepting edits)."""
        return self.update(Budget, budget_id, lambda b: b.propose(),
                           right=DECIDE_BUDGET)

    def return_budget_to_draft(self, budget_id: Id) -> Saved:
        """Send a proposed budget back for more work."""
        return self.update(Budget, budget_id, lambda b: b.return_to_draft(),
                           right=DECIDE_BUDGET)

    def start_revision(self, budget_id: Id) -> Saved:
        """A new draft copied from an adopted budget (at most one per adopted budget)."""
        budget = self.load(Budget, budget_id)
        self.require(budget.plan_id, DECIDE_BUDGET)  # before the budget's own rules speak
        return self.create(budget.start_revision(), right=DECIDE_BUDGET)

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
            raise NotFound("There is no change no. {version}; the latest is change no. {latest}.",
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
        """Record a decision. A proposed budget it names is adopted by it in the same save (the
        only way a budget is adopted), and the adopted revision it revises is superseded."""
        def build(plan: Plan) -> tuple[Budget | Decision, ...]:
            budget = self._require_in_plan(Budget, budget_id, plan.plan_id)
            if budget is not None and budget.status not in ("proposed", "adopted"):
                raise RuleViolated("Only a proposed or adopted budget can be decided on; this one "
                                   "is {status}.", status=budget.status, field="budget_id")
            adopting = budget is not None and budget.status == "proposed"
            # Adoption is the budget's next event, so the decision can name its version first
            # (and its checks of date, title and attendees run before anything changes).
            version = budget and (budget.version + 1 if adopting else budget.adopted_version)
            decision = Decision.record(plan.plan_id, decided_on, title, text, attendees,
                                       plan.members, budget and budget.id, version)
            if budget is None or not adopting:
                return (decision,)
            facts = {"id": str(decision.id), "title": decision.title,
                     "decided_on": decision.decided_on.isoformat()}
            budget.adopt(facts)
            if budget.revision_of is None:
                return (budget, decision)
            revised = self.load(Budget, budget.revision_of)
            revised.supersede(budget, facts)
            return (revised, budget, decision)

        return self.save_together(plan_id, build, right=DECIDE_BUDGET)


def _sharing(budget: Budget, line_id: Id) -> set[str]:
    """The organisations with a share of the line (none for a line that is not there: the
    command then says so, after the rights are checked)."""
    try:
        return budget.sharing(line_id)
    except NotFound:
        return set()
