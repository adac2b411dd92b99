"""Runs the projections: catches up from the log in batches, then follows new events.

Every batch also extends the tamper-evident hash chain (projections/chain.py), which a
rebuild or reset leaves in place. The live path follows the application recorder's
subscription (LISTEN/NOTIFY on PostgreSQL, an in-process wake-up plus short poll on SQLite)
and applies whatever has arrived as one batch.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.application import Application
from sqlalchemy import delete, inspect, select
from sqlalchemy.engine import Engine

from projections.base import Positioned, ViewProjection, ViewRecorder, process_batches
from projections.chain import ChainFollower
from projections.publishing import ChangePublisher
from projections.tables import metadata, view_tracking

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
#: Events a restarted follower sends again that its publisher may have missed; beyond that,
#: clients catch up from the store when they join again (`since`), as after any long gap.
REPUBLISH_LIMIT = 10_000


class ProjectionRunner:
    def __init__(self, app: Application, engine: Engine,
                 projection_classes: Sequence[type[ViewProjection]], batch_size: int = 2000) -> None:
        self.app, self.engine, self.batch_size = app, engine, batch_size
        # How long a live batch waits for company. Short: every browser now waits for the batch
        # to be projected before it hears of a change, and under load the batches fill up anyway
        # while the one before is applied.
        self.gather_seconds = 0.003
        self.projections = [cls(view=ViewRecorder(engine, cls.name)) for cls in projection_classes]
        self.positions: dict[str, int] = {}
        self.chain = ChainFollower(engine)
        #: Makes the schema ready before following; the composition root points it at the
        #: migrations (adapters/schema.py), so a live database never gets `create_all`.
        self.prepare: Callable[[], None] = self.create_tables
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._subscription: Any = None
        self.error: BaseException | None = None
        self._listeners: list[Callable[[int], None]] = []
        # Catching up and following may both run in one process; one applies at a time.
        self._applying = threading.Lock()
        #: Where each committed batch goes (projections/publishing.py); None: nowhere.
        self.publisher: ChangePublisher | None = None

    # ---- set-up --------------------------------------------------------------------------

    def create_tables(self) -> None:
        self._drop_reshaped()
        metadata.create_all(self.engine)
        # create_all makes indexes only with new tables: views from an older version get the
        # indexes added since (the audit filters need theirs) without a rebuild.
        with self.engine.begin() as conn:
            for table in metadata.sorted_tables:
                for index in table.indexes:
                    index.create(conn, checkfirst=True)
        self.chain.create_tables()

    def _drop_reshaped(self) -> None:
        """A projection whose tables a newer version shaped differently (a column added) starts
        again from #1: its tables are made anew and catching up fills them from the log."""
        inspector = inspect(self.engine)
        stale = [p for p in self.projections if any(
            inspector.has_table(t.name)
            and {c["name"] for c in inspector.get_columns(t.name)} != {c.name for c in t.columns}
            for t in p.tables)]
        if not stale:
            return
        log.warning("rebuilding the views of %s: their tables changed shape",
                    ", ".join(p.name for p in stale))
        with self._applying:
            metadata.drop_all(self.engine, tables=[t for p in stale for t in p.tables])
            if inspector.has_table(view_tracking.name):
                with self.engine.begin() as conn:
                    conn.execute(delete(view_tracking).where(
                        view_tracking.c.projection.in_([p.name for p in stale])))
            for projection in stale:
                projection.forget()
            self.positions = {}

    def load_positions(self) -> dict[str, int]:
        names = [p.name for p in self.projections]
        with self.engine.connect() as conn:
            rows = conn.execute(select(view_tracking.c.projection, view_tracking.c.notification_id)
                                .where(view_tracking.c.projection.in_(names))).all()
        self.positions = {name: 0 for name in names} | {r[0]: r[1] for r in rows}
        self.chain.load_position()
        return self.positions

    @property
    def position(self) -> int:
        """The log position every projection has reached."""
        return min(self.positions.values(), default=0)

    @property
    def _behind(self) -> int:
        """The position the slowest of the projections and the chain has reached."""
        return min(self.position, self.chain.position)

    def add_listener(self, callback: Callable[[int], None]) -> None:
        """Called with the new position after each committed batch (in the runner's thread)."""
        self._listeners.append(callback)

    # ---- catching up and rebuilding ---------------------------------------------------------

    def catch_up(self, progress: Progress | None = None, batch_size: int | None = None,
                 publish: bool = True, upto: int | None = None) -> int:
        """Apply everything stored after the slowest projection's (or the chain's) position
        (up to `upto` if given)."""
        with self._applying:
            self.load_positions()
        recorder = self.app.recorder
        top = recorder.max_notification_id() or 0
        top = top if upto is None else min(top, upto)
        position = self._behind
        while position < top:
            notifications = recorder.select_notifications(
                start=position, limit=batch_size or self.batch_size, stop=top,
                inclusive_of_start=False)
            if not notifications:
                break
            self._apply(notifications, publish)
            position = notifications[-1].id
            if progress:
                progress(position, top)
            time.sleep(0)  # in a gevent server, a process taking over catches up between requests
        return position

    def rebuild(self, progress: Progress | None = None, upto: int | None = None) -> int:
        """Drop every view and build it again from the whole log (or its first `upto` positions).

        Secondary indexes are left out while the rows go in and built once at the end,
        which is much cheaper than keeping them up to date row by row.
        """
        self.reset()
        indexes = [i for p in self.projections for t in p.tables for i in t.indexes]
        for index in indexes:
            index.drop(self.engine)
        collecting = gc.isenabled()
        gc.disable()  # a rebuild makes millions of short-lived objects and no cycles worth it
        try:
            # Nobody follows the views while they are rebuilt: nothing to tell anyone.
            return self.catch_up(progress, batch_size=max(self.batch_size, 5000), publish=False,
                                 upto=upto)
        finally:
            if collecting:
                gc.enable()
            for index in indexes:
                index.create(self.engine)

    def reset(self) -> None:
        """Drop this runner's views and forget their positions (they start again from #1).

        The hash chain stays: it is the record of what the log held as it grew."""
        with self._applying:
            tables = [t for p in self.projections for t in p.tables]
            metadata.drop_all(self.engine, tables=tables)
            metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                conn.execute(delete(view_tracking).where(
                    view_tracking.c.projection.in_([p.name for p in self.projections])))
            self.positions = {}
            for projection in self.projections:
                projection.forget()

    def _apply(self, notifications: Sequence[Any], publish: bool = True) -> None:
        with self._applying:
            if not notifications or notifications[-1].id <= self._behind:
                return
            if notifications[-1].id > self.chain.position:
                self.chain.extend(notifications)
            reached = self.position  # a property: worked out once, not once per event
            fresh = notifications if notifications[0].id > reached else [
                n for n in notifications if n.id > reached]
            if not fresh:
                return
            to_event = self.app.mapper.to_domain_event
            events: list[Positioned] = [(to_event(n), n.id) for n in fresh]
            process_batches(self.engine, self.projections, self.positions, events)
            if publish and self.publisher is not None:
                # After the commit, in log order (one batch at a time): a raise here makes the
                # follower start again from the database and send again from the publisher's head.
                self.publisher.publish([(event, n) for (event, _), n in zip(events, fresh, strict=True)])
        for listener in self._listeners:
            listener(events[-1][1])

    # ---- following the log -----------------------------------------------------------------

    def forget(self) -> None:
        """Drop what the projections keep in memory: the database is the truth (after another
        process has followed the log, this one's rows and positions are out of date)."""
        with self._applying:
            for projection in self.projections:
                projection.forget()
            self.positions = {}

    def start(self) -> None:
        """Catch up, then follow new events in a background thread until `stop()`."""
        self._stop.clear()
        self.error = None
        self.prepare()
        self._republish()
        position = self.catch_up()
        inbox: queue.Queue[Any] = queue.Queue()
        self._subscription = self.app.recorder.subscribe(gt=position)
        self._threads = [
            threading.Thread(target=self._receive, args=(inbox,), name="projections-receive",
                             daemon=True),
            threading.Thread(target=self._process, args=(inbox,), name="projections-apply",
                             daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _republish(self) -> None:
        """A follower that died between committing a batch and publishing it left the batch
        unsent: send again what the views hold beyond what the publisher last sent (listeners
        skip positions they have seen, so sending twice is harmless)."""
        head = self.publisher.head() if self.publisher is not None else None
        if head is None:
            return
        with self._applying:
            done = min(self.load_positions().values(), default=0)
            if not head < done <= head + REPUBLISH_LIMIT:
                return
            recorder, to_event = self.app.recorder, self.app.mapper.to_domain_event
            position = head
            while position < done:
                page = recorder.select_notifications(start=position, limit=self.batch_size,
                                                     stop=done, inclusive_of_start=False)
                if not page:
                    break
                self.publisher.publish([(to_event(n), n) for n in page])  # type: ignore[union-attr]
                position = page[-1].id
        log.warning("sent again the changes #%s–#%s the last follower may not have published",
                    head + 1, done)

    def _receive(self, inbox: queue.Queue[Any]) -> None:
        try:
            # As a context manager the subscription joins its reading thread when it stops,
            # so nothing reads the store after stop() returns (closing it then is safe).
            with self._subscription:
                for notification in self._subscription:
                    inbox.put(notification)
        except BaseException as error:
            self.error = error
            log.exception("projection subscription failed")
        finally:
            inbox.put(None)

    def _process(self, inbox: queue.Queue[Any]) -> None:
        while not self._stop.is_set():
            first = inbox.get()
            if first is None:
                return
            batch = [first]
            # Let a few more arrive: each batch costs about a millisecond however small it is,
            # and in a gevent server that millisecond is taken from every open socket.
            self._stop.wait(self.gather_seconds)
            while len(batch) < self.batch_size:
                try:
                    item = inbox.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._stop.set()
                    break
                batch.append(item)
            try:
                self._apply(batch)
            except BaseException as error:
                self.error = error
                log.exception("projection failed at #%s", batch[0].id)
                self._stop.set()

    def wait(self, position: int | None, timeout: float = 5.0) -> None:
        """Block until every projection and the chain have processed `position` (or raise TimeoutError)."""
        if position is None:
            return
        self.chain.wait(position, timeout=timeout, interrupt=self._stop)
        for projection in self.projections:
            projection.view.wait(projection.application_name, position, timeout=timeout,
                                 interrupt=self._stop)
        if self.error is not None:
            raise self.error

    def stop(self, for_good: bool = True) -> None:
        """Stop following. `for_good=False` (handing the log to another process): waits go on
        polling for what that process projects, instead of being interrupted."""
        self._stop.set()
        if self._subscription is not None:
            self._subscription.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads, self._subscription = [], None
        if not for_good:
            self._stop.clear()
