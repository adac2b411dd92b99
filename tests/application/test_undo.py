"""Undo: a person's own last change in a budget is compensated by a new event."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.budgets import Budget
from domain.context import acting_as
from domain.errors import RuleViolated, StaleEdit
from domain.usecases import Samverkan


@pytest.fixture
def setup() -> dict:
    app = Samverkan()
    anna, erik = str(uuid4()), str(uuid4())
    with acting_as(anna):
        plan = app.start_plan("P", "By", 2027, 2028).aggregate_id
        org = app.add_actor(plan, "Kommunen", "public").entity_id
        app.add_member(plan, erik, "representative", org)
        budget = app.create_budget(plan, "B").aggregate_id
        line = app.add_line(budget, "Hyra", amounts={2027: 100}).entity_id
    return {"app": app, "anna": anna, "erik": erik, "org": org, "budget": budget, "line": line}


def _budget(s: dict) -> Budget:
    return s["app"].load(Budget, s["budget"])


def test_undo_puts_an_amount_back_with_a_new_event(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        app.change_amount(s["budget"], s["line"], 2027, 500)
        before = _budget(s).version
        app.undo_last_change(s["budget"])
    budget = _budget(s)
    assert budget.lines[s["line"]]["amounts"]["2027"]["value"] == 100
    assert budget.version == before + 1  # compensated, not deleted


def test_undo_takes_only_the_persons_own_last_change(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        app.change_amount(s["budget"], s["line"], 2027, 500)
    with acting_as(s["erik"]):
        app.change_amount(s["budget"], s["line"], 2028, 900)
    with acting_as(s["anna"]):
        app.undo_last_change(s["budget"])
    amounts = _budget(s).lines[s["line"]]["amounts"]
    assert (amounts["2027"]["value"], amounts["2028"]["value"]) == (100, 900)


def test_undo_of_a_field_someone_changed_since_is_a_stale_edit(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        app.change_amount(s["budget"], s["line"], 2027, 500)
    with acting_as(s["erik"]):
        app.change_amount(s["budget"], s["line"], 2027, 700)
    with acting_as(s["anna"]), pytest.raises(StaleEdit) as raised:
        app.undo_last_change(s["budget"])
    assert raised.value.details["current_value"] == 700


def test_undo_of_a_new_line_removes_it_and_the_history_keeps_it(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        line = app.add_line(s["budget"], "Ny rad", amounts={2028: 5}).entity_id
        app.undo_last_change(s["budget"])
    budget = _budget(s)
    assert line not in budget.lines and line in budget.removed


def test_undo_of_a_removal_restores_the_line_where_it_was(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        second = app.add_line(s["budget"], "Andra").entity_id
        app.remove_line(s["budget"], s["line"])
        app.undo_last_change(s["budget"])
    assert _budget(s).order == [s["line"], second]


def test_undo_of_a_share_and_a_rename_and_a_move(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"], s["org"]):
        second = app.add_line(s["budget"], "Andra").entity_id
        app.set_share(s["budget"], s["line"], s["org"], 2500)
        app.rename_line(s["budget"], s["line"], "Lokalhyra")
        app.move_line(s["budget"], second, 0)
        for _ in range(3):
            app.undo_last_change(s["budget"])
    budget = _budget(s)
    assert budget.order == [s["line"], second]
    assert budget.lines[s["line"]]["label"]["value"] == "Hyra"
    assert budget.lines[s["line"]]["shares"][s["org"]]["value"] == 0


def test_a_person_with_no_changes_has_nothing_to_undo(setup: dict) -> None:
    with acting_as(setup["erik"]), pytest.raises(RuleViolated):
        setup["app"].undo_last_change(setup["budget"])


def test_repeated_undo_goes_further_back_through_the_persons_changes(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        for amount in (200, 300, 400):
            app.change_amount(s["budget"], s["line"], 2027, amount)
        values = []
        for _ in range(3):
            app.undo_last_change(s["budget"])
            values.append(_budget(s).lines[s["line"]]["amounts"]["2027"]["value"])
    assert values == [300, 200, 100]


def test_compensating_events_name_the_change_they_undo(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        changed = app.change_amount(s["budget"], s["line"], 2027, 500)
        undo = app.undo_last_change(s["budget"])
    last = next(iter(app.events.get(_budget(s).id, gt=undo.version - 1)))
    assert last.compensates == changed.version
