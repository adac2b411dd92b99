"""The follower lock: at most one process per store runs the projections and extends the hash chain.

Two processes that both apply events to the same view, tracking and chain rows collide (each
keeps rows in memory between batches, and each refuses the other's positions), so whoever
follows the log holds this lock. SQLite stores use an exclusive `flock` on a file in the data
folder, PostgreSQL a session-level advisory lock on a connection of its own. Either way the lock
goes with its holder: the kernel drops the flock of a process that dies, and PostgreSQL ends the
session of a client whose connection closes, so a process that waits can take over.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from contextlib import suppress
from pathlib import Path
from typing import Any, Protocol


class FollowerLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if it is free (never waits); True if this process holds it now."""

    def held(self) -> bool:
        """Whether this process still holds it (a PostgreSQL session may end under us)."""

    def release(self) -> None:
        """Let another process take it."""

    def close(self) -> None:
        """Release it and give back what it holds open."""


class FileFollowerLock:
    """An exclusive flock on `path`. flock belongs to the open file, not the process, so two
    opens of one lock file exclude each other even inside one process (as two Systems would)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._mutex = threading.Lock()

    def try_acquire(self) -> bool:
        with self._mutex:
            if self._fd is not None:
                return True
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            # For an operator who wonders which process follows: its id, in the file it locks.
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd = fd
            return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        with self._mutex:
            fd, self._fd = self._fd, None
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    def close(self) -> None:
        self.release()


class PostgresFollowerLock:
    """pg_try_advisory_lock on a dedicated autocommit connection, keyed by the store's schema."""

    def __init__(self, connect: dict[str, Any], schema: str) -> None:
        self.connect_args, self.schema = connect, schema
        self.key = advisory_key(schema)
        self._conn: Any = None
        self._held = False
        self._mutex = threading.Lock()

    def try_acquire(self) -> bool:
        import psycopg

        with self._mutex:
            if self._held and self._alive():
                return True
            self._held = False
            try:
                if self._conn is None or self._conn.closed:
                    # Kept open while waiting too: a try every half second needs no new session.
                    self._conn = psycopg.connect(autocommit=True, connect_timeout=5, **self.connect_args)
                row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
            except psycopg.Error:
                self._drop()
                return False
            self._held = bool(row and row[0])
            return self._held

    def held(self) -> bool:
        with self._mutex:
            if self._held and not self._alive():
                self._held = False
            return self._held

    def _alive(self) -> bool:
        import psycopg

        try:
            self._conn.execute("SELECT 1")
            return True
        except (psycopg.Error, AttributeError):
            self._drop()
            return False

    def release(self) -> None:
        import psycopg

        with self._mutex:
            if self._held and self._conn is not None:
                try:
                    self._conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
                except psycopg.Error:
                    self._drop()  # a session that is gone holds nothing
            self._held = False

    def close(self) -> None:
        self.release()
        with self._mutex:
            self._drop()

    def _drop(self) -> None:
        if self._conn is not None:
            with suppress(Exception):
                self._conn.close()
        self._conn, self._held = None, False


class LocalFollowerLock:
    """For stores only this process can see (eventsourcing's in-memory store): always free."""

    def __init__(self) -> None:
        self._held = False

    def try_acquire(self) -> bool:
        self._held = True
        return True

    def held(self) -> bool:
        return self._held

    def release(self) -> None:
        self._held = False

    def close(self) -> None:
        self.release()


def advisory_key(schema: str) -> int:
    """A signed 64-bit key for pg_advisory_lock, one per schema (advisory locks are per database)."""
    digest = hashlib.sha256(f"samverkan log follower:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def follower_lock_for(env: dict[str, str]) -> FollowerLock:
    """The lock for the event store eventsourcing's environment `env` describes."""
    module = env.get("PERSISTENCE_MODULE", "")
    if module == "eventsourcing.postgres":
        connect = {"host": env.get("POSTGRES_HOST", "127.0.0.1"), "port": env.get("POSTGRES_PORT", "5432"),
                   "dbname": env.get("POSTGRES_DBNAME", "postgres"),
                   "user": env.get("POSTGRES_USER", "postgres")}
        if env.get("POSTGRES_PASSWORD"):
            connect["password"] = env["POSTGRES_PASSWORD"]
        return PostgresFollowerLock(connect, env.get("POSTGRES_SCHEMA") or "public")
    if module == "eventsourcing.sqlite":
        name = env.get("SQLITE_DBNAME", "")
        if name and ":memory:" not in name and "mode=memory" not in name:
            return FileFollowerLock(Path(name).resolve().parent / "follower.lock")
    return LocalFollowerLock()
