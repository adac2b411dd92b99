"""Reads of the SQLite event store without the connection pool's ceremony.

Every command reads twice (the aggregate's and its plan's events since the cached versions,
usually none), and eventsourcing's pool spends about 80 µs on each such read — semaphore,
reader-writer locks, BEGIN, ROLLBACK — against 7 µs for the SELECT itself. In WAL mode one
statement is already its own consistent read, and every read here is one statement or reads
rows that never change once committed (a command's row and its events are stored together), so
the recorder reads on connections of its own, taken from a free list (no lock: popping and
appending are atomic for threads and greenlets alike) and given back after the statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.sqlite import SQLiteCursor

from adapters.group_commit import translated


class LightReads:
    """Wraps a recorder's SQLite datastore: reads go to light connections, the rest as before."""

    def __init__(self, datastore: Any) -> None:
        self._datastore = datastore
        self._free: list[sqlite3.Connection] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._datastore, name)

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        if commit:
            with self._datastore.transaction(commit=True) as cursor:
                yield cursor
            return
        try:
            conn = self._free.pop()
        except IndexError:
            conn = self._connect()
        try:
            yield SQLiteCursor(conn.cursor())
        except sqlite3.Error as error:
            raise translated(error) from error
        finally:
            if conn.in_transaction:  # a caller that began one (none here does) ends it
                conn.rollback()
            self._free.append(conn)

    def _connect(self) -> sqlite3.Connection:
        pool = self._datastore.pool
        conn = sqlite3.connect(pool.db_name, uri=True, check_same_thread=False,
                               isolation_level=None, cached_statements=True,
                               timeout=pool.lock_timeout or 5)
        conn.row_factory = sqlite3.Row
        return conn

    def close(self) -> None:
        while self._free:
            self._free.pop().close()
        self._datastore.close()
