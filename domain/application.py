"""The application: one method per use case, primitives in, ids and `Saved` receipts out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from domain.access import Right, check
from domain.budgets import Budget
from domain.commitments import Commitment
from domain.context import acting_as, current_acting
from domain.decisions import Decision
from domain.errors import Conflict, NotFound, RuleViolated, translatable
from domain.plans import Plan
from domain.services import SharedService

T = TypeVar("T")
SAVE_ATTEMPTS = 5
KINDS = {Plan: "plan", Budget: "budget", SharedService: "service", Commitment: "commitment",
         Decision: "decision"}
NOT_FOUND = {Plan: translatable("No such plan."), Budget: translatable("No such budget."),
             SharedService: translatable("No such service."),
             Commitment: translatable("No such commitment."),
             Decision: translatable("No such decision.")}
IN_ANOTHER_PLAN = {Budget: translatable("That budget belongs to another plan."),
                   SharedService: translatable("That service belongs to another plan.")}


@dataclass(frozen=True)
class Saved:
    """What a command stored: the aggregate's new version and the events' log positions."""

    aggregate_id: UUID
    version: int
    positions: tuple[int, ...] = ()
    entity_id: str | None = None  # a line, actor, risk … created by the command
    field_version: int | None = None  # the edited field's version after the command
    duplicate: bool = False  # this command id had been applied before: nothing new stored


@runtime_checkable
class CommandLog(Protocol):
    """A store that records command ids atomically with the events a command stored.

    The application passes `command=(command_id, aggregate_id, version)` to `save()`; a store
    that keeps them refuses a second command with the same id (IntegrityError) and can tell
    what the first one stored.
    """

    def command_receipt(self, command_id: str) -> Saved | None: ...


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class SamverkanCore(Application):
    """Loading, saving with retry, and id checks shared by every use case."""

    name = "Samverkan"
    snapshotting_intervals = {Plan: 100, Budget: 100, SharedService: 100, Commitment: 100}
    env = {"AGGREGATE_CACHE_MAXSIZE": "500"}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def load(self, cls: type[T], aggregate_id: UUID | str, version: int | None = None,
             copy: bool = True) -> T:
        """The aggregate, or NotFound if there is none of that kind with that id.

        `copy=False` hands out the cached instance itself: only for reading, never to change.
        """
        try:
            key = aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
            aggregate = self.repository.get(key, version=version, deepcopy_from_cache=copy)
        except (AggregateNotFoundError, ValueError):
            aggregate = None
        if not isinstance(aggregate, cls):
            raise NotFound(NOT_FOUND.get(cls, translatable("Not found.")), id=str(aggregate_id))
        return aggregate

    def require(self, plan_id: UUID | str, right: Right, org_id: str | None = None) -> dict[str, Any]:
        """The acting person's membership of the plan, if their role there has `right`.

        For what is not an event (reading pages, invitations, exports): the same rules as
        every command.
        """
        plan = self.load(Plan, plan_id, copy=False)
        return check(plan.members, current_acting().person_id, right, org_id)

    def create(self, *aggregates: Any, right: Right | None, org_id: str | None = None) -> Saved:
        """Save new aggregates; `right` is checked in the plan of the first (None: a new plan)."""
        if (earlier := self._earlier_receipt()) is not None:
            return earlier
        with self._authorised(aggregates[0], right, org_id):
            try:
                recordings = self.save(*aggregates, **self._command(aggregates[0]))
            except IntegrityError:
                if (earlier := self._earlier_receipt()) is not None:
                    return earlier
                raise Conflict("That already exists.", id=str(aggregates[0].id)) from None
        return self._receipt(aggregates[0], recordings, None)

    def save_together(self, plan_id: UUID | str, build: Callable[[Plan], tuple[Any, ...]], *,
                      right: Right) -> Saved:
        """Build changes to several aggregates from fresh state and save them in one go.

        `build` gets the plan (for reading) and returns the aggregates to save, the one the
        receipt is about last (its events come last in the log). Events are made inside the
        right's check, so they record the organisation the person represents in this plan. If
        another writer changed one of them first, everything is built again on fresh state.
        """
        for _ in range(SAVE_ATTEMPTS):
            if (earlier := self._earlier_receipt()) is not None:
                return earlier
            plan = self.load(Plan, plan_id, copy=False)
            with self._authorised(plan, right, None):
                aggregates = build(plan)
                main = aggregates[-1]
                try:
                    recordings = self.save(*aggregates, **self._command(main))
                except IntegrityError:
                    continue
            return self._receipt(main, recordings, None)
        raise Conflict("Too many people changed this at once; please try again.", id=str(plan_id))

    def update(self, cls: type[T], aggregate_id: UUID | str, command: Callable[[T], Any], *,
               right: Right | None, org_of: Callable[[T], str | None] | None = None) -> Saved:
        """Check the acting person's right, run a command and save; if another writer got there
        first, reload and run it again.

        The command's guards (and the right) are checked again on the fresh state, so a command
        that is no longer valid (a stale field version, a share that no longer fits, a role
        taken away) fails with its own error. `right=None` only where the command itself
        carries its authority (joining by invitation).
        """
        for _ in range(SAVE_ATTEMPTS):
            if (earlier := self._earlier_receipt()) is not None:
                return earlier  # a command sent again (after a dropped connection) runs once
            aggregate = self.load(cls, aggregate_id)
            with self._authorised(aggregate, right, org_of(aggregate) if org_of else None):
                result = command(aggregate)
                try:
                    recordings = self.save(aggregate, **self._command(aggregate))
                except IntegrityError:
                    continue
            return self._receipt(aggregate, recordings, result)
        raise Conflict("Too many people changed this at once; please try again.",
                       id=str(aggregate_id))

    @contextmanager
    def _authorised(self, aggregate: Any, right: Right | None, org_id: str | None) -> Iterator[None]:
        """Refuse unless the acting person's role in the aggregate's plan has `right`; inside,
        events record the organisation the person represents in that plan (from the plan's
        own members, not from whoever set up the request)."""
        if right is None:
            yield
            return
        acting = current_acting()
        plan = aggregate if isinstance(aggregate, Plan) else self.load(
            Plan, aggregate.plan_id, copy=False)
        member = check(plan.members, acting.person_id, right, org_id)
        if member["org_id"] == acting.org_id:
            yield
        else:
            with acting_as(acting.person_id, member["org_id"], acting.command_id):
                yield

    def _command(self, aggregate: Any) -> dict[str, Any]:
        """The command id to record with the events (when there is one and the store keeps them)."""
        command_id = current_acting().command_id
        if command_id is None or not isinstance(self.recorder, CommandLog):
            return {}
        return {"command": (command_id, aggregate.id, aggregate.version)}  # events counted there

    def _earlier_receipt(self) -> Saved | None:
        command_id = current_acting().command_id
        if command_id is None or not isinstance(self.recorder, CommandLog):
            return None
        return self.recorder.command_receipt(command_id)

    @staticmethod
    def _receipt(aggregate: Any, recordings: list[Any], result: Any) -> Saved:
        """A command's result is the id of what it created (str) or a field's version (int)."""
        positions = tuple(r.notification.id for r in recordings
                          if r.notification.originator_id == aggregate.id)
        return Saved(aggregate.id, aggregate.version, positions,
                     entity_id=result if isinstance(result, str) else None,
                     field_version=result if type(result) is int else None)

    def _plan_with_actor(self, plan_id: UUID | str, actor_id: UUID | str | None) -> Plan:
        plan = self.load(Plan, plan_id)
        plan.require_actor(actor_id)
        return plan

    def _require_in_plan(self, cls: type[T], aggregate_id: UUID | str | None, plan_id: str) -> T | None:
        if aggregate_id is None:
            return None
        aggregate = self.load(cls, aggregate_id)
        if aggregate.plan_id != plan_id:  # type: ignore[attr-defined]
            raise RuleViolated(IN_ANOTHER_PLAN[cls], id=str(aggregate_id))
        return aggregate
