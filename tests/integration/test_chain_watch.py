"""The chain watch keeps the audit page's verification current: each chained batch is checked
as it is chained, and the whole log is re-checked in small ranges in the background."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest

from adapters.audit_verify import Problem, check_range, open_store, verify
from adapters.bootstrap import System, bootstrap
from adapters.settings import Settings
from projections.chain import latest_verification
from projections.verification import Verified, verification_status
from tests.integration.scenario import plan_a_budget
from tests.integration.test_hash_chain import TAMPERED, Tamper, opened, planned, tampering

__all__ = ["planned"]  # the fixture


def _status(system: System) -> Verified:
    with system.engine.connect() as conn:
        return verification_status(conn)


def _eventually(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)
    return found


def _tamper(system: System, position: int) -> None:
    """Change the stored bytes of one old event behind the application's back."""
    with tampering(system.settings) as db:
        assert db.change(position, lambda state: state + b" ") == 1


def test_the_position_verified_follows_the_log_without_a_restart(settings: Settings) -> None:
    with opened(settings) as system:
        system.start()
        for edits in (3, 4):
            plan_a_budget(system.app, edits=edits)
            top = system.app.recorder.max_notification_id()
            status = _eventually(lambda top=top: (s := _status(system)).position == top and s)
            assert status.state == "ok" and status.at is not None


def test_the_background_pass_finds_an_old_event_changed_in_the_store(settings: Settings) -> None:
    with opened(replace(settings, verify_period=0.5)) as system:
        system.start()
        plan_a_budget(system.app, edits=30)
        top = system.app.recorder.max_notification_id()
        system.projections.wait(top)
        _eventually(lambda: _status(system).whole_position == top)  # one pass found it intact
        _tamper(system, TAMPERED)
        found = _eventually(lambda: (s := _status(system)).state == "failed" and s)
        assert (found.kind, found.position) == ("changed", TAMPERED)
        plan_a_budget(system.app, edits=1)  # newer events verify, the failure stays shown
        top = system.app.recorder.max_notification_id()
        system.projections.wait(top)
        time.sleep(0.3)
        assert _status(system).state == "failed"


def _pass_in_ranges(system: System, chunk: int) -> tuple[Problem | None, list[int]]:
    """The first problem a pass range by range finds, and how many events each range read."""
    store, sizes = open_store(system.app), []
    read = store.rows_between
    store.rows_between = lambda a, b: sizes.append(len(rows := read(a, b))) or rows  # type: ignore[method-assign]
    try:
        after = 0
        while (result := check_range(store, system.engine, after, chunk)).events:
            if result.problem is not None:
                return result.problem, sizes
            after = result.end
        return None, sizes
    finally:
        store.close()


def _delete(db: Tamper) -> None:
    assert db.delete(TAMPERED) == 1


def _change(db: Tamper) -> None:
    assert db.change(TAMPERED, lambda state: state + b" ") == 1


def _swap(db: Tamper) -> None:
    db.swap(TAMPERED, TAMPERED + 3)


def _insert(db: Tamper) -> None:
    db.run("UPDATE {t} SET {p} = -({p} + 1) WHERE {p} >= :p", p=TAMPERED)
    db.run("UPDATE {t} SET {p} = -{p} WHERE {p} < 0")
    assert db.insert_copy_of_previous(TAMPERED) == 1


def _truncate(db: Tamper) -> None:
    assert db.run("DELETE FROM {t} WHERE {p} > :p", p=TAMPERED) > 0


@pytest.mark.parametrize("tamper", [None, _change, _delete, _swap, _insert, _truncate])
def test_a_pass_range_by_range_finds_what_the_full_check_finds(planned: Settings, tamper: Any) -> None:
    if tamper is not None:
        with tampering(planned) as db:
            tamper(db)
    with opened(planned) as system:
        full = verify(system.app, system.engine)
        problem, sizes = _pass_in_ranges(system, chunk=7)
    if tamper is None:
        assert full.ok and problem is None
    else:
        assert problem is not None and full.problem is not None
        assert (problem.kind, problem.position) == (full.problem.kind, full.problem.position)
    assert sizes and max(sizes) <= 7 + 1  # a range reads its own events, never the whole log


def test_the_watch_starts_where_the_last_full_check_ended(planned: Settings) -> None:
    with opened(planned) as system:
        top = verify(system.app, system.engine).up_to
        plan_a_budget(system.app, edits=2)
        system.start()
        newest = system.app.recorder.max_notification_id()
        _eventually(lambda: _status(system).position == newest)
        with system.engine.connect() as conn:
            assert latest_verification(conn)[1] == top  # no new full pass before its period


def test_a_system_that_stopped_following_no_longer_watches(store_settings: Settings) -> None:
    system = bootstrap(replace(store_settings, verify_period=0.2))
    try:
        system.start()
        plan_a_budget(system.app, edits=1)
        system.follower.stop()
        with system.engine.begin() as conn:
            before = latest_verification(conn)
        time.sleep(0.6)
        with system.engine.connect() as conn:
            assert latest_verification(conn) == before
    finally:
        system.close()
