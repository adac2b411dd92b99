"""Writers of one aggregate take turns within a process; races with other processes back off.

Under `samverkan serve` the standard library's threading is gevent's (monkey-patched), so these
locks and events are cooperative: a command waiting its turn lets the loop serve everyone else.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

#: How long a command may keep trying (waiting its turn, retrying lost races) before it is
#: answered `busy` and the client sends it again with the same command id.
SAVE_DEADLINE = 2.5
BACKOFF_FIRST, BACKOFF_MAX = 0.005, 0.2  # seconds; doubled each lost race, then jittered
#: What a `busy` answer tells the client to wait before sending the command again (seconds).
BUSY_RETRY_AFTER = 0.5


class FairLock:
    """A lock handed to waiters in the order they came (threading.Lock promises no order, so
    one busy writer could starve another for longer than a command's deadline)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(max(0.0, timeout)):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()  # straight to the next in line: still held
            else:
                self._held = False


class Turn:
    """A writer's turn at one aggregate: true while held. `release()` may come early (once the
    command's events are in the store's next commit, see `Pipelined`); releasing is idempotent."""

    def __init__(self, lock: FairLock | None) -> None:
        self.came = lock is not None  # False: not before the deadline
        self._lock = lock  # None once released

    def __bool__(self) -> bool:
        return self._lock is not None

    def release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()


class AggregateLocks:
    """One FairLock per aggregate id while anyone holds or waits for it (then forgotten)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._locks: dict[Any, tuple[FairLock, int]] = {}

    @contextmanager
    def hold(self, key: Any, deadline: float) -> Iterator[Turn]:
        """Yields the turn, held (true) if it came before `deadline` (time.monotonic())."""
        with self._mutex:
            lock, users = self._locks.get(key) or (FairLock(), 0)
            self._locks[key] = (lock, users + 1)
        turn = Turn(lock if lock.acquire(deadline - time.monotonic()) else None)
        try:
            yield turn
        finally:
            turn.release()
            with self._mutex:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)


class Pipelined:
    """Lets the next command of an aggregate start while this one waits for its commit.

    A store that batches commands before each disk sync (adapters/group_commit.py, under
    gevent) calls `staged()` as soon as this command's events are queued for the next commit:
    the saved aggregates go into the application's cache as they are now and the turn passes
    on, so the next command builds on them and is stored in the same commit, right after this
    one, instead of one sync later. Should this command not be stored after all, the store
    calls `failed()` (its aggregates leave the cache, so the next load reads the store) and
    refuses what was built on it with an IntegrityError: that command takes its turn again
    and retries on the stored state, as after a race with another process.
    """

    def __init__(self, turn: Turn, aggregates: dict[Any, Any], cache: Any) -> None:
        self.turn, self.aggregates, self.cache = turn, aggregates, cache

    @property
    def keys(self) -> set[Any]:
        return set(self.aggregates)

    def staged(self) -> None:
        for key, aggregate in self.aggregates.items():
            self.cache.put(key, aggregate)
        self.turn.release()

    def failed(self) -> None:
        for key in self.aggregates:
            with suppress(KeyError):  # not cached (any more)
                self.cache.get(key, evict=True)


#: The turn the current command holds (set around each attempt; greenlet- and thread-local).
current_turn: ContextVar[Turn | None] = ContextVar("current_turn", default=None)


def backoff(attempt: int) -> float:
    """Seconds to wait after losing the `attempt`-th race to another process (full jitter)."""
    return random.uniform(0, min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** attempt))  # nosec B311
