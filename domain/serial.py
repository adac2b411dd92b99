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
from contextlib import contextmanager
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


class AggregateLocks:
    """One FairLock per aggregate id while anyone holds or waits for it (then forgotten)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._locks: dict[Any, tuple[FairLock, int]] = {}

    @contextmanager
    def hold(self, key: Any, deadline: float) -> Iterator[bool]:
        """Yields whether the turn came before `deadline` (time.monotonic())."""
        with self._mutex:
            lock, users = self._locks.get(key) or (FairLock(), 0)
            self._locks[key] = (lock, users + 1)
        acquired = lock.acquire(deadline - time.monotonic())
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()
            with self._mutex:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)


def backoff(attempt: int) -> float:
    """Seconds to wait after losing the `attempt`-th race to another process (full jitter)."""
    return random.uniform(0, min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** attempt))  # nosec B311
