"""The demo's calendar: its years and every date in it follow the day the demo is loaded.

The plan covers three years; the first is this year from October on and last year before,
so at least nine months of it (January to September of the first year) lie in the past
whatever the day: deliveries and measurements dated there have happened, while the last
year's budget (and most of the second's) still lies ahead. Dates in the demo's data are
either a day of one of the plan's years (`PlanDay`, in the past only when it is in the first
year before October) or a number of days from today (`FromToday`, for what is still to come).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

YEARS_COVERED = 3
#: From this month on, the plan began this January (else last January).
FIRST_MONTH_OF_THIS_YEARS_PLAN = 10


class PlanDay(NamedTuple):
    """A day of the plan's `year`-th year (0: the first), e.g. PlanDay(0, 3, 1): 1 March."""

    year: int
    month: int
    day: int


class FromToday(NamedTuple):
    """`days` after the day the demo is loaded (a due date still to come)."""

    days: int


DemoDay = PlanDay | FromToday


@dataclass(frozen=True)
class DemoCalendar:
    today: date

    @property
    def first_year(self) -> int:
        started_this_year = self.today.month >= FIRST_MONTH_OF_THIS_YEARS_PLAN
        return self.today.year if started_this_year else self.today.year - 1

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.first_year + YEARS_COVERED))

    @property
    def span(self) -> str:
        """"2026–2028", for the plan's name and the budget's title."""
        return f"{self.years[0]}–{self.years[-1]}"

    def day(self, when: DemoDay) -> date:
        if isinstance(when, FromToday):
            return self.today + timedelta(days=when.days)
        return date(self.years[when.year], when.month, when.day)

    def text(self, template: str) -> str:
        """A text of the demo with its years filled in: {y0}, {y1}, {y2} and {span}."""
        return template.format(span=self.span, **{f"y{i}": y for i, y in enumerate(self.years)})
