"""Projections on real stores: live following, rebuild, exactly-once resume."""

from __future__ import annotations

import contextlib

import pytest

from adapters.bootstrap import System, bootstrap
from adapters.settings import Settings
from domain.budgets import Budget
from domain.context import acting_as
from projections import queries
from tests.integration.scenario import dump_views, plan_a_budget


def test_projections_follow_new_events_within_a_second(system: System) -> None:
    system.start()
    ids = plan_a_budget(system.app, edits=3)
    with acting_as(ids["person"], ids["kommun"]):
        saved = system.app.change_amount(ids["budget"], ids["pc"], 2029, 123_400)
    system.projections.wait(saved.positions[-1], timeout=5)
    with system.engine.connect() as conn:
        sheet = queries.budget_sheet(conn, ids["budget"])
    pc = next(line for line in sheet.lines if line["line_id"] == ids["pc"])
    assert pc["amounts"][2029]["amount"] == 123_400
    assert pc["label"] == "Publik dator med internet"
    assert [line["line_id"] for line in sheet.lines] == [ids["pc"], ids["rent"]]


def test_rebuild_from_the_log_equals_the_incrementally_built_views(system: System) -> None:
    system.start()
    plan_a_budget(system.app, edits=25)
    system.projections.wait(system.app.recorder.max_notification_id(), timeout=5)
    system.projections.stop()
    incremental = dump_views(system.engine)
    seen: list[tuple[int, int]] = []
    system.projections.rebuild(progress=lambda pos, top: seen.append((pos, top)))
    assert dump_views(system.engine) == incremental
    assert seen and seen[-1][0] == seen[-1][1] == system.app.recorder.max_notification_id()


def test_a_stopped_projection_resumes_with_no_gap_and_no_duplicate(settings: Settings) -> None:
    first = bootstrap(settings)
    first.projections.batch_size = 7  # stop between batches, mid-stream
    plan_a_budget(first.app, edits=30)
    top = first.app.recorder.max_notification_id()
    stopped_at = {}

    def stop_midway(position: int, _: int) -> None:
        if position >= top // 2 and not stopped_at:
            stopped_at["position"] = position
            raise KeyboardInterrupt

    with contextlib.suppress(KeyboardInterrupt):
        first.projections.catch_up(progress=stop_midway)
    assert 0 < stopped_at["position"] < top
    first.close()

    second = bootstrap(settings)  # a new process, as after a restart
    assert second.projections.load_positions() == dict.fromkeys(
        [p.name for p in second.projections.projections], stopped_at["position"])
    second.start()
    second.projections.wait(top, timeout=5)
    with second.engine.connect() as conn:
        logged = [r["position"] for r in queries.audit_entries(conn, _plan_id(second), limit=10_000)]
    assert sorted(logged) == list(range(1, top + 1))  # every event once: no gap, no duplicate
    resumed = dump_views(second.engine)
    second.projections.stop()
    second.projections.rebuild()
    assert dump_views(second.engine) == resumed
    second.close()


def test_processing_an_event_twice_is_refused_by_its_tracking_record(system: System) -> None:
    from eventsourcing.persistence import IntegrityError, Tracking

    plan_a_budget(system.app, edits=1)
    system.projections.catch_up()
    projection = system.projections.projections[0]
    notification = system.app.recorder.select_notifications(start=1, limit=1)[0]
    event = system.app.mapper.to_domain_event(notification)
    with pytest.raises(IntegrityError):
        projection.process_event(event, Tracking("Samverkan", notification.id))


def _plan_id(system: System) -> str:
    with system.engine.connect() as conn:
        return queries.list_plans(conn)[0]["plan_id"]


def test_a_batch_that_fails_leaves_no_trace_and_the_next_one_starts_from_the_database(
        system: System, monkeypatch: pytest.MonkeyPatch) -> None:
    from projections.budget_sheet import BudgetSheetProjection

    ids = plan_a_budget(system.app, edits=2)
    system.projections.catch_up()
    original = BudgetSheetProjection._handlers[Budget.LineItemAdded]
    calls = {"n": 0}

    def fail_once(self, work, event, position):
        calls["n"] += 1
        original(self, work, event, position)  # memory changes first, then the failure
        if calls["n"] == 1:
            raise RuntimeError("disk full")

    monkeypatch.setitem(BudgetSheetProjection._handlers, Budget.LineItemAdded, fail_once)
    with acting_as(ids["person"], ids["kommun"]):
        system.app.add_line(ids["budget"], "Kaffehörna", position=0)  # shifts the others
        system.app.change_amount(ids["budget"], ids["rent"], 2028, 2)
    with pytest.raises(RuntimeError):
        system.projections.catch_up()
    system.projections.catch_up()  # the same events again: applied once, from fresh rows
    live = dump_views(system.engine)
    system.projections.rebuild()
    assert dump_views(system.engine) == live
