"""A budget's history as a person follows it: changes newest first, grouped by day (in the
reader's time zone) and, within a day, by who made them.

The rows are the audit trail's (projections.audit_queries, one keyset-paged query on the
aggregate's index), so a page deep in a ten-thousand-change history costs what the first does,
and each change reads as the audit trail says it (web.audit_text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from web.audit_text import sentence, who


@dataclass
class Entry:
    """One change: its change number, when, and what it did in words."""

    number: int
    position: int
    recorded_at: datetime  # in the reader's time zone
    sentence: str  # the whole sentence, who included
    what: str  # the sentence without who, when it starts with who (shown under their name)


@dataclass
class Person:
    who: str  # "Anna Berg (Ljusdals kommun, public)"
    person_id: str | None
    org_id: str | None
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Day:
    day: date
    people: list[Person] = field(default_factory=list)


def group(rows: list[Mapping[str, Any]], names: Mapping[str, str], actors: Mapping[str, str],
          zone: tzinfo) -> list[Day]:
    """Audit rows (newest first) by day and, within each day, by person and organisation,
    the people in the order of their newest change that day."""
    days: list[Day] = []
    people: dict[tuple[Any, Any], Person] = {}
    for row in rows:
        when = datetime.fromisoformat(row["recorded_at"]).astimezone(zone)
        if not days or days[-1].day != when.date():
            days.append(Day(when.date()))
            people = {}
        key = (row.get("person_id"), row.get("org_id"))
        if key not in people:
            people[key] = Person(who(row, names), *key)
            days[-1].people.append(people[key])
        person = people[key]
        text = sentence(row, names, actors)
        what = text[len(person.who):].strip() if text.startswith(person.who + " ") else text
        person.entries.append(Entry(row["aggregate_version"], row["position"], when, text, what))
    return days


def picked(days: list[Day]) -> tuple[int | None, int | None]:
    """The from/to pair the picker starts with: the page's two newest changes."""
    numbers = sorted((e.number for d in days for p in d.people for e in p.entries), reverse=True)
    if not numbers:
        return None, None
    return (numbers[1] if len(numbers) > 1 else numbers[0]), numbers[0]
