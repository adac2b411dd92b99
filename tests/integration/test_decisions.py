"""Decisions on a real store: the read model, its rebuild, and a resent command stored once."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

from adapters.bootstrap import System
from domain.budgets import Budget
from domain.context import acting_as
from projections.decisions import decision_by_id, plan_decisions
from tests.integration.scenario import dump_views, plan_a_budget

DAY = date.today() - timedelta(days=3)


def _decide(system: System, ids: dict[str, str], command: str | None = None, **extra):
    if extra.pop("propose", False):
        with acting_as(ids["person"]):
            system.app.propose_budget(ids["budget"])
    with acting_as(ids["person"], None, command):
        return system.app.record_decision(ids["plan"], DAY, "Budget 2027–2029 antas",
                                          "Mötet antar budgeten.\nÅtagandena följs upp i höst.",
                                          [ids["person"]], **extra)


def test_the_decision_view_holds_the_decision_at_its_log_position_and_survives_a_rebuild(
        system: System) -> None:
    ids = plan_a_budget(system.app, edits=2)
    saved = _decide(system, ids, propose=True, budget_id=ids["budget"])
    later = _decide(system, ids)
    system.projections.catch_up()
    with system.engine.connect() as conn:
        row = decision_by_id(conn, str(saved.aggregate_id))
        listed = plan_decisions(conn, ids["plan"])
    budget = system.app.load(Budget, ids["budget"])
    assert row["position"] == saved.positions[-1] == budget_position(system, ids) + 1
    assert (row["decided_on"], row["title"], row["attendees"]) == (
        DAY, "Budget 2027–2029 antas", [ids["person"]])
    assert (row["budget_id"], row["budget_version"]) == (ids["budget"], budget.adopted_version)
    assert row["text"].endswith("Åtagandena följs upp i höst.")
    assert row["recorded_by"] == ids["person"]
    assert [d["decision_id"] for d in listed] == [str(later.aggregate_id), str(saved.aggregate_id)]

    built = dump_views(system.engine)
    system.projections.rebuild()
    assert dump_views(system.engine) == built
    assert built["decision_view"]


def budget_position(system: System, ids: dict[str, str]) -> int:
    """The log position of the budget's newest event (its adoption)."""
    budget = system.app.load(Budget, ids["budget"])
    top = system.app.recorder.max_notification_id()
    found = [n.id for n in system.app.recorder.select_notifications(1, top)
             if str(n.originator_id) == ids["budget"] and n.originator_version == budget.version]
    return found[0]


def test_a_resent_decision_is_stored_once(system: System) -> None:
    ids = plan_a_budget(system.app, edits=0)
    command = str(uuid4())
    first = _decide(system, ids, command, propose=True, budget_id=ids["budget"])
    stored = system.app.recorder.max_notification_id()
    again = _decide(system, ids, command, budget_id=ids["budget"])
    assert system.app.recorder.max_notification_id() == stored
    assert again.duplicate and again.aggregate_id == first.aggregate_id
