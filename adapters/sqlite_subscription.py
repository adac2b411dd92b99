"""A subscription for eventsourcing's SQLite store, which has none of its own.

Writers in this process wake subscribers right after their transaction commits; a short poll
picks up events written by other processes (the CLI loading the demo while the server runs).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    ApplicationRecorder,
    ListenNotifySubscription,
    Notification,
    StoredEvent,
    Subscription,
)
from eventsourcing.sqlite import SQLiteApplicationRecorder

from adapters.command_log import SQLiteCommandLog
from adapters.group_commit import committer_for
from adapters.sqlite_reads import LightReads

POLL_SECONDS = 0.2


class _Hub:
    """Subscribers to one database file, woken after each commit in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: weakref.WeakSet[threading.Event] = weakref.WeakSet()

    def add(self, waiter: threading.Event) -> None:
        with self._lock:
            self._waiters.add(waiter)

    def discard(self, waiter: threading.Event) -> None:
        with self._lock:
            self._waiters.discard(waiter)

    def wake(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.set()


_hubs: dict[str, _Hub] = {}
_hubs_lock = threading.Lock()


def hub_for(db_name: str) -> _Hub:
    with _hubs_lock:
        return _hubs.setdefault(db_name, _Hub())


class SubscribableSQLiteRecorder(SQLiteCommandLog, SQLiteApplicationRecorder):
    """eventsourcing's SQLite application recorder plus `subscribe()` and the command log."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._uuids: dict[str, UUID | str] = {}
        self._committer = committer_for(self.datastore)
        if not self.datastore.pool.is_sqlite_memory_mode:  # a memory store has one connection
            self.datastore = LightReads(self.datastore)

    #: Takes `staged` (domain/serial.py's Pipelined): told once the events are written into a
    #: batch whose sync is still to come (adapters/group_commit.py).
    pipelines_commands = True

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # Written with whatever other commands are waiting, in one transaction and one sync
        # (adapters/group_commit.py); committed when this returns.
        staged = kwargs.pop("staged", None)
        ids = self._committer.write(lambda c: self._insert_events(c, stored_events, **kwargs),
                                    staged)
        hub_for(self.datastore.pool.db_name).wake()
        return ids

    #: Snapshots come with the events they follow (domain/application.py), stored in the same
    #: transaction: no second transaction and sync of their own.
    records_snapshots = True

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if (snapshots := kwargs.get("snapshots")) is not None:
            recorder, stored = snapshots
            recorder._insert_events(c, stored)
        return ids

    def convert_originator_id(self, originator_id: str) -> UUID | str:
        """Ids come back as hex text; a log holds few aggregates and many events, so reuse
        the UUIDs already made (parsing a UUID costs more than the rest of reading a row)."""
        converted = self._uuids.get(originator_id)
        if converted is None:
            if len(self._uuids) > 100_000:
                self._uuids.clear()
            converted = self._uuids[originator_id] = super().convert_originator_id(originator_id)
        return converted

    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *,
                             inclusive_of_start: bool = True) -> Sequence[Notification]:
        """eventsourcing's query, with each notification made in one step: a rebuild reads every
        row of the log, and the frozen dataclass's __init__ (a guarded setattr per field) and
        sqlite3.Row lookups by name cost several times what the rows' own reading does."""
        where, params = [], []
        if start is not None:
            where.append("rowid>=?" if inclusive_of_start else "rowid>?")
            params.append(start)
        if stop is not None:
            where.append("rowid<=?")
            params.append(stop)
        if topics:
            where.append(f"topic IN ({','.join('?' * len(topics))})")
            params += list(topics)
        statement = ("SELECT rowid, originator_id, originator_version, topic, state FROM "
                     f"{self.events_table_name} {'WHERE ' + ' AND '.join(where) if where else ''}"
                     " ORDER BY rowid LIMIT ?")  # nosec B608: names and placeholders only
        params.append(limit)
        convert, new, cls = self.convert_originator_id, object.__new__, Notification
        notifications = []
        with self.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None  # plain tuples
            cursor.execute(statement, params)
            for rowid, originator_id, version, topic, state in cursor.fetchall():
                notification = new(cls)
                # The dataclass is frozen, not slotted: filling its __dict__ is what __init__
                # would leave there.
                notification.__dict__.update(originator_id=convert(originator_id),
                                             originator_version=version, topic=topic,
                                             state=state, id=rowid)
                notifications.append(notification)
        return notifications

    def select_events_together(self, since: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """Each aggregate's events after its version, in one statement (domain/fresh.py)."""
        one = (f"SELECT originator_id, originator_version, topic, state FROM "  # nosec B608
               f"{self.events_table_name} WHERE originator_id = ? AND originator_version > ?")
        statement = " UNION ALL ".join([one] * len(since)) + " ORDER BY 1, 2"
        params = [value for key, version in since for value in (key.hex, version)]
        convert = self.convert_originator_id
        with self.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None
            cursor.execute(statement, params)
            return [StoredEvent(originator_id=convert(originator_id), originator_version=version,
                                topic=topic, state=state)
                    for originator_id, version, topic, state in cursor.fetchall()]

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        return SQLiteSubscription(self, gt=gt, topics=topics)


class SQLiteSubscription(ListenNotifySubscription[SubscribableSQLiteRecorder]):
    def __init__(self, recorder: SubscribableSQLiteRecorder, gt: int | None = None,
                 topics: Sequence[str] = ()) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._hub = hub_for(recorder.datastore.pool.db_name)
        self._hub.add(self._has_been_notified)
        self._has_been_notified.set()  # a commit may have happened before we joined the hub

    def stop(self) -> None:
        super().stop()
        self._hub.discard(self._has_been_notified)

    def _loop_on_pull(self) -> None:
        try:
            self._pull()
            while not self._has_been_stopped:
                self._has_been_notified.wait(timeout=POLL_SECONDS)
                self._pull()
        except BaseException as error:  # surfaced to the iterating thread, as in the base class
            if self._thread_error is None:
                self._thread_error = error
            self.stop()
