"""Bringing several cached aggregates up to date with one read of the store.

Every command on a budget, service or commitment reads twice before it runs: the aggregate's
new events and its plan's (whose members hold the rights), each a round trip to the database.
eventsourcing's own command does one. A store that can read both in one statement (adapters:
`select_events_together`) lets the repository fast-forward both with a single round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, cast
from uuid import UUID

from eventsourcing.application import Repository
from eventsourcing.persistence import StoredEvent


class ReadsTogether(Protocol):
    def select_events_together(self, since: Sequence[tuple[UUID, int]]) -> Sequence[StoredEvent]:
        """The events of each aggregate after its version, in one statement, in version order
        within each aggregate."""


class FreshRepository(Repository[UUID]):
    """eventsourcing's repository, plus `get_fresh` for several cached aggregates at once."""

    def cached(self, aggregate_id: UUID) -> Any | None:
        """The cached aggregate as it is (perhaps behind the store), or None if it is not cached."""
        if not self.cache:
            return None
        try:
            return self.cache.get(aggregate_id)
        except KeyError:
            return None

    def get_fresh(self, aggregate_ids: Sequence[UUID]) -> list[Any] | None:
        """The cached aggregates, each brought up to date from the store with one read between
        them (not copied: callers copy what they change). None when one is not cached, the
        store cannot read them together, or one of them is gone: then load each the usual way.
        """
        recorder = self.event_store.recorder
        if not self.fastforward or not hasattr(recorder, "select_events_together"):
            return None
        aggregates = [self.cached(key) for key in aggregate_ids]
        if any(a is None for a in aggregates):
            return None
        stored = cast(ReadsTogether, recorder).select_events_together(
            [(key, a.version) for key, a in zip(aggregate_ids, aggregates, strict=True)])
        to_event = self.event_store.mapper.to_domain_event
        fresh = []
        for key, aggregate in zip(aggregate_ids, aggregates, strict=True):
            # Usually nothing is new (this process saved it last, and a save updates the cache):
            # then there is nothing to apply and no fast-forward lock to take.
            if any(s.originator_id == key for s in stored):
                aggregate = self._fast_forward(key, aggregate, stored, to_event)
                if aggregate is None:
                    return None
            fresh.append(aggregate)
        return fresh

    def _fast_forward(self, key: UUID, aggregate: Any, stored: Sequence[StoredEvent],
                      to_event: Any) -> Any | None:
        lock = self._use_fastforward_lock(key)  # as Repository.get fast-forwards
        try:
            with lock:
                # Another reader may have moved it on since the read: apply only the rest.
                for event in [to_event(s) for s in stored if s.originator_id == key
                              and s.originator_version > aggregate.version]:
                    aggregate = event.mutate(aggregate)
        finally:
            self._disuse_fastforward_lock(key)
        return aggregate
