"""Group commit for the SQLite event store: the commands waiting to be written share one
transaction and one disk sync, and the sync runs off the gevent loop.

A disk sync takes a millisecond or two, and now and then 50–100 ms. Made on the server's one OS
thread, each of those stalled every socket; made once per command, they capped the commands a
store takes per second at the syncs a disk makes. So a command hands its writes to the
committer and waits: if no commit is under way it leads one at once, else the commands that
arrive meanwhile are written together in the next transaction. Each command's writes run in a
savepoint of their own, so one that fails (a version conflict: IntegrityError, for the
application to retry) is rolled back alone and every other command in the batch is stored;
each caller gets its own result or error.

Under gevent the batch is written on the loop when the write lock is free (it nearly always is:
this process is the store's one writer), and only the COMMIT, where the sync happens, runs in
gevent's pool of native threads while the greenlet waits cooperatively (run there whole, the
batch made that thread wait for the GIL at every statement while the loop was busy). Each
command written is told so before the sync (domain/serial.py's `Pipelined`): its aggregate's
next command may then start and join the next commit, so edits to one budget are no longer
one sync apart. Should a commit fail, the commands waiting for the next one fail with it (they
may have built on what it held). Without gevent the leading thread itself writes and syncs.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing import persistence
from eventsourcing.sqlite import SQLiteCursor

from adapters.offload import off_loop, on_gevent

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
    __slots__ = ("done", "error", "staged", "told", "turn", "value", "work")

    def __init__(self, work: Callable[[SQLiteCursor], Any], staged: Any = None) -> None:
        self.work = work
        self.staged = staged  # told when written but not yet synced (domain/serial.py Pipelined)
        self.told = False
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

    def write(self, work: Callable[[SQLiteCursor], Any], staged: Any = None) -> Any:
        """Run `work(cursor)` in the next transaction and return its result once committed.

        Under gevent, `staged.staged()` is called once the work is written into its batch and
        only the batch's sync is to come; `staged.failed()` if that batch then fails to commit.
        """
        job = _Job(work, staged)
        with self._mutex:
            self._waiting.append(job)
            leading = not self._committing
            self._committing = True
        if staged is not None and on_gevent():
            # Queued in order: the aggregate's next command builds on this one and is written
            # after it. (Between a load and this write nothing yields under gevent, so nothing
            # can build on a state that `_write` has meanwhile found was not stored.)
            job.told = True
            staged.staged()
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
                sqlite_conn = conn._sqlite_conn
                if on_gevent():
                    if not self._begin_at_once(sqlite_conn):  # another process is writing
                        off_loop(sqlite_conn.execute, "BEGIN IMMEDIATE")  # waits for the lock
                    self._write_or_roll_back(sqlite_conn, batch)
                    took = off_loop(self._sync, sqlite_conn, batch)
                else:
                    took = self._commit(sqlite_conn, batch)
            if took > SLOW_SYNC_SECONDS:  # logged here, on the caller's side of the loop
                log.warning("slow sync: %.0f ms for %d commands", took * 1000, len(batch))
        except BaseException as error:  # nothing of the batch was stored
            failed = translated(error) if isinstance(error, Exception) else error
            with self._mutex:
                # Commands waiting for the next commit may have built on this batch's (their
                # aggregates' turns were passed on early): they fail with it.
                if any(job.told for job in batch):
                    batch, self._waiting = batch + self._waiting, []
            for job in batch:
                if not job.done:
                    job.done, job.error = True, failed
                if job.told:
                    job.staged.failed()
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
    def _begin_at_once(conn: sqlite3.Connection) -> bool:
        """Under gevent: take the write lock if it is free this instant (False: it is not).

        Then the batch is written on the loop and only the COMMIT, where the disk sync
        happens, runs in a native thread: the statements before it are quick, and run there
        they made that thread wait for the GIL at each one while the loop was busy (up to the
        5 ms switch interval every time).
        """
        timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        conn.execute("PRAGMA busy_timeout = 0")  # waiting for the lock would stall the loop
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
        return True

    def _write_or_roll_back(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        try:
            self._write(conn, batch)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _commit(self, conn: sqlite3.Connection, batch: list[_Job]) -> float:
        """Write the batch in one transaction; the seconds its COMMIT (the sync) took."""
        # A deferred BEGIN, as eventsourcing's own transactions: the first statement is a write,
        # which takes the write lock through the busy handler. (BEGIN IMMEDIATE with the lock
        # timeout, tried first, now and then held another store's writer up past it: "database
        # is locked" in tests/integration/test_contention.py's two-process case.)
        conn.execute("BEGIN")
        self._write_or_roll_back(conn, batch)
        return self._sync(conn, batch)

    def _write(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        """Each job's writes in a savepoint of its own, in the open transaction. A job that
        built on one that failed (`_Job.told`) is refused, here and in the queue."""
        cursor = SQLiteCursor(conn.cursor())
        failed: set[Any] = set()  # aggregates a pipelined job did not store
        for job in batch:
            if job.told and failed & job.staged.keys:
                job.error = persistence.IntegrityError("built on a change that was not stored")
                job.staged.failed()
                continue
            conn.execute("SAVEPOINT command")
            try:
                job.value = job.work(cursor)
            except Exception as error:
                conn.execute("ROLLBACK TO command")
                job.error = translated(error)
                if job.told:
                    failed |= job.staged.keys
                    job.staged.failed()
            conn.execute("RELEASE command")
        if failed:
            self._refuse_waiting(failed)

    def _refuse_waiting(self, failed: set[Any]) -> None:
        with self._mutex:
            refused = [j for j in self._waiting if j.told and failed & j.staged.keys]
            self._waiting = [j for j in self._waiting if j not in refused]
        for job in refused:
            job.done, job.error = True, persistence.IntegrityError(
                "built on a change that was not stored")
            job.staged.failed()
            job.turn.set()

    @staticmethod
    def _sync(conn: sqlite3.Connection, batch: list[_Job]) -> float:
        """COMMIT the open transaction (the disk sync); the seconds it took."""
        try:
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


_lock = threading.Lock()


def committer_for(datastore: Any) -> GroupCommitter:
    """The datastore's committer (its recorders of events and of snapshots share it)."""
    with _lock:
        committer = getattr(datastore, "samverkan_committer", None)
        if committer is None:
            committer = datastore.samverkan_committer = GroupCommitter(datastore)
        return committer
