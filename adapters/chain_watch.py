"""The chain watch: in the follower, keeps the audit page's "verified up to #N" current.

Two duties, both a small range of positions at a time (adapters/audit_verify.check_range):
- the tail: every batch the follower chains is re-read from the store and checked against its
  new links at once, so the banner's position follows the log;
- the pass: the whole log is re-checked in the background, starting `period` seconds after the
  last full check, paced to take about a quarter of that, so that an old event changed in the
  store is found within about `period` seconds.
Between ranges the watch sleeps: under gevent a thread is a greenlet, and the sleep lets every
other greenlet (every open socket) run, so no range holds the server's loop for more than a few
milliseconds. Results go to the chain's tables, which every process's audit page reads.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from adapters.audit_verify import Problem, check_range, open_store
from projections.chain import ChainFollower, chain_head, latest_verification, record_verification
from projections.verification import PASS, TAIL, WatchRow, clear_watch, save_watch, watch_row

log = logging.getLogger(__name__)


class ChainWatch:
    chunk = 200  # positions per range: a few milliseconds of reading and hashing (measured 1–3 ms)
    tail_pause = 0.002  # between ranges of the tail: enough to let the loop run
    gather_seconds = 0.25  # once woken by a chained batch: under load, one check for several
    retry_seconds = 5.0  # after a database error, before trying again

    def __init__(self, app: Any, engine: Engine, chain: ChainFollower, period: float = 3600.0) -> None:
        self.app, self.engine, self.period = app, engine, period
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._tail: WatchRow | None = None
        self._pass: WatchRow | None = None
        self._pass_target = 0
        self._reported: set[str] = set()
        chain.add_listener(lambda _head: self._wake.set())

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._wake.set()
        self._thread = threading.Thread(target=self._run, name="chain-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def _run(self) -> None:
        try:
            store = open_store(self.app)
        except Exception:
            log.exception("the chain watch could not open the event store")
            return
        try:
            with self.engine.connect() as conn:
                self._tail = watch_row(conn, TAIL) or self._first_tail(conn)
                self._pass = watch_row(conn, PASS)
                self._pass_target = (chain_head(conn) or (0, ""))[0]
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    pause = self.step(store)
                except Exception as error:
                    self._report(f"the chain watch paused after an error: {error}")
                    pause = self.retry_seconds
                if pause is None:
                    if self._wake.wait(self._idle_seconds()):
                        self._stop.wait(self.gather_seconds)  # check a few batches at once
                else:
                    self._stop.wait(pause)
        finally:
            store.close()

    def step(self, store: Any) -> float | None:
        """One range of work; how long to rest after it (None: nothing to do until woken)."""
        with self.engine.connect() as conn:
            head = (chain_head(conn) or (0, ""))[0]
            latest = latest_verification(conn)
        tail = self._tail or WatchRow(TAIL, 0, datetime.now(UTC))
        if tail.position < head:
            self._check_tail(store, tail)
            return self.tail_pause
        if self._pass is None and self._pass_due(latest):
            now = datetime.now(UTC)
            self._pass, self._pass_target = WatchRow(PASS, 0, now, started_at=now), head
        if self._pass is not None:
            self._check_pass(store, self._pass)
            return min(1.0, max(0.01, self.period / 4 / max(1, self._pass_target / self.chunk)))
        return None

    def _check_tail(self, store: Any, tail: WatchRow) -> None:
        result = check_range(store, self.engine, tail.position, self.chunk)
        now = datetime.now(UTC)
        problem, problem_at = tail.problem, tail.problem_at
        if result.problem is not None:
            problem, problem_at = str(result.problem), now
            self._report_problem(result.problem)
        self._tail = WatchRow(TAIL, result.end, now, None, problem, problem_at)
        with self.engine.begin() as conn:
            save_watch(conn, self._tail)

    def _check_pass(self, store: Any, running: WatchRow) -> None:
        result = check_range(store, self.engine, running.position, self.chunk)
        done = result.problem is not None or result.events == 0 or result.end >= self._pass_target
        with self.engine.begin() as conn:
            if done:
                problem = result.problem
                up_to = problem.position if problem else max(running.position, result.end)
                record_verification(conn, problem is None, up_to, str(problem) if problem else None)
                clear_watch(conn, PASS)
                self._pass = None
            else:
                self._pass = replace(running, position=result.end, checked_at=datetime.now(UTC))
                save_watch(conn, self._pass)
        if result.problem is not None:
            self._report_problem(result.problem)

    def _first_tail(self, conn: Any) -> WatchRow | None:
        """Where the tail begins without a row of its own: after the last full check that held."""
        latest = latest_verification(conn)
        if latest is not None and latest[0]:
            return WatchRow(TAIL, latest[1], latest[2])
        return None

    def _pass_due(self, latest: tuple[bool, int, datetime, str | None] | None) -> bool:
        return latest is None or self._seconds_since(latest[2]) >= self.period

    def _idle_seconds(self) -> float:
        with self.engine.connect() as conn:
            latest = latest_verification(conn)
        if latest is None:
            return 0.05
        return min(60.0, max(0.05, self.period - self._seconds_since(latest[2])))

    @staticmethod
    def _seconds_since(moment: datetime) -> float:
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite keeps UTC, naive
        return (datetime.now(UTC) - moment).total_seconds()

    def _report_problem(self, problem: Problem) -> None:
        self._report(f"the stored history is broken at #{problem.position}: {problem.kind} "
                     f"({problem.detail}); run `samverkan audit verify`")

    def _report(self, message: str) -> None:
        """One line per problem in the operator's log, not one per check that finds it again."""
        if message not in self._reported:
            self._reported.add(message)
            log.error(message)
