"""A command sent again with the same id is applied once — always, on SQLite and PostgreSQL."""

from __future__ import annotations

from uuid import uuid4

import pytest

from adapters.bootstrap import System
from domain.context import acting_as
from domain.errors import StaleEdit
from tests.integration.scenario import plan_a_budget


def _events(system: System) -> int:
    return system.app.recorder.max_notification_id() or 0


def test_a_resent_edit_is_stored_once_and_answered_with_the_first_receipt(system: System) -> None:
    ids = plan_a_budget(system.app, edits=0)
    command = str(uuid4())
    with acting_as(ids["person"], ids["kommun"], command):
        first = system.app.change_amount(ids["budget"], ids["pc"], 2029, 777, expected_version=1)
    stored = _events(system)
    with acting_as(ids["person"], ids["kommun"], command):
        again = system.app.change_amount(ids["budget"], ids["pc"], 2029, 777, expected_version=1)
    assert _events(system) == stored
    assert again.duplicate and not first.duplicate
    assert (again.aggregate_id, again.version, again.positions) == (
        first.aggregate_id, first.version, first.positions)


def test_a_resent_edit_is_not_a_conflict_even_after_others_changed_the_field(
        system: System) -> None:
    ids = plan_a_budget(system.app, edits=0)
    command = str(uuid4())
    with acting_as(ids["person"], ids["kommun"], command):
        system.app.change_amount(ids["budget"], ids["pc"], 2029, 100, expected_version=1)
    with acting_as(ids["person"], ids["shop"], str(uuid4())):
        system.app.change_amount(ids["budget"], ids["pc"], 2029, 200, expected_version=2)
    with acting_as(ids["person"], ids["kommun"], command):
        again = system.app.change_amount(ids["budget"], ids["pc"], 2029, 100, expected_version=1)
    assert again.duplicate
    with acting_as(ids["person"], ids["kommun"], str(uuid4())), pytest.raises(StaleEdit):
        system.app.change_amount(ids["budget"], ids["pc"], 2029, 100, expected_version=1)


def test_a_resent_command_that_changed_nothing_is_still_answered_once(system: System) -> None:
    ids = plan_a_budget(system.app, edits=0)
    command = str(uuid4())
    with acting_as(ids["person"], ids["kommun"], command):
        first = system.app.change_amount(ids["budget"], ids["pc"], 2028, 1_500_000)
        again = system.app.change_amount(ids["budget"], ids["pc"], 2028, 1_500_000)
    assert first.positions == () and again.duplicate and again.positions == ()


def test_a_resent_new_line_with_a_client_chosen_id_is_added_once(system: System) -> None:
    ids = plan_a_budget(system.app, edits=0)
    command, line = str(uuid4()), str(uuid4())
    for _ in range(3):
        with acting_as(ids["person"], ids["kommun"], command):
            system.app.add_line(ids["budget"], "Kaffehörna", line_id=line)
    from domain.budgets import Budget

    budget = system.app.load(Budget, ids["budget"])
    assert budget.order.count(line) == 1


def test_a_resent_plan_is_started_once(system: System) -> None:
    command, person = str(uuid4()), str(uuid4())
    with acting_as(person, None, command):
        first = system.app.start_plan("Plan", "By", 2027, 2028)
        again = system.app.start_plan("Plan", "By", 2027, 2028)
    assert again.duplicate and again.aggregate_id == first.aggregate_id


def test_commands_with_different_ids_all_apply(system: System) -> None:
    ids = plan_a_budget(system.app, edits=0)
    for amount in (1, 2, 3):
        with acting_as(ids["person"], ids["kommun"], str(uuid4())):
            saved = system.app.change_amount(ids["budget"], ids["pc"], 2027, amount)
            assert not saved.duplicate and saved.positions
