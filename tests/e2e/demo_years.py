"""The demo plan's years as the tests meet them: they follow today (adapters/demo_dates.py).

Y1 is the plan's first year, Y3 its last; SPAN reads "Y1–Y3" as in the plan's name.
"""

from __future__ import annotations

from datetime import date

from adapters.demo_dates import DemoCalendar

_CALENDAR = DemoCalendar(date.today())
Y1, Y2, Y3 = DEMO_YEARS = _CALENDAR.years
SPAN = _CALENDAR.span
