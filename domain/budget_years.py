"""A budget's years: added next to the first or the last, removed only when empty.

Commands of domain/budgets.py's Budget (a mixin, so that the aggregate's module stays readable;
the events, YearAdded and YearRemoved, are the Budget's own).
"""

from __future__ import annotations

import copy
from typing import Any

from domain.base import require_int
from domain.context import current_acting
from domain.errors import RuleViolated
from domain.fields import new_field

FIRST_YEAR, LAST_YEAR, MAX_YEARS = 2000, 2100, 10


def checked_years(years: list[int]) -> list[int]:
    """A new budget's years: consecutive, between FIRST_YEAR and LAST_YEAR, at most MAX_YEARS."""
    if not years:
        raise RuleViolated("A budget covers at least one year.", field="years")
    years = [require_int(y, "year", minimum=FIRST_YEAR, maximum=LAST_YEAR) for y in years]
    if years != list(range(years[0], years[0] + len(years))):
        raise RuleViolated("A budget covers consecutive years.", field="years")
    if len(years) > MAX_YEARS:
        raise RuleViolated("A budget covers at most {max_years} years.", field="years",
                           max_years=MAX_YEARS)
    return years


class BudgetYears:
    """Needs the Budget's require_draft, _require_year, trigger_event and year events."""

    years: list[int]
    lines: dict[str, dict[str, Any]]
    removed: dict[str, dict[str, Any]]
    order: list[str]

    def _fitted_to_years(self, line_id: str) -> dict[str, Any]:
        line = copy.deepcopy(self.removed[line_id])
        kept = {str(y) for y in self.years}
        for year, field in list(line["amounts"].items()):
            if year not in kept and field["value"]:
                raise RuleViolated(
                    "“{label}” held money in {year}, which the budget no longer covers.",
                    label=line["label"]["value"], year=int(year), line_id=line_id)
            if year not in kept:
                del line["amounts"][year]
        acting = current_acting()
        for year in kept - set(line["amounts"]):
            line["amounts"][year] = new_field(0, acting.person_id, acting.org_id)
        line["amounts"] = {y: line["amounts"][y] for y in sorted(line["amounts"])}
        return line

    # ---- years ---------------------------------------------------------------------------

    def add_year(self, year: int) -> None:
        """Add the year before the first or after the last (every line gets 0 for it)."""
        self.require_draft()
        year = require_int(year, "year", minimum=FIRST_YEAR, maximum=LAST_YEAR)
        if year not in (self.years[0] - 1, self.years[-1] + 1):
            raise RuleViolated(
                "A budget's years follow one another: add {before} or {after}, not {year}.",
                before=self.years[0] - 1, after=self.years[-1] + 1, year=year, field="year")
        if len(self.years) >= MAX_YEARS:
            raise RuleViolated("A budget covers at most {max_years} years.", field="year",
                               max_years=MAX_YEARS)
        self.trigger_event(self.YearAdded, year=year)

    def remove_year(self, year: int) -> None:
        """Remove the first or the last year, once no line holds money in it."""
        self.require_draft()
        year = self._require_year(year)
        if len(self.years) == 1:
            raise RuleViolated("A budget covers at least one year.", field="year")
        if year not in (self.years[0], self.years[-1]):
            raise RuleViolated("Only the first or the last year can be removed ({first} or "
                               "{last}).", first=self.years[0], last=self.years[-1], field="year")
        holding = [{"line_id": lid, "label": self.lines[lid]["label"]["value"],
                    "amount": self.lines[lid]["amounts"][str(year)]["value"]}
                   for lid in self.order if self.lines[lid]["amounts"][str(year)]["value"]]
        if holding:
            raise RuleViolated(
                "These lines still hold money in {year}: {labels}. Set them to 0 first.",
                year=year, labels=", ".join(f"“{h['label']}”" for h in holding),
                lines=holding, field="year")
        self.trigger_event(self.YearRemoved, year=year, before={
            lid: self.lines[lid]["amounts"][str(year)]["value"] for lid in self.order})

