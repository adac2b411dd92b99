"""The follower lock: one process at a time follows a store's log; the next takes over when it goes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from adapters.bootstrap import System, bootstrap
from adapters.follower_lock import FileFollowerLock, PostgresFollowerLock, follower_lock_for
from adapters.settings import Settings
from tests.integration.conftest import PG_URL
from tests.integration.scenario import dump_views, plan_a_budget


def _eventually(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def test_two_opens_of_one_lock_file_exclude_each_other_until_the_first_lets_go(tmp_path: Path) -> None:
    first, second = FileFollowerLock(tmp_path / "follower.lock"), FileFollowerLock(tmp_path / "follower.lock")
    assert first.try_acquire() and first.try_acquire()  # taking it again is a no-op
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.close()


def test_the_lock_file_is_free_again_once_its_holder_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "follower.lock"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from adapters.follower_lock import FileFollowerLock; "
        f"assert FileFollowerLock(Path({str(path)!r})).try_acquire(); print('held', flush=True); "
        "time.sleep(60)")], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    try:
        assert holder.stdout.readline().strip() == "held"
        waiting = FileFollowerLock(path)
        assert not waiting.try_acquire()
        holder.kill()  # SIGKILL: no clean-up; the kernel drops the flock
        holder.wait(timeout=10)
        assert waiting.try_acquire()
        assert path.read_text().strip().isdigit()  # the holder's process id, for an operator
        waiting.close()
    finally:
        holder.kill()
        holder.wait(timeout=10)


@pytest.mark.postgres
def test_the_advisory_lock_is_per_schema_and_goes_with_its_session(pg_settings: Settings) -> None:
    env = pg_settings.event_store_env()
    first, second = follower_lock_for(env), follower_lock_for(env)
    other_schema = follower_lock_for({**env, "POSTGRES_SCHEMA": pg_settings.pg_schema + "_other"})
    assert isinstance(first, PostgresFollowerLock)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert other_schema.try_acquire()  # another store: its own follower
        admin = create_engine(Settings(database_url=PG_URL).views_url)
        with admin.begin() as conn:  # the holder's session ends, as when its process is killed
            holders = conn.execute(text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 "
                "AND classid = :high AND objid = :low"), _halves(first.key)).scalars().all()
            assert holders
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holders[0]})
        admin.dispose()
        _eventually(second.try_acquire)
        assert not first.held()
    finally:
        for lock in (first, second, other_schema):
            lock.close()


def _halves(key: int) -> dict[str, int]:
    """A bigint advisory key as pg_locks shows it: its high and low 32 bits, unsigned."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    return {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}


def test_only_one_of_two_systems_follows_and_the_other_takes_over_when_it_stops(settings: Settings) -> None:
    first, second = bootstrap(settings), bootstrap(settings)
    try:
        first.start()
        second.start()
        assert first.follower.leading and not second.follower.leading
        plan_a_budget(second.app, edits=5)  # commands append events in any process
        top = second.app.recorder.max_notification_id()
        second.projections.wait(top, timeout=10)  # read-your-writes: polls what the first projects
        first.close()
        _eventually(lambda: second.follower.leading)
        plan_a_budget(second.app, edits=5)
        top = second.app.recorder.max_notification_id()
        second.projections.wait(top, timeout=10)
        _views_equal_a_rebuild(second)
    finally:
        first.close()
        second.close()


def test_a_one_off_job_gets_the_lock_only_while_nobody_follows(settings: Settings) -> None:
    server, job = bootstrap(settings), bootstrap(settings)
    try:
        server.start()
        with job.follower.exclusively() as ours:
            assert not ours
        server.close()
        with job.follower.exclusively() as ours:
            assert ours
            with server.follower.exclusively() as theirs:
                assert not theirs
        with server.follower.exclusively() as theirs:
            assert theirs  # the job let go when it ended
    finally:
        server.close()
        job.close()


def test_a_follower_whose_batch_failed_starts_again_from_the_database(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from domain.budgets import Budget
    from projections.budget_sheet import BudgetSheetProjection

    system = bootstrap(settings)
    system.follower.check_seconds = 0.1
    try:
        system.start()
        original = BudgetSheetProjection._handlers[Budget.LineItemAmountChanged]
        failures = {"left": 1}

        def fail_once(self, work, event, position):  # memory changes, then the failure
            original(self, work, event, position)
            if failures["left"]:
                failures["left"] -= 1
                raise RuntimeError("disk full")

        monkeypatch.setitem(BudgetSheetProjection._handlers, Budget.LineItemAmountChanged, fail_once)
        plan_a_budget(system.app, edits=3)
        top = system.app.recorder.max_notification_id()
        _eventually(lambda: system.projections.error is None and system.projections.position >= top)
        assert failures["left"] == 0
        _views_equal_a_rebuild(system)
    finally:
        system.close()


def _views_equal_a_rebuild(system: System) -> None:
    system.follower.stop()
    followed = dump_views(system.engine)
    system.projections.rebuild()
    assert dump_views(system.engine) == followed
