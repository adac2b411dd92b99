"""Group commit for the SQLite event store: the commands waiting to be written share one
transaction and one disk sync, and the sync runs off the gevent loop.

A disk sync takes a millisecond or two, and now and then 50–100 ms. Made on the server's one OS
thread, each of those stalled every socket; made once per command, they capped the commands a
store takes per second at the syncs a disk makes. So a command hands its writes to the
committer and waits: if no commit is under way it leads one at once, else the commands that
arrive meanwhile are written together in the next transaction. Each command's writes run in a
savepoint of their own, so one that fails (a version conflict: IntegrityError, for the
application to retry) is rolled back alone and every other command in the batch is stored;
each caller gets its own result or error. Under gevent the transaction runs in gevent's pool of
native threads (sqlite3 releases the GIL while it writes and syncs), and the greenlet waits
cooperatively; without gevent the leading thread itself writes.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing import persistence
from eventsourcing.sqlite import SQLiteCursor

log = logging.getLogger(__name__)

#: A sync slower than this is counted: the benchmarks report how often the disk stalls.
SLOW_SYNC_SECONDS = 0.05

_ERRORS: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (sqlite3.IntegrityError, persistence.IntegrityError),
    (sqlite3.OperationalError, persistence.OperationalError),
    (sqlite3.ProgrammingError, persistence.ProgrammingError),
    (sqlite3.DatabaseError, persistence.DatabaseError),
    (sqlite3.Error, persistence.PersistenceError),
)


@dataclass
class CommitStats:
    """What this process's committers have done (read by the benchmarks)."""

    commits: int = 0
    commands: int = 0
    slow_syncs: int = 0  # syncs that took longer than SLOW_SYNC_SECONDS
    slowest_sync_ms: float = 0.0


STATS = CommitStats()


def commit_stats() -> CommitStats:
    """A copy of the counters so far."""
    return CommitStats(**vars(STATS))


def translated(error: Exception) -> Exception:
    """sqlite3's error as eventsourcing's (the application retries on its IntegrityError)."""
    for raw, ours in _ERRORS:
        if isinstance(error, raw):
            return ours(error)
    return error


class _Job:
    __slots__ = ("done", "error", "turn", "value", "work")

    def __init__(self, work: Callable[[SQLiteCursor], Any]) -> None:
        self.work = work
        self.turn = threading.Event()  # set when the result is in, or when this job is to lead
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class GroupCommitter:
    """Writes to one SQLite datastore, batched as described above."""

    def __init__(self, datastore: Any) -> None:
        self.datastore = datastore
        self._mutex = threading.Lock()
        self._waiting: list[_Job] = []
        self._committing = False

    def write(self, work: Callable[[SQLiteCursor], Any]) -> Any:
        """Run `work(cursor)` in the next transaction and return its result once committed."""
        job = _Job(work)
        with self._mutex:
            self._waiting.append(job)
            leading = not self._committing
            self._committing = True
        if not leading:
            job.turn.wait()
        if not job.done:  # no commit was under way, or the last leader handed over to us
            self._lead()
        return job.outcome()

    def _lead(self) -> None:
        with self._mutex:
            batch, self._waiting = self._waiting, []
        try:
            with self.datastore.get_connection(commit=True) as conn:
                # The pool's connection wraps the sqlite3 one, which the native thread uses.
                took = _offload(self._commit, conn._sqlite_conn, batch)
            if took > SLOW_SYNC_SECONDS:  # logged here, on the caller's side of the loop
                log.warning("slow sync: %.0f ms for %d commands", took * 1000, len(batch))
        except BaseException as error:  # nothing of the batch was stored
            for job in batch:
                if not job.done:
                    job.done, job.error = True, translated(error) if isinstance(
                        error, Exception) else error
            if not isinstance(error, Exception):
                raise
        finally:
            with self._mutex:
                after = self._waiting[0] if self._waiting else None
                self._committing = after is not None
            for job in batch:
                job.turn.set()
            if after is not None:
                after.turn.set()  # its job is not done: it leads the next commit

    @staticmethod
    def _commit(conn: sqlite3.Connection, batch: list[_Job]) -> float:
        """Write the batch in one transaction; the seconds its COMMIT (the sync) took."""
        cursor = SQLiteCursor(conn.cursor())
        # A deferred BEGIN, as eventsourcing's own transactions: the first statement is a write,
        # which takes the write lock through the busy handler. (BEGIN IMMEDIATE, tried first,
        # now and then held another store's writer up past the lock timeout: "database is
        # locked" in tests/integration/test_contention.py's two-process case.)
        conn.execute("BEGIN")
        try:
            for job in batch:
                conn.execute("SAVEPOINT command")
                try:
                    job.value = job.work(cursor)
                except Exception as error:
                    conn.execute("ROLLBACK TO command")
                    job.error = translated(error)
                conn.execute("RELEASE command")
            started = time.perf_counter()
            conn.execute("COMMIT")
            took = time.perf_counter() - started
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        for job in batch:
            job.done = True
        STATS.commits += 1
        STATS.commands += len(batch)
        if took > SLOW_SYNC_SECONDS:
            STATS.slow_syncs += 1
        STATS.slowest_sync_ms = max(STATS.slowest_sync_ms, round(took * 1000, 1))
        return took


def _offload(function: Callable[..., Any], *args: Any) -> Any:
    """Run `function` off the gevent loop when threading is gevent's; else right here."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        import gevent

        return gevent.get_hub().threadpool.apply(function, args)
    return function(*args)


_lock = threading.Lock()


def committer_for(datastore: Any) -> GroupCommitter:
    """The datastore's committer (its recorders of events and of snapshots share it)."""
    with _lock:
        committer = getattr(datastore, "samverkan_committer", None)
        if committer is None:
            committer = datastore.samverkan_committer = GroupCommitter(datastore)
        return committer
