"""Undo and redo in a shared budget: which of a person's changes to take back, or do again.

Nothing is ever deleted: an undo is a new event that compensates an earlier change
(`compensates` = that change's version), a redo is a new event that compensates an undo
(`redoes` = the version of the change done again). A change is *in effect* unless an event in
effect compensates it, so undo → redo → undo walks back and forth like a spreadsheet's.

Undo takes the person's most recent change in effect that can still be undone and skips, with
the reason, the newer ones that cannot: someone else has changed that field (or line) since,
the line or the year is gone, or the person may no longer make that change. Redo does again the
person's most recent undo in effect, unless they have made a new change since (that clears what
can be redone, as in a spreadsheet) — and refuses, with the reason, when it would overwrite
someone else's change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.budgets import Budget
from domain.errors import Conflict, DomainError, RuleViolated, translatable
from domain.fields import unset_field

#: Why a change was skipped by undo (or why a redo is refused), by reason code.
SKIP_REASONS = {
    "changed_since": translatable("“{label}”: someone else has changed it since."),
    "line_removed": translatable("“{label}”: the line has been removed since."),
    "line_back": translatable("“{label}”: the line is back in the budget already."),
    "year_removed": translatable("“{label}”: the budget no longer covers {year}."),
    "not_allowed": translatable("“{label}”: you may no longer make this change."),
    "cannot_undo": translatable("“{label}”: this change can no longer be undone."),
}
REDO_REFUSED = {
    "changed_since": translatable(
        "“{label}” was changed by someone else after your undo: redoing would overwrite "
        "their change."),
    "line_removed": translatable("“{label}” has been removed since your undo."),
    "line_back": translatable("“{label}” is back in the budget already."),
    "year_removed": translatable("The budget no longer covers {year}."),
    "not_allowed": translatable("You may no longer make this change to “{label}”."),
}
NOTHING_TO_UNDO = translatable("You have no change in this budget that can still be undone.")
NOTHING_TO_REDO = translatable("There is nothing to redo: you have undone nothing since your "
                               "last change in this budget.")
MAX_SKIPPED = 20  # an undo names at most this many skipped changes (the newest)

#: Whether the person may make the change a compensation of `event` would make (a share of
#: one organisation, a line's removal …); the application answers from the plan's rights.
May = Callable[[Any, Budget], bool]


@dataclass(frozen=True)
class UndoOutcome:
    """What an undo or redo did: the change taken back or done again, and what it skipped."""

    undone: dict[str, Any] | None = None
    redone: dict[str, Any] | None = None
    skipped: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def undo_last(budget: Budget, events: Iterable[Any], person: str, may: May) -> UndoOutcome:
    """Compensate the person's most recent change that can still be undone (`events`: the
    budget's, newest first); RuleViolated naming the skipped ones if none can."""
    budget.require_draft()
    skipped: list[dict[str, Any]] = []
    for change, reason, info in _own_changes_in_effect(events, person, budget):
        reason = reason or (None if may(change, budget) else "not_allowed")
        if reason is None:
            undone = describe(change, budget)  # as the line stands before the undo
            try:
                budget.undo(change, field_version(budget, field_of(change)))
                return UndoOutcome(undone=undone, skipped=tuple(skipped))
            except DomainError:
                reason = "cannot_undo"
        if len(skipped) < MAX_SKIPPED:
            skipped.append(_skip(change, budget, reason, info))
    raise RuleViolated(NOTHING_TO_UNDO, budget_id=str(budget.id), skipped=skipped)


def redo_last(budget: Budget, events: Sequence[Any], person: str, may: May) -> UndoOutcome:
    """Do again the person's most recent undo in effect (`events`: the budget's, newest
    first), unless someone else has changed what it touched since (Conflict, with why)."""
    budget.require_draft()
    undo, reason, info = _last_undo_in_effect(events, person, budget)
    reason = reason or (None if may(undo, budget) else "not_allowed")
    if reason is not None:
        blanks = {"year": "", **describe(undo, budget), **info}
        raise Conflict(REDO_REFUSED[reason], reason_code=reason, **blanks)
    original = next(e for e in events if e.originator_version == undo.compensates)
    redone = describe(original, budget)  # as the line stands before the redo
    budget.undo(undo, field_version(budget, field_of(undo)), redoes=original.originator_version)
    return UndoOutcome(redone=redone)


# ---- walking the budget's history --------------------------------------------------------------

def _own_changes_in_effect(events: Iterable[Any], person: str, budget: Budget
                           ) -> Iterator[tuple[Any, str | None, dict[str, Any]]]:
    """The person's changes (and redos) in effect, newest first, each with the reason it cannot
    be undone (None: it may) as far as the history tells."""
    seen = _Seen()
    for event in events:
        if not seen.in_effect(event):
            continue
        if (event.acted_by == person and type(event).__name__ in Budget.UNDOABLE
                and (event.compensates is None or event.redoes is not None)):
            yield event, *_blocker(event, budget, seen)
        seen.note(event, person)


def _last_undo_in_effect(events: Iterable[Any], person: str, budget: Budget
                         ) -> tuple[Any, str | None, dict[str, Any]]:
    seen = _Seen()
    for event in events:
        if not seen.in_effect(event):
            continue
        own = event.acted_by == person and type(event).__name__ in Budget.UNDOABLE
        if own and event.compensates is None:
            break  # a new change since the last undo: nothing left to redo
        if own and event.redoes is None:  # an undo (a redo has `redoes`)
            return event, *_blocker(event, budget, seen)
        seen.note(event, person)
    raise RuleViolated(NOTHING_TO_REDO, budget_id=str(budget.id))


class _Seen:
    """What the walk (newest first) has passed: compensated versions, and what others changed."""

    def __init__(self) -> None:
        self.compensated: set[int] = set()
        self.fields: dict[tuple[str, ...], str] = {}  # field → who else changed it last
        self.lines: dict[str, str] = {}  # line → who else changed anything in it last

    def in_effect(self, event: Any) -> bool:
        """Not compensated by a later event in effect (then it also compensates nothing)."""
        if event.originator_version in self.compensated:
            return False
        if event.compensates is not None:
            self.compensated.add(event.compensates)
        return True

    def note(self, event: Any, person: str) -> None:
        if event.acted_by == person:
            return
        name = type(event).__name__
        if name in ("YearAdded", "YearRemoved"):
            self.fields.setdefault(("*", "amount", str(event.year)), event.acted_by)
            return
        line_id = getattr(event, "line_id", None)
        if line_id is None:
            return
        self.lines.setdefault(line_id, event.acted_by)
        key = field_of(event)
        if key is not None:
            self.fields.setdefault(key, event.acted_by)

    def changed_by(self, key: tuple[str, ...]) -> str | None:
        if key[1] == "amount":
            return self.fields.get(key) or self.fields.get(("*", "amount", key[2]))
        return self.fields.get(key)


def _blocker(event: Any, budget: Budget, seen: _Seen) -> tuple[str | None, dict[str, Any]]:
    """Why compensating `event` cannot be done (a reason code, or None) and the blanks."""
    name, line_id = type(event).__name__, event.line_id
    present = line_id in budget.lines
    if name == "LineItemRemoved":  # compensating it restores the line
        return ("line_back", {}) if present else (None, {})
    if not present:
        return "line_removed", {}
    key = field_of(event)
    if key is not None and key[1] == "amount" and int(key[2]) not in budget.years:
        return "year_removed", {"year": int(key[2])}
    by = seen.changed_by(key) if key is not None else seen.lines.get(line_id)
    return ("changed_since", {"set_by": by}) if by is not None else (None, {})


# ---- naming a change ---------------------------------------------------------------------------

def field_of(change: Any) -> tuple[str, ...] | None:
    """Which field of a line a change set (None for changes of whole lines)."""
    name = type(change).__name__
    if name == "LineItemAmountChanged":
        return (change.line_id, "amount", str(change.year))
    if name == "CostShareChanged":
        return (change.line_id, "share", change.actor_id)
    if name == "LineItemChanged":
        return (change.line_id, change.field)
    if name == "LineItemMoved":
        return (change.line_id, "position")
    return None


def field_version(budget: Budget, key: tuple[str, ...] | None) -> int | None:
    """The field's current version (None: a whole line, or a field no longer there)."""
    line = budget.lines.get(key[0]) if key else None
    if key is None or line is None or key[1] == "position":
        return None
    if key[1] == "amount":
        cell = line["amounts"].get(key[2])
        return cell["version"] if cell else None
    if key[1] == "share":
        return line["shares"].get(key[2], unset_field())["version"]
    return line[key[1]]["version"]


def describe(change: Any, budget: Budget) -> dict[str, Any]:
    """A change as receipts name it: version, event type, line, the cell (as the grid names
    it: label, category, service_id, kind, amount:2027, share:<actor id>; None for a whole
    line or a move) and the line's label."""
    key = field_of(change)
    cell = None
    if key is not None and key[1] in ("amount", "share"):
        cell = f"{key[1]}:{key[2]}"
    elif key is not None and key[1] != "position":
        cell = key[1]
    line = budget.lines.get(change.line_id) or budget.removed.get(change.line_id)
    label = line["label"]["value"] if line else getattr(change, "label", "")
    return {"version": change.originator_version, "type": type(change).__name__,
            "line_id": change.line_id, "field": cell, "label": label}


def _skip(change: Any, budget: Budget, reason: str, info: dict[str, Any]) -> dict[str, Any]:
    entry = {**describe(change, budget), "reason_code": reason, **info}
    entry["message"] = SKIP_REASONS[reason].format_map({"year": "", **entry})
    return entry
