"""Undo: a person's own last change in a budget is compensated by a new event."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from domain.budgets import Budget
from domain.context import acting_as
from domain.errors import Conflict, RuleViolated
from domain.usecases import Samverkan
from tests.stores import app_env


@pytest.fixture
def setup() -> Iterator[dict]:
    app = Samverkan(env=app_env())
    anna, erik = str(uuid4()), str(uuid4())
    with acting_as(anna):
        plan = app.start_plan("P", "By", 2027, 2028).aggregate_id
        org = app.add_actor(plan, "Kommunen", "public").entity_id
        app.add_member(plan, erik, "representative", org)
        budget = app.create_budget(plan, "B").aggregate_id
        line = app.add_line(budget, "Hyra", amounts={2027: 100}).entity_id
    yield {"app": app, "anna": anna, "erik": erik, "org": org, "budget": budget, "line": line}
    app.close()


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


def test_undo_skips_a_change_someone_overwrote_and_takes_the_one_before_saying_why(
        setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        app.rename_line(s["budget"], s["line"], "Lokalhyra")
        overwritten = app.change_amount(s["budget"], s["line"], 2027, 500)
    with acting_as(s["erik"]):
        app.change_amount(s["budget"], s["line"], 2027, 700)
    with acting_as(s["anna"]):
        saved = app.undo_last_change(s["budget"])
    line = _budget(s).lines[s["line"]]
    assert (line["label"]["value"], line["amounts"]["2027"]["value"]) == ("Hyra", 700)
    assert (saved.undone["type"], saved.undone["field"]) == ("LineItemChanged", "label")
    [skipped] = saved.skipped
    assert (skipped["version"], skipped["type"], skipped["field"], skipped["reason_code"],
            skipped["set_by"]) == (overwritten.version, "LineItemAmountChanged", "amount:2027",
                                   "changed_since", s["erik"])
    assert skipped["message"] == "“Lokalhyra”: someone else has changed it since."


def test_undo_with_nothing_left_that_can_be_undone_is_refused_naming_what_it_skipped(
        setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        app.change_amount(s["budget"], s["line"], 2027, 500)
    with acting_as(s["erik"]):
        app.change_amount(s["budget"], s["line"], 2027, 700)
        app.remove_line(s["budget"], s["line"])
    with acting_as(s["anna"]), pytest.raises(RuleViolated, match="can still be undone") as e:
        app.undo_last_change(s["budget"])
    assert [x["reason_code"] for x in e.value.details["skipped"]] == ["line_removed"] * 2
    assert [x["type"] for x in e.value.details["skipped"]] == ["LineItemAmountChanged",
                                                                "LineItemAdded"]


def test_redo_after_undo_does_the_change_again_once(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        changed = app.change_amount(s["budget"], s["line"], 2027, 500)
        app.undo_last_change(s["budget"])
        saved = app.redo_last_undo(s["budget"])
        assert _budget(s).lines[s["line"]]["amounts"]["2027"]["value"] == 500
        assert (saved.redone["version"], saved.redone["field"]) == (changed.version,
                                                                    "amount:2027")
        with pytest.raises(RuleViolated, match="nothing to redo"):
            app.redo_last_undo(s["budget"])
    last = list(app.events.get(_budget(s).id))[-1]
    assert (last.compensates, last.redoes) == (changed.version + 1, changed.version)


def test_redo_is_refused_when_someone_changed_that_field_after_the_undo(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        app.change_amount(s["budget"], s["line"], 2027, 500)
        app.undo_last_change(s["budget"])
    with acting_as(s["erik"]):
        app.change_amount(s["budget"], s["line"], 2027, 700)
    with acting_as(s["anna"]), pytest.raises(Conflict, match="overwrite") as e:
        app.redo_last_undo(s["budget"])
    assert (e.value.details["reason_code"], e.value.details["set_by"]) == ("changed_since",
                                                                           s["erik"])
    assert _budget(s).lines[s["line"]]["amounts"]["2027"]["value"] == 700


def test_a_new_change_after_an_undo_leaves_nothing_to_redo(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        app.change_amount(s["budget"], s["line"], 2027, 500)
        app.undo_last_change(s["budget"])
        app.rename_line(s["budget"], s["line"], "Ny")
        with pytest.raises(RuleViolated, match="nothing to redo"):
            app.redo_last_undo(s["budget"])


def test_undo_and_redo_walk_back_and_forth_like_a_spreadsheet(setup: dict) -> None:
    app, s = setup["app"], setup
    steps = ["undo", "undo", "redo", "redo", "undo", "redo"]
    values = []
    with acting_as(s["anna"]):
        for amount in (200, 300):
            app.change_amount(s["budget"], s["line"], 2027, amount)
        for step in steps:
            (app.undo_last_change if step == "undo" else app.redo_last_undo)(s["budget"])
            values.append(_budget(s).lines[s["line"]]["amounts"]["2027"]["value"])
    assert values == [200, 100, 200, 300, 200, 300]


def test_kind_changes_are_undone_and_redone_whatever_happens_to_the_years(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        app.set_line_kind(s["budget"], s["line"], "income")
        app.add_budget_year(s["budget"], 2029)  # after the kind change: kinds have no year
    with acting_as(s["erik"]):
        app.change_amount(s["budget"], s["line"], 2029, 50)  # another field of the line
    with acting_as(s["anna"]):
        undone = app.undo_last_change(s["budget"])
        assert _budget(s).lines[s["line"]]["kind"]["value"] == "cost"
        assert (undone.undone["field"], undone.skipped) == ("kind", ())
        redone = app.redo_last_undo(s["budget"])
    assert _budget(s).lines[s["line"]]["kind"]["value"] == "income"
    assert redone.redone["field"] == "kind"


def test_undo_skips_a_change_to_a_year_no_longer_in_the_budget(setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        app.rename_line(s["budget"], s["line"], "Lokalhyra")
        app.add_budget_year(s["budget"], 2029)
        app.change_amount(s["budget"], s["line"], 2029, 5)
    with acting_as(s["erik"]):
        app.change_amount(s["budget"], s["line"], 2029, 0)
    with acting_as(s["anna"]):
        app.remove_budget_year(s["budget"], 2029)
        saved = app.undo_last_change(s["budget"])
    assert saved.undone["field"] == "label"
    assert [x["reason_code"] for x in saved.skipped] == ["year_removed"]


def test_a_representative_undoing_a_line_another_organisation_now_shares_keeps_the_line(
        setup: dict) -> None:
    app, s = setup["app"], setup
    with acting_as(s["anna"]):
        other = app.add_actor(app.load(Budget, s["budget"]).plan_id, "Byalaget",
                              "voluntary").entity_id
    with acting_as(s["erik"]):
        line = app.add_line(s["budget"], "Fika").entity_id
    with acting_as(s["anna"]):
        app.set_share(s["budget"], line, other, 5000)
    with acting_as(s["erik"]), pytest.raises(RuleViolated):
        app.undo_last_change(s["budget"])
    assert line in _budget(s).lines


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
