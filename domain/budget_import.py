"""A budget imported from a file (adapters/budget_import.py reads it): one command, one event.

The new draft budget and all its lines, amounts and shares are one `Budget.Created` (the event a
revision is created with, carrying its lines), with `source` naming the file. So the import is
stored in one save, is one entry in the audit trail ("imported 22 lines from budget.xlsx"), one
link in the hash chain, one change in the history, and version 1 of the budget for time travel;
every projection reads it as it reads a revision's creation. The guards here are the same as
adding each line and setting each share one at a time would check (the file's reader checks
them first, cell by cell, so that a person sees every problem at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from domain.access import SHAPE_BUDGET
from domain.application import SamverkanCore, Saved
from domain.base import require_choice, require_int, require_text
from domain.budget_years import checked_years
from domain.budgets import LINE_KINDS, MAX_AMOUNT, MAX_LINES, Budget
from domain.context import acting_as, as_id, current_acting
from domain.errors import RuleViolated
from domain.fields import new_field
from domain.plans import Plan
from domain.shares import FULL_SHARE

MAX_SOURCE = 200  # the longest file name kept


@dataclass(frozen=True)
class ImportLine:
    """One line of an imported budget: amounts in öre by year, shares in basis points by
    organisation id."""

    label: str
    category: str = ""
    kind: str = "cost"
    amounts: dict[int, int] = field(default_factory=dict)
    shares: dict[str, int] = field(default_factory=dict)


def imported_budget(plan: Plan, title: str, years: list[int], lines: Sequence[ImportLine],
                    source: str) -> Budget:
    """A new draft budget of the plan holding the lines (the acting person set every field)."""
    years = checked_years(years)
    if len(lines) > MAX_LINES:
        raise RuleViolated("A budget has at most {max_lines} lines.", max_lines=MAX_LINES)
    acting = current_acting()
    by, org = acting.person_id, acting.org_id
    states = [{"id": str(uuid4()), "state": _line_state(plan, years, line, by, org)}
              for line in lines]
    return Budget._create_for_plan(
        Budget.Created, plan.plan_id, title=require_text(title, "title"), years=years,
        revision=1, revision_of=None, lines=states,
        source=require_text(source, "source", max_length=MAX_SOURCE))


def _line_state(plan: Plan, years: list[int], line: ImportLine, by: str,
                org: str | None) -> dict[str, Any]:
    label = require_text(line.label, "label")
    amounts = {str(y): new_field(0, by, org) for y in years}
    for year, amount in line.amounts.items():
        if year not in years:
            raise RuleViolated("The budget covers {first}–{last}; {year} is outside it.",
                               first=years[0], last=years[-1], year=year, field="year",
                               years=list(years))
        amounts[str(year)] = new_field(
            require_int(amount, "amount", minimum=0, maximum=MAX_AMOUNT), by, org)
    shares = {}
    for actor_id, share in line.shares.items():
        share = require_int(share, "share", minimum=0, maximum=FULL_SHARE)
        if share:
            shares[plan.require_active_actor(actor_id)] = new_field(share, by, org)
    total = sum(f["value"] for f in shares.values())
    if total > FULL_SHARE:
        raise RuleViolated("The shares of “{label}” would add up to {percent} %; "
                           "together they can be at most 100 %.",
                           label=label, percent=f"{total / 100:g}", total=total,
                           available=FULL_SHARE)
    return {"label": new_field(label, by, org),
            "category": new_field(require_text(line.category, "category", max_length=80,
                                               optional=True), by, org),
            "service_id": new_field(None, by, org),
            "kind": new_field(require_choice(line.kind, "kind", LINE_KINDS), by, org),
            "amounts": amounts, "shares": shares}


class BudgetImports(SamverkanCore):
    """The import use case (a part of Samverkan, kept here beside its rules)."""

    def import_budget(self, plan_id: str, title: str, years: list[int],
                      lines: Sequence[ImportLine], source: str) -> Saved:
        """A new draft budget of the plan with every line of a file, in one save."""
        plan = self.load(Plan, plan_id)
        member = self.require(plan.plan_id, SHAPE_BUDGET)
        for year in years:
            if year not in plan.years:
                raise RuleViolated("The plan covers {first}–{last}; a budget's years lie within "
                                   "them.", first=plan.start_year, last=plan.end_year,
                                   field="years")
        acting = current_acting()
        # The lines' fields record the organisation the person represents in this plan, as
        # the events of a line added on the page would.
        with acting_as(acting.person_id, as_id(member["org_id"]), acting.command_id):
            budget = imported_budget(plan, title, years, lines, source)
        return self.create(budget, right=SHAPE_BUDGET)
