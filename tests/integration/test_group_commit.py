"""Commands waiting to be written share one transaction and one sync; each keeps its own outcome.

adapters/group_commit.py: while a commit is under way, the commands that arrive wait and are
then written together; a command that fails (a version conflict) is rolled back alone. Under
gevent the transaction runs in a native thread, so the loop serves everyone meanwhile.
"""

from __future__ import annotations

import os
import subprocess  # nosec B404
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError
from eventsourcing.sqlite import SQLiteDatastore

from adapters import group_commit
from adapters.bootstrap import bootstrap
from adapters.group_commit import GroupCommitter, commit_stats
from adapters.settings import Settings
from domain.budgets import Budget
from domain.context import acting_as
from tests.integration.scenario import plan_a_budget
from tests.stores import store_settings

GROUP_COMMIT = pytest.mark.sqlite_only(reason="the group commit is how SQLite stores share a sync")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> Any:
    datastore = SQLiteDatastore(str(tmp_path / "store.sqlite"), lock_timeout=10)
    with datastore.transaction(commit=True) as c:
        c.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, who TEXT)")
    yield datastore
    datastore.close()


def _insert(row_id: int, who: str) -> Any:
    def work(c: Any) -> str:
        c.execute("INSERT INTO rows (id, who) VALUES (?, ?)", (row_id, who))
        return who
    return work


def _rows(datastore: Any) -> dict[int, str]:
    with datastore.transaction(commit=False) as c:
        c.execute("SELECT id, who FROM rows")
        return {r["id"]: r["who"] for r in c.fetchall()}


@GROUP_COMMIT
def test_commands_that_wait_for_a_commit_are_written_together_in_one_transaction(store: Any) -> None:
    committer, inside, release = GroupCommitter(store), threading.Event(), threading.Event()

    def slow_first(c: Any) -> str:
        inside.set()
        release.wait(5)  # the commit under way, while the others arrive
        return _insert(0, "first")(c)

    results: dict[int, Any] = {}
    first = threading.Thread(target=lambda: results.setdefault(0, committer.write(slow_first)))
    first.start()
    assert inside.wait(5)
    before = commit_stats()
    others = [threading.Thread(target=lambda n=n: results.setdefault(
        n, committer.write(_insert(n, f"writer {n}")))) for n in range(1, 9)]
    for thread in others:
        thread.start()
    while len(committer._waiting) < 8:  # every one of them waits for the first commit
        threading.Event().wait(0.005)
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    after = commit_stats()
    assert results == {0: "first", **{n: f"writer {n}" for n in range(1, 9)}}
    assert _rows(store) == results
    assert after.commits - before.commits == 2  # the first, then all eight waiting ones at once
    assert after.commands - before.commands == 9


@GROUP_COMMIT
def test_a_command_that_conflicts_fails_alone_and_the_rest_of_its_batch_is_stored(store: Any) -> None:
    committer = GroupCommitter(store)
    committer.write(_insert(1, "earlier"))
    outcomes: list[Any] = []
    batch = [group_commit._Job(w) for w in (_insert(2, "a"), _insert(1, "clash"), _insert(3, "b"))]
    with store.get_connection(commit=True) as conn:
        committer._commit(conn._sqlite_conn, batch)
    for job in batch:
        try:
            outcomes.append(job.outcome())
        except IntegrityError as error:
            outcomes.append(type(error))
    assert outcomes == ["a", IntegrityError, "b"]
    assert _rows(store) == {1: "earlier", 2: "a", 3: "b"}


@GROUP_COMMIT
def test_a_sync_slower_than_the_threshold_is_counted(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    committer = GroupCommitter(store)
    committer.write(_insert(1, "quick"))
    before = commit_stats().slow_syncs
    monkeypatch.setattr(group_commit, "SLOW_SYNC_SECONDS", -1.0)  # every sync is "slow" now
    committer.write(_insert(2, "slow"))
    assert commit_stats().slow_syncs == before + 1


def test_concurrent_commands_are_each_stored_with_their_own_receipt(tmp_path: Path) -> None:
    system = bootstrap(store_settings(tmp_path / "var"))
    ids = plan_a_budget(system.app)
    budgets = [ids["budget"]]
    with acting_as(ids["person"], ids["kommun"]):
        budgets += [system.app.create_budget(ids["plan"], f"B{n}").aggregate_id for n in range(5)]
    start, receipts = threading.Barrier(len(budgets)), []

    def edit(budget: Any) -> None:
        start.wait()
        with acting_as(ids["person"], ids["kommun"]):
            line = system.app.add_line(budget, "Rad", "Drift").entity_id
            for i in range(10):
                receipts.append(system.app.change_amount(budget, line, 2027, 100 + i))

    threads = [threading.Thread(target=edit, args=(b,)) for b in budgets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    positions = [p for r in receipts for p in r.positions]
    assert len(receipts) == 10 * len(budgets)
    assert len(set(positions)) == len(positions)  # every command its own log positions
    fresh = bootstrap(store_settings(tmp_path / "var"))
    assert all(fresh.app.load(Budget, b).version == 12 for b in budgets[1:])
    fresh.close()
    system.close()


def test_a_snapshot_is_stored_with_the_events_that_reach_its_interval(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    system = bootstrap(settings)
    ids = plan_a_budget(system.app)

    def own_transaction(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a snapshot took a transaction (and a sync) of its own")

    monkeypatch.setattr(system.app.snapshots.recorder, "insert_events", own_transaction)
    with acting_as(ids["person"], ids["kommun"]):
        while (version := system.app.load(Budget, ids["budget"]).version) < 120:
            system.app.change_amount(ids["budget"], ids["rent"], 2027, version)
    snapshots = list(system.app.snapshots.get(UUID(ids["budget"])))
    assert [s.originator_version for s in snapshots] == [100]
    fresh = bootstrap(settings)
    from_snapshot = fresh.app.load(Budget, ids["budget"])
    assert from_snapshot.version == 120
    assert vars(from_snapshot) == vars(system.app.load(Budget, ids["budget"]))
    fresh.close()
    system.close()


@GROUP_COMMIT
def test_under_gevent_the_sync_runs_off_the_loop_while_the_loop_serves_others(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        from gevent import monkey; monkey.patch_all()
        import gevent, threading, time
        from eventsourcing.sqlite import SQLiteDatastore
        from adapters.group_commit import GroupCommitter
        native_sleep = monkey.get_original("time", "sleep")
        store = SQLiteDatastore({str(tmp_path / "g.sqlite")!r}, lock_timeout=10)
        with store.transaction(commit=True) as c:
            c.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY)")
        loop_thread, wrote, synced, ticks = threading.get_native_id(), [], [], []
        sync = GroupCommitter._sync
        def slow_sync(conn, batch):
            synced.append(threading.get_native_id())
            native_sleep(0.3)  # a slow disk sync, in C as far as the loop can tell
            return sync(conn, batch)
        GroupCommitter._sync = staticmethod(slow_sync)
        def work(c):
            wrote.append(threading.get_native_id())
            c.execute("INSERT INTO rows VALUES (1)")
        def tick():
            while True:
                ticks.append(1); gevent.sleep(0.01)
        ticker = gevent.spawn(tick)
        gevent.sleep(0)
        GroupCommitter(store).write(work)
        ticker.kill()
        with store.transaction(commit=False) as c:
            c.execute("SELECT count(*) FROM rows")
            stored = c.fetchone()[0]
        print(wrote[0] == loop_thread, synced[0] != loop_thread, len(ticks), stored)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,  # nosec
                          timeout=60, env=env, cwd=ROOT, check=True)
    wrote_on_loop, synced_elsewhere, ticks, stored = done.stdout.split()
    assert wrote_on_loop == "True" and synced_elsewhere == "True" and stored == "1"
    assert int(ticks) >= 10  # the loop kept running through the 0.3 s sync
