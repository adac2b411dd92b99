"""Decision: what the plan's facilitators decided at a meeting (beslut, as in the minutes).

A decision is recorded once and never changed: the printed minutes must keep saying what they
said. It may adopt a budget; then it names the budget's adopted (frozen) version.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta
from uuid import UUID, uuid4

from domain.base import PlanAggregate, require_int, require_text
from domain.context import as_id
from domain.errors import RuleViolated

MAX_TITLE, MAX_TEXT, MAX_ATTENDEES = 200, 20_000, 200
FIRST_DAY = date(2000, 1, 1)


class Decision(PlanAggregate):
    """Attendees are person ids of plan members (names live in the people store)."""

    class Recorded(PlanAggregate.Created):
        decided_on: date
        title: str
        text: str
        attendees: list[str]
        budget_id: str | None
        budget_version: int | None

        def apply(self, decision: Decision) -> None:
            decision._plan_id = self.plan_id
            decision.decided_on, decision.title, decision.text = (
                self.decided_on, self.title, self.text)
            decision.attendees = list(self.attendees)
            decision.budget_id, decision.budget_version = self.budget_id, self.budget_version

    @classmethod
    def record(cls, plan_id: UUID | str, decided_on: date, title: str, text: str,
               attendees: Iterable[UUID | str], members: Collection[str],
               budget_id: UUID | str | None = None, budget_version: int | None = None,
               today: date | None = None) -> Decision:
        """A decision of the plan; every attendee must be one of its `members` (person ids)."""
        decided_on = _checked_day(decided_on, today or date.today())
        people = _checked_attendees(attendees, members)
        budget_key = as_id(budget_id)
        if (budget_key is None) != (budget_version is None):
            raise RuleViolated("A budget is named together with the change number at which it was adopted.",
                               field="budget_id")
        if budget_version is not None:
            require_int(budget_version, "budget_version", minimum=1)
        return cls._create_for_plan(
            cls.Recorded, as_id(plan_id), id=uuid4(), decided_on=decided_on,
            title=require_text(title, "title", max_length=MAX_TITLE),
            text=require_text(text, "text", max_length=MAX_TEXT),
            attendees=people, budget_id=budget_key, budget_version=budget_version,
        )


def _checked_day(value: object, today: date) -> date:
    # A datetime is a date too, but a decision has a day, not a moment.
    if type(value) is not date:
        raise RuleViolated("{field} must be a date.", field="decided_on")
    # One day of slack: the meeting's time zone may already be tomorrow.
    if value > today + timedelta(days=1):
        raise RuleViolated("A decision cannot be dated in the future.", field="decided_on")
    if value < FIRST_DAY:
        raise RuleViolated("A decision cannot be dated before {first}.", field="decided_on",
                           first=FIRST_DAY.isoformat())
    return value


def _checked_attendees(attendees: Iterable[UUID | str], members: Collection[str]) -> list[str]:
    """Member ids in the order given, each once."""
    if isinstance(attendees, str | bytes):
        raise RuleViolated("{field} must be a list of people.", field="attendees")
    people = list(dict.fromkeys(as_id(a) or "" for a in attendees))
    if not people:
        raise RuleViolated("A decision names at least one attendee.", field="attendees")
    if len(people) > MAX_ATTENDEES:
        raise RuleViolated("A decision names at most {maximum} attendees.", field="attendees",
                           maximum=MAX_ATTENDEES)
    for person_id in people:
        if person_id not in members:
            raise RuleViolated("Every attendee must be a member of the plan.", field="attendees",
                               person_id=person_id)
    return people
