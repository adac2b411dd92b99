"""The one follower of a store's log: the process that holds the follower lock runs the projections,
extends the hash chain and keeps its verification current; every other process only reads them.

A process that starts while another holds the lock stands by: it serves (pages read the views,
commands append events, read-your-writes polls the views the holder writes) and tries for the
lock every `retry_seconds`. When the holder dies the lock goes with it, and the first process to
take it forgets what it kept in memory, reloads the positions, catches up and follows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from adapters.chain_watch import ChainWatch
from adapters.follower_lock import FollowerLock
from projections.runner import ProjectionRunner

log = logging.getLogger(__name__)


class Follower:
    retry_seconds = 0.5  # how often a process standing by tries for the lock
    check_seconds = 2.0  # how often the holder makes sure it still holds it

    def __init__(self, runner: ProjectionRunner, lock: FollowerLock,
                 watch: ChainWatch | None = None) -> None:
        self.runner, self.lock, self.watch = runner, lock, watch
        self.leading = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_problem = ""
        # Taking over, stepping down and a one-off job take turns: a job must never release the
        # lock that a take-over in the background has just acquired.
        self._turn = threading.RLock()

    def start(self, standby: bool = True) -> bool:
        """Follow the log if no other process does; else (with `standby`) wait to take over.
        Returns whether this process follows now."""
        self._stop.clear()
        self._lead()
        if (self.leading or standby) and self._thread is None:
            self._thread = threading.Thread(target=self._keep, name="log-follower", daemon=True)
            self._thread.start()
        return self.leading

    def stop(self) -> None:
        """Stop following (or standing by) and let another process take the log."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._step_down()
        self.lock.close()

    @contextmanager
    def exclusively(self) -> Iterator[bool]:
        """For a one-off job (loading the demo, a rebuild, chaining for a digest): hold the lock
        while it runs if it is free. Yields whether this process holds it."""
        with self._turn:
            if self.leading:
                yield True
                return
            got = self.lock.try_acquire()
            try:
                yield got
            finally:
                if got:
                    self.lock.release()

    def _lead(self) -> bool:
        with self._turn:
            return self._take_over()

    def _take_over(self) -> bool:
        if self.leading or not self.lock.try_acquire():
            return self.leading
        try:
            # Another process may have followed the log since this one last did: its rows
            # and positions are the truth, whatever this process still remembers.
            self.runner.forget()
            self.runner.start()
        except BaseException:
            self.runner.stop(for_good=False)
            self.runner.error = None  # reported; waits poll the next follower's views instead
            self.lock.release()
            raise
        if self.watch is not None:
            self.watch.start()
        self.leading = True
        return True

    def _step_down(self) -> None:
        with self._turn:
            if not self.leading:
                return
            self.leading = False
            if self.watch is not None:
                self.watch.stop()
            self.runner.stop(for_good=False)
            self.runner.error = None  # reported; waits poll the next follower's views instead
            self.lock.release()

    def _keep(self) -> None:
        """Standing by: try for the lock. Following: check it is still ours, and start again from
        the database when a batch failed (the views stay as they were; nothing is half applied)."""
        while not self._stop.wait(self.check_seconds if self.leading else self.retry_seconds):
            try:
                if self.leading and not self.lock.held():
                    self._once("lost the follower lock: another process may follow the log now")
                    self._step_down()
                elif self.leading and self.runner.error is not None:
                    self._once(f"following the log failed ({self.runner.error}); "
                               "starting again from the database")
                    self._step_down()
                    self._lead()
                elif not self.leading and self._lead():
                    log.warning("took over following the log at #%s", self.runner.position)
            except Exception as error:
                self._once(f"could not follow the log: {error}")

    def _once(self, message: str) -> None:
        """One line in the operator's log per problem, not one per retry."""
        if message != self._last_problem:
            self._last_problem = message
            log.error(message)
