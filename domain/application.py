"""The application: one method per use case, primitives in, ids and `Saved` receipts out."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from copy import deepcopy
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper
from eventsourcing.utils import strtobool

from domain import serial
from domain.access import READ, Right, check
from domain.budgets import Budget
from domain.commitments import Commitment
from domain.context import acting_as, current_acting
from domain.decisions import Decision
from domain.errors import Busy, CommandIdTaken, Conflict, NotFound, RuleViolated, translatable
from domain.fresh import FreshRepository
from domain.mapping import DateAsISO, EventMapper
from domain.plans import Plan
from domain.ports import OrganisationUsage
from domain.receipts import CommandLog, CommandRecord, Effect, Saved
from domain.serial import AggregateLocks, backoff
from domain.services import SharedService
from domain.undo import UndoOutcome

__all__ = ["SamverkanCore", "Saved"]

T = TypeVar("T")
KINDS = {Plan: "plan", Budget: "budget", SharedService: "service", Commitment: "commitment",
         Decision: "decision"}
NOT_FOUND = {Plan: translatable("No such plan."), Budget: translatable("No such budget."),
             SharedService: translatable("No such service."),
             Commitment: translatable("No such commitment."),
             Decision: translatable("No such decision.")}
IN_ANOTHER_PLAN = {Budget: translatable("That budget belongs to another plan."),
                   SharedService: translatable("That service belongs to another plan.")}


class SamverkanCore(Application):
    """Loading, saving with retry, and id checks shared by every use case."""

    name = "Samverkan"
    snapshotting_intervals = {Plan: 100, Budget: 100, SharedService: 100, Commitment: 100}
    env = {"AGGREGATE_CACHE_MAXSIZE": "500"}

    def __init__(self, *args: Any, organisation_usage: OrganisationUsage | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turns = AggregateLocks()  # this process's writers of one aggregate take turns
        #: Answers "has this organisation taken part?" (removing one needs it): the
        #: composition root passes the read models' answer (projections/usage.py).
        self.organisation_usage = organisation_usage

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def construct_repository(self) -> FreshRepository:
        """eventsourcing's repository, as it would be made, that can also read a command's
        aggregate and its plan in one go (domain/fresh.py)."""
        env = self.env
        maxsize = env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return FreshRepository(
            event_store=self.events, snapshot_store=self.snapshots,
            cache_maxsize=int(maxsize) if maxsize else None,
            fastforward=strtobool(env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y")),
            fastforward_skipping=strtobool(env.get(self.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")),
            deepcopy_from_cache=strtobool(env.get(self.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")))

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder(),
                                   mapper_class=EventMapper)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Any]:
        """Record the events, with the snapshots they make due when the store takes them in
        the same transaction (one write and one disk sync, not two)."""
        if self.snapshots is not None and getattr(self.recorder, "records_snapshots", False):
            due = self._snapshots_due(processing_event)
            if due:
                mapper = self.snapshots.mapper
                processing_event.saved_kwargs["snapshots"] = (
                    self.snapshots.recorder, [mapper.to_stored_event(s) for s in due])
        turn = serial.current_turn.get()
        if (turn and self.repository.cache is not None
                and getattr(self.recorder, "pipelines_commands", False)):
            processing_event.saved_kwargs["staged"] = serial.Pipelined(
                turn, dict(processing_event.aggregates), self.repository.cache)
        return super()._record(processing_event)

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        if not getattr(self.recorder, "records_snapshots", False):
            super()._take_snapshots(processing_event)

    def _snapshots_due(self, processing_event: ProcessingEvent[UUID]) -> list[Any]:
        """Snapshots of the saved aggregates whose new events reach a snapshotting interval,
        taken from the aggregates in hand: they are at the version just saved, so nothing
        is read back and replayed (eventsourcing's own way reloads each one)."""
        reached = {e.originator_id for e in processing_event.events
                   if (interval := self._interval_of(processing_event, e.originator_id))
                   and e.originator_version % interval == 0}
        return [type(aggregate).Snapshot.take(aggregate)
                for key, aggregate in processing_event.aggregates.items() if key in reached]

    def _interval_of(self, processing_event: ProcessingEvent[UUID], key: UUID) -> int | None:
        aggregate = processing_event.aggregates.get(key)
        return None if aggregate is None else self.snapshotting_intervals.get(type(aggregate))

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

    def require(self, plan_id: UUID | str, right: Right,
                orgs: str | Collection[str] | None = None) -> dict[str, Any]:
        """The acting person's membership of the plan, if their role there has `right`.

        For what is not an event (reading pages, invitations, exports): the same rules as
        every command — so any right but reading is refused in an archived plan.
        """
        plan = self.load(Plan, plan_id, copy=False)
        member = check(plan.members, current_acting().person_id, right, orgs)
        if right is not READ:
            plan.require_open()
        return member

    def create(self, *aggregates: Any, right: Right | None, org_id: str | None = None) -> Saved:
        """Save new aggregates; `right` is checked in the plan of the first (None: a new plan)."""
        main = aggregates[0]
        plan_id = None if isinstance(main, Plan) else main.plan_id  # a new plan has a new id
        with self._authorised(main, right, org_id):
            if (earlier := self._earlier_receipt(plan_id, None)) is not None:
                return earlier
            try:
                recordings = self.save(*aggregates, **self._command(main, None))
            except IntegrityError:
                if (earlier := self._earlier_receipt(plan_id, None)) is not None:
                    return earlier
                raise Conflict("That already exists.", id=str(main.id)) from None
        return self._receipt(main, recordings, None)

    def save_together(self, plan_id: UUID | str, build: Callable[[Plan], tuple[Any, ...]], *,
                      right: Right) -> Saved:
        """Build changes to several aggregates from fresh state and save them in one go.

        `build` gets the plan (for reading) and returns the aggregates to save, the one the
        receipt is about last (its events come last in the log). Events are made inside the
        right's check, so they record the organisation the person represents in this plan. If
        another writer changed one of them first, everything is built again on fresh state.
        """
        def attempt() -> Saved:
            plan = self.load(Plan, plan_id, copy=False)
            with self._authorised(plan, right, None):
                if (earlier := self._earlier_receipt(plan.plan_id, None)) is not None:
                    return earlier
                aggregates = build(plan)
                main = aggregates[-1]
                recordings = self.save(*aggregates, **self._command(main, None))
            return self._receipt(main, recordings, None)

        return self._in_turn(str(plan_id), attempt)

    def update(self, cls: type[T], aggregate_id: UUID | str, command: Callable[[T], Any], *,
               right: Right | None,
               org_of: Callable[[T], str | Collection[str] | None] | None = None) -> Saved:
        """Check the acting person's right, run a command and save; if another writer got there
        first, reload and run it again.

        The right is checked before anything else (an earlier receipt of the command id
        included). The command's guards (and the right) are checked again on the fresh state,
        so a command that is no longer valid (a stale field version, a share that no longer
        fits, a role taken away) fails with its own error; one that is still valid is retried
        until it is saved (Busy only past the deadline). `right=None` only where the command
        itself carries its authority (joining by invitation).
        """
        def attempt() -> Saved:
            aggregate, plan = self._with_plan(cls, aggregate_id)
            with self._authorised(aggregate, right, org_of(aggregate) if org_of else None, plan):
                if (earlier := self._earlier_receipt(aggregate.plan_id, aggregate.id)) is not None:
                    return earlier  # a command sent again (after a dropped connection) runs once
                result = command(aggregate)
                recordings = self.save(aggregate, **self._command(aggregate, result))
            return self._receipt(aggregate, recordings, result)

        return self._in_turn(str(aggregate_id), attempt)

    def _in_turn(self, key: Any, attempt: Callable[[], Saved]) -> Saved:
        """Run `attempt` when this process's other writers of `key` are done, and again
        after each race lost to another process (with a jittered back-off), until it is
        saved, fails on its own, or the deadline passes (Busy: nothing was stored). A turn
        passed on before the save was stored (serial.Pipelined) is taken again to retry."""
        deadline = time.monotonic() + serial.SAVE_DEADLINE
        lost = 0
        retake = True
        while retake:
            retake = False
            with self._turns.hold(key, deadline) as our_turn:
                while our_turn:
                    held = serial.current_turn.set(our_turn)
                    try:
                        return attempt()
                    except IntegrityError:
                        lost += 1
                        pause = backoff(lost)
                        if time.monotonic() + pause >= deadline:
                            break
                        retake = not our_turn  # passed on early: take it again, then retry
                        time.sleep(pause)
                    finally:
                        serial.current_turn.reset(held)
        raise Busy(translatable("Many changes are being saved at once. Nothing was saved yet; "
                                "try again in a moment."),
                   retry_after=serial.BUSY_RETRY_AFTER, id=str(key))

    def _with_plan(self, cls: type[T], aggregate_id: UUID | str) -> tuple[T, Plan | None]:
        """The aggregate to change (a copy) and, if it is not a plan, its plan (for reading):
        when both are cached, brought up to date with one read of the store; otherwise (None
        for the plan) `_authorised` loads the plan itself."""
        repository = self.repository
        if cls is not Plan and isinstance(repository, FreshRepository):
            with suppress(ValueError):
                key = aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
                cached = repository.cached(key)
                if isinstance(cached, cls) and isinstance(plan_id := getattr(cached, "plan_id", None), str):
                    fresh = repository.get_fresh([key, UUID(plan_id)])
                    if fresh is not None and isinstance(fresh[1], Plan):
                        aggregate = fresh[0]
                        return (deepcopy(aggregate) if repository.deepcopy_from_cache
                                else aggregate), fresh[1]
        return self.load(cls, aggregate_id), None

    @contextmanager
    def _authorised(self, aggregate: Any, right: Right | None,
                    orgs: str | Collection[str] | None,
                    plan: Plan | None = None) -> Iterator[None]:
        """Refuse unless the acting person's role in the aggregate's plan has `right` (for the
        organisations concerned), and refuse anything in an archived plan; inside, events
        record the organisation the person represents in that plan (from the plan's own
        members, not from whoever set up the request). Every write passes here. `plan`: the
        aggregate's plan when the caller has just read it."""
        if plan is None:
            plan = aggregate if isinstance(aggregate, Plan) else self.load(
                Plan, aggregate.plan_id, copy=False)
        if right is None:  # the command carries its own authority (joining by invitation)
            plan.require_open()
            yield
            return
        acting = current_acting()
        member = check(plan.members, acting.person_id, right, orgs)
        plan.require_open()
        if member["org_id"] == acting.org_id:
            yield
        else:
            with acting_as(acting.person_id, member["org_id"], acting.command_id):
                yield

    def _command(self, aggregate: Any, result: Any) -> dict[str, Any]:
        """The command id, who made it and its receipt, to record with the events (when there
        is a command id and the store keeps them)."""
        acting = current_acting()
        if acting.command_id is None or not isinstance(self.recorder, CommandLog):
            return {}
        receipt = self._receipt(aggregate, [], result)
        return {"command": CommandRecord(
            acting.command_id, acting.person_id, aggregate.plan_id, aggregate.id,
            aggregate.version, receipt.entity_id, receipt.field_version, receipt.outcome())}

    def _earlier_receipt(self, plan_id: str | None, aggregate_id: UUID | None) -> Saved | None:
        """The receipt of this command id if it was applied before by the acting person, for
        the same plan and aggregate; CommandIdTaken if it was anyone else's."""
        acting = current_acting()
        if acting.command_id is None or not isinstance(self.recorder, CommandLog):
            return None
        earlier = self.recorder.command_receipt(acting.command_id)
        if earlier is None:
            return None
        if not earlier.belongs_to(acting.person_id, plan_id, aggregate_id):
            raise CommandIdTaken(translatable(
                "That command id was already used for another change. Send this change with a "
                "new command id."), command_id=acting.command_id)
        return earlier.saved

    @staticmethod
    def _receipt(aggregate: Any, recordings: list[Any], result: Any) -> Saved:
        """A command's result is the id of what it created (str), a field's version (int), what
        an undo or redo did (UndoOutcome), or which way it ended (Effect)."""
        positions = tuple(r.notification.id for r in recordings
                          if r.notification.originator_id == aggregate.id)
        outcome = result if isinstance(result, UndoOutcome) else UndoOutcome()
        return Saved(aggregate.id, aggregate.version, positions,
                     entity_id=result if isinstance(result, str) else None,
                     field_version=result if type(result) is int else None,
                     undone=outcome.undone, redone=outcome.redone, skipped=outcome.skipped,
                     effect=result.name if isinstance(result, Effect) else None)

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
