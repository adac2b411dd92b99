"""Command receipts: what a command stored, recorded with its command id, for its maker alone.

A client sends each command with an id it made up; the store records the id in the same
transaction as the events (adapters/command_log.py), together with who made it, in which plan,
on which aggregate, and everything the receipt says. A command sent again with that id is then
answered with the very same receipt (`duplicate: true`) — but only to the person who made it,
for the same plan and aggregate: command ids travel in every broadcast, so anyone else who
sends one is refused (CommandIdTaken) instead of being handed someone else's receipt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable
from uuid import UUID


@dataclass(frozen=True)
class Saved:
    """What a command stored: the aggregate's new version and the events' log positions."""

    aggregate_id: UUID
    version: int
    positions: tuple[int, ...] = ()
    entity_id: str | None = None  # a line, actor, risk … created by the command
    field_version: int | None = None  # the edited field's version after the command
    duplicate: bool = False  # this command id had been applied before: nothing new stored
    #: An undo's or a redo's: the change taken back or done again, and the newer changes the
    #: undo skipped because they can no longer be undone (domain/undo.py says why).
    undone: dict[str, Any] | None = None
    redone: dict[str, Any] | None = None
    skipped: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    #: Which of its outcomes a command had, where it has several ("removed" or "left").
    effect: str | None = None

    def outcome(self) -> dict[str, Any] | None:
        """What an undo, a redo or a command with several outcomes did, for the command log
        (None for other commands)."""
        if self.undone is None and self.redone is None and self.effect is None:
            return None
        return {"undone": self.undone, "redone": self.redone, "skipped": list(self.skipped),
                "effect": self.effect}


@dataclass(frozen=True)
class Effect:
    """A command's result when it can end in one of several ways (see Saved.effect)."""

    name: str


@dataclass(frozen=True)
class CommandRecord:
    """What the store keeps with a command id (passed to `save(..., command=…)`)."""

    command_id: str
    person_id: str
    plan_id: str
    aggregate_id: UUID
    version: int
    entity_id: str | None
    field_version: int | None
    outcome: dict[str, Any] | None = None  # Saved.outcome(): kept so a duplicate says the same


@dataclass(frozen=True)
class Receipt:
    """An earlier command's receipt and whose it is (person_id None: recorded before owners
    were kept, so it belongs to nobody who can be told apart)."""

    person_id: str | None
    plan_id: str | None
    saved: Saved

    def belongs_to(self, person_id: str, plan_id: str | None, aggregate_id: UUID | None) -> bool:
        """The same person, and (where known before the command runs) the same plan and aggregate."""
        return (self.person_id is not None and self.person_id == person_id
                and (plan_id is None or self.plan_id == str(plan_id))
                and (aggregate_id is None or self.saved.aggregate_id == aggregate_id))


@runtime_checkable
class CommandLog(Protocol):
    """A store that records command ids atomically with the events a command stored.

    The application passes `command=CommandRecord(...)` to `save()`; a store that keeps them
    refuses a second command with the same id (IntegrityError) and can tell what the first
    one stored, and whose it was.
    """

    def command_receipt(self, command_id: str) -> Receipt | None: ...
