"""The base aggregate: every event records who acted, for which organisation, in which plan.

Commands are public methods that check their guards and then trigger an explicit, past-tense
event class whose `apply` changes state. Guards run when the command is given, not on replay,
so events can carry the values before the change (the audit trail shows before → after).
"""

from __future__ import annotations

import marshal
import pickle  # nosec B403
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.context import current_acting
from domain.errors import RuleViolated

A = TypeVar("A", bound="PlanAggregate")


class PlanAggregate(Aggregate):
    """An aggregate that belongs to a plan (a Plan belongs to itself)."""

    class Event(Aggregate.Event):
        plan_id: str
        acted_by: str
        acted_for: str | None
        command_id: str | None
        compensates: int | None  # the aggregate version of the change this event undoes
        # The version of the change this event does again (a redo compensates the undo).
        # Events stored before redo existed lack it: EventMapper gives them None.
        redoes: int | None

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _create_for_plan(cls: type[A], event_class: type, plan_id: str, **kwargs: Any) -> A:
        return cls._create(event_class, plan_id=plan_id, **_metadata(), **kwargs)

    def trigger_event(self, event_class: type, **kwargs: Any) -> None:  # type: ignore[override]
        kwargs.update(_metadata(), plan_id=self.plan_id)
        super().trigger_event(event_class, **kwargs)

    @property
    def plan_id(self) -> str:
        return self._plan_id

    def __deepcopy__(self, memo: dict[int, Any]) -> PlanAggregate:
        """The repository hands every command a deep copy of the cached aggregate. Our state
        is ids, times and scalars (immutable: shared with the copy) and a tree of plain
        dicts, lists and scalars, which marshal copies some times faster than pickle and
        many times faster than copy.deepcopy walks it (this was most of the time of a budget
        edit); a tree holding anything else (a date, a Decimal) goes through pickle."""
        clone = object.__new__(type(self))
        state = self.__dict__
        tree = {k: v for k, v in state.items() if type(v) not in _IMMUTABLE}
        try:
            copied = marshal.loads(marshal.dumps(tree))  # nosec B302: our own bytes, just made
        except ValueError:  # something marshal does not take
            # The bytes were made on the line below from our own state: nothing untrusted.
            copied = pickle.loads(pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))  # nosec B301
        clone.__dict__.update(state)
        clone.__dict__.update(copied)
        return clone


_IMMUTABLE = frozenset({str, int, float, bool, type(None), UUID, datetime, date, Decimal})

_compensating: ContextVar[tuple[int, int | None] | None] = ContextVar(
    "samverkan_compensating", default=None)

#: Metadata every event has now, with the value of events stored before it existed.
METADATA_DEFAULTS = {"compensates": None, "redoes": None}


@contextmanager
def compensating(version: int, redoes: int | None = None) -> Iterator[None]:
    """Events triggered inside undo the change at this aggregate version (and, for a redo —
    which undoes an undo — do again the change at version `redoes`)."""
    token = _compensating.set((version, redoes))
    try:
        yield
    finally:
        _compensating.reset(token)


def _metadata() -> dict[str, Any]:
    acting = current_acting()
    compensates, redoes = _compensating.get() or (None, None)
    return {
        "acted_by": acting.person_id,
        "acted_for": acting.org_id,
        "command_id": acting.command_id,
        "compensates": compensates,
        "redoes": redoes,
    }


# ---- guards shared by every aggregate -------------------------------------------------------

def require_text(value: object, field: str, *, max_length: int = 200, optional: bool = False) -> str:
    """A trimmed, non-empty (unless optional) single string of bounded length."""
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise RuleViolated("{field} must be text.", field=field)
    text = value.strip()
    if not text and not optional:
        raise RuleViolated("{field} must not be empty.", field=field)
    if len(text) > max_length:
        raise RuleViolated(
            "{field} is longer than {max_length} characters.", field=field, max_length=max_length
        )
    return text


def require_int(value: object, field: str, *, minimum: int | None = None,
                maximum: int | None = None) -> int:
    """An integer (never a float or bool) within bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleViolated("{field} must be a whole number.", field=field)
    if minimum is not None and value < minimum:
        raise RuleViolated("{field} must be at least {minimum}.", field=field, minimum=minimum)
    if maximum is not None and value > maximum:
        raise RuleViolated("{field} must be at most {maximum}.", field=field, maximum=maximum)
    return value


def require_choice(value: object, field: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise RuleViolated(
            "{field} must be one of: {options}.", field=field, choices=list(choices),
            options=", ".join(choices),
        )
    return value  # type: ignore[return-value]
