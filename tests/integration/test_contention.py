"""No command on a different field fails because others are saving at the same time.

Many threads edit different fields of one budget at once: in one process they take turns
(a fair lock per aggregate), and two application instances on one SQLite file (as two
processes would be) race and retry with back-off. Every command is stored, none answers
`conflict` or `busy`. Runs on the in-memory store, SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from uuid import uuid4

from adapters.bootstrap import System, bootstrap
from domain.budgets import Budget
from domain.context import acting_as
from domain.serial import AggregateLocks, FairLock
from domain.usecases import Samverkan
from tests.integration.scenario import plan_a_budget
from tests.stores import store_settings

THREADS, EDITS = 12, 15


def _hammer(apps: list[Samverkan], ids: dict[str, str], lines: list[str]) -> list[Any]:
    """THREADS threads, each editing its own field EDITS times; what each command came to."""
    outcomes: list[Any] = []
    start = threading.Barrier(THREADS)

    def edit(n: int) -> None:
        app, line, year = apps[n % len(apps)], lines[n % len(lines)], 2027 + n // len(lines)
        start.wait()
        for i in range(EDITS):
            try:
                with acting_as(ids["person"], ids["kommun"], str(uuid4())):
                    outcomes.append(app.change_amount(ids["budget"], line, year, 1_000 * n + i + 1))
            except Exception as error:  # what is being tested: none may fail
                outcomes.append(error)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _lines(app: Samverkan, ids: dict[str, str]) -> list[str]:
    with acting_as(ids["person"], ids["kommun"]):
        return [app.add_line(ids["budget"], f"Rad {i}").entity_id for i in range(4)]


def _versions(app: Samverkan, ids: dict[str, str], lines: list[str]) -> list[int]:
    budget = app.load(Budget, ids["budget"])
    return [budget.lines[lines[n % len(lines)]]["amounts"][str(2027 + n // len(lines))]["version"]
            for n in range(THREADS)]


def _check(app: Samverkan, ids: dict[str, str], lines: list[str], outcomes: list[Any],
           before: list[int]) -> None:
    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert failures == [] and len(outcomes) == THREADS * EDITS
    budget = app.load(Budget, ids["budget"])
    for n in range(THREADS):  # each field holds its thread's last edit, one version per edit
        field = budget.lines[lines[n % len(lines)]]["amounts"][str(2027 + n // len(lines))]
        assert (field["value"], field["version"]) == (1_000 * n + EDITS, before[n] + EDITS)


def test_threads_editing_different_fields_in_memory_never_fail() -> None:
    app = Samverkan(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    ids = plan_a_budget(app, edits=0)
    lines = _lines(app, ids)
    before = _versions(app, ids, lines)
    _check(app, ids, lines, _hammer([app], ids, lines), before)


def test_threads_editing_different_fields_in_a_store_never_fail(system: System) -> None:
    ids = plan_a_budget(system.app, edits=0)
    lines = _lines(system.app, ids)
    before = _versions(system.app, ids, lines)
    _check(system.app, ids, lines, _hammer([system.app], ids, lines), before)


def test_two_processes_editing_different_fields_of_one_budget_never_fail(tmp_path: Path) -> None:
    """Two application instances on one store do not share a lock: their races are lost at the
    store and retried with back-off until each command is saved."""
    settings = store_settings(tmp_path / "var")
    first, second = bootstrap(settings), bootstrap(settings)
    try:
        ids = plan_a_budget(first.app, edits=0)
        lines = _lines(first.app, ids)
        before = _versions(first.app, ids, lines)
        outcomes = _hammer([first.app, second.app], ids, lines)
        _check(second.app, ids, lines, outcomes, before)
    finally:
        first.close()
        second.close()


# ---- the lock itself ------------------------------------------------------------------------


def test_a_fair_lock_hands_over_in_the_order_writers_came() -> None:
    lock = FairLock()
    assert lock.acquire(1)
    order: list[int] = []
    threads = []
    for n in range(5):
        thread = threading.Thread(target=lambda n=n: (lock.acquire(5), order.append(n),
                                                      lock.release()))
        threads.append(thread)
        thread.start()
        while len(lock._waiters) < n + 1:  # each in line before the next comes
            threading.Event().wait(0.001)
    lock.release()
    for thread in threads:
        thread.join(timeout=5)
    assert order == [0, 1, 2, 3, 4]


def test_a_turn_that_does_not_come_before_the_deadline_is_given_up() -> None:
    import time

    locks = AggregateLocks()
    with locks.hold("a", time.monotonic() + 1) as mine:
        assert mine
        with locks.hold("a", time.monotonic() + 0.05) as theirs:
            assert not theirs
        with locks.hold("b", time.monotonic() + 0.05) as other:
            assert other  # another aggregate does not wait
    assert locks._locks == {}  # nothing kept once nobody holds or waits
