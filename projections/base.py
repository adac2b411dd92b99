"""Projections on eventsourcing's projection API, with SQLAlchemy read models.

`ViewRecorder` is an eventsourcing `TrackingRecorder`: each projection's position in the event
log is stored in the same transaction as the view rows it wrote, so a projection that stops
resumes exactly once. `ViewProjection.process_event` is eventsourcing's per-event entry point;
`process_batches` lets the runner apply many events in one transaction.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from eventsourcing.projection import Projection
from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from projections.tables import view_tracking

Event = DomainEventProtocol[Any]
Positioned = tuple[Event, int]  # a domain event and its position in the application log


class ViewRecorder(TrackingRecorder):
    """Tracking records of one projection, kept beside its view tables."""

    def __init__(self, engine: Engine, projection_name: str) -> None:
        self.engine, self.projection_name = engine, projection_name
        self._changed = threading.Condition()

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.engine.begin() as conn:
            self.insert_tracking_in(conn, tracking)
        self.notify_committed()

    def insert_tracking_in(self, conn: Connection, tracking: Tracking) -> None:
        """Move this projection's position forward; refuse to go back or stand still."""
        values = {"projection": self.projection_name,
                  "application_name": tracking.application_name,
                  "notification_id": tracking.notification_id}
        if conn.execute(_advance_tracking(conn.dialect.name), values).first() is None:
            raise IntegrityError(
                f"{self.projection_name} has already processed "
                f"{tracking.application_name} #{tracking.notification_id}"
            )

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(view_tracking.c.notification_id).where(
                    view_tracking.c.projection == self.projection_name,
                    view_tracking.c.application_name == application_name,
                )
            ).scalar()

    def notify_committed(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def wait(self, application_name: str, notification_id: int | None, timeout: float = 1.0,
             interrupt: threading.Event | None = None) -> None:
        """Wake as soon as this process commits a batch; poll for other processes' commits."""
        import time

        deadline = time.monotonic() + timeout
        while not self.has_tracking_id(application_name, notification_id):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"{self.projection_name} did not reach #{notification_id} in {timeout}s"
                )
            if interrupt is not None and interrupt.is_set():
                from eventsourcing.persistence import WaitInterruptedError

                raise WaitInterruptedError
            with self._changed:
                self._changed.wait(timeout=min(remaining, 0.05))


@functools.cache
def _advance_tracking(dialect_name: str) -> Any:
    """Upsert a tracking record only forward (built once per dialect)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(view_tracking)
    return statement.on_conflict_do_update(
        index_elements=["projection", "application_name"],
        set_={"notification_id": statement.excluded.notification_id},
        where=view_tracking.c.notification_id < statement.excluded.notification_id,
    ).returning(view_tracking.c.notification_id)


class ViewProjection(Projection[ViewRecorder]):
    """A projection that owns some tables and applies events to them in batches."""

    tables: tuple[Table, ...] = ()
    application_name = "Samverkan"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """eventsourcing's entry point: one event, its view rows and tracking in one transaction."""
        try:
            with self.view.engine.begin() as conn:
                # Tracking first: an event seen before is refused before any row is touched.
                self.view.insert_tracking_in(conn, tracking)
                self.apply_batch(conn, [(domain_event, tracking.notification_id)])
        except BaseException:
            self.forget()
            raise
        self.view.notify_committed()

    def apply_batch(self, conn: Connection, events: Sequence[Positioned]) -> None:
        """Apply events (in log order) to this projection's tables within `conn`'s transaction."""
        raise NotImplementedError

    def forget(self) -> None:
        """Drop anything kept in memory between batches."""


def process_batches(engine: Engine, projections: Sequence[ViewProjection],
                    positions: dict[str, int], events: Sequence[Positioned]) -> None:
    """Apply a batch to every projection that has not seen it, each with its tracking, atomically.

    `positions` maps projection name → last processed position and is updated after commit.
    """
    if not events:
        return
    last = events[-1][1]
    try:
        _apply_in_one_transaction(engine, projections, positions, events, last)
    except BaseException:
        for projection in projections:  # memory may be ahead of a rolled-back transaction
            projection.forget()
        raise
    for projection in projections:
        positions[projection.name] = max(positions.get(projection.name, 0), last)
        projection.view.notify_committed()


def _apply_in_one_transaction(engine: Engine, projections: Sequence[ViewProjection],
                              positions: dict[str, int], events: Sequence[Positioned],
                              last: int) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Views can be rebuilt from the log and their tracking commits with them: a batch a
            # crash loses is applied again, so its commit need not wait for the disk (browsers,
            # told after this commit, would otherwise wait for the sync).
            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        for projection in projections:
            seen_up_to = positions.get(projection.name, 0)
            unseen = events if events[0][1] > seen_up_to else [
                e for e in events if e[1] > seen_up_to]
            if unseen:
                projection.view.insert_tracking_in(conn, Tracking(projection.application_name, last))
                projection.apply_batch(conn, unseen)


class HandlerProjection(ViewProjection):
    """Dispatches each event to the method registered for its class with `@handles`."""

    _handlers: dict[type, Any] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                for event_class in getattr(attr, "_handles", ()):
                    cls._handlers[event_class] = attr

    _work: Any = None

    def caches(self) -> Any:
        """The unit of work handed to every handler: a namespace of row caches."""
        raise NotImplementedError

    def forget(self) -> None:
        """Drop what is kept in memory between batches (the database is the truth)."""
        self._work = None

    def apply_batch(self, conn: Connection, events: Sequence[Positioned]) -> None:
        if self._work is None:
            self._work = self.caches()
        work = self._work
        for cache in vars(work).values():
            cache.bind(conn)
        for event, position in events:
            handler = self._handlers.get(type(event))
            if handler is not None:
                handler(self, work, event, position)
        self.flush(work)

    def flush(self, work: Any) -> None:
        """Write the batch's changes (by default every row cache in the unit of work)."""
        for cache in vars(work).values():
            cache.flush()


def handles(*event_classes: type) -> Any:
    def register(method: Any) -> Any:
        method._handles = event_classes
        return method

    return register
