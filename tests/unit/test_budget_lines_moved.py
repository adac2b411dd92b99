"""Budget lines moved, removed and restored: positions before, removed lines kept in the event
and brought back exactly, and the limits on restoring."""

from __future__ import annotations

import copy
from uuid import uuid4

import pytest

from domain import budgets as budgets_module
from domain.budgets import Budget
from domain.context import acting_as
from domain.errors import Conflict, NotFound, RuleViolated, StaleEdit
from domain.plans import Plan
from tests.unit.test_budgets import amounts

# ---- moving, removing, restoring ------------------------------------------------------------


def test_moving_a_line_records_its_position_before(budget: Budget):
    a, b, c = budget.add_line("A"), budget.add_line("B"), budget.add_line("C")
    budget.move_line(c, 0)
    assert budget.order == [c, a, b]
    assert (budget.pending_events[-1].position, budget.pending_events[-1].before) == (0, 2)
    budget.move_line(c, 99)
    assert budget.order == [a, b, c]


def test_moving_a_line_to_where_it_is_records_no_event(budget: Budget, line: str):
    version = budget.version
    budget.move_line(line, 0)
    assert budget.version == version


def test_removed_line_is_kept_in_the_event_and_can_be_restored_exactly(
        budget: Budget, line: str, actors):
    other = budget.add_line("PC", position=0)
    budget.set_share(line, actors["kommun"], 4_000)
    before = copy.deepcopy(budget.lines[line])
    budget.remove_line(line)
    removed = budget.pending_events[-1]
    assert isinstance(removed, Budget.LineItemRemoved)
    assert (removed.line, removed.position) == (before, 1)
    assert line not in budget.lines and budget.order == [other]
    assert budget.removed == {line: before}
    budget.restore_line(line, removed.position)
    restored = budget.pending_events[-1]
    assert isinstance(restored, Budget.LineItemRestored)
    assert (restored.line_id, restored.line, restored.position) == (line, before, 1)
    assert budget.lines[line] == before
    assert budget.order == [other, line]
    assert budget.removed == {}


def test_restoring_a_line_that_is_present_is_refused(budget: Budget, line: str):
    version = budget.version
    with pytest.raises(Conflict, match="already in the budget"):
        budget.restore_line(line, 0)
    budget.remove_line(line)
    budget.restore_line(line)
    with pytest.raises(Conflict, match="already in the budget"):
        budget.restore_line(line)
    assert budget.version == version + 2


@pytest.mark.parametrize("line_id", [uuid4(), str(uuid4()), "not-a-uuid"])
def test_restoring_an_unknown_line_is_not_found(budget: Budget, line: str, line_id):
    version = budget.version
    with pytest.raises(NotFound):
        budget.restore_line(line_id, 0)
    assert budget.version == version
    assert budget.order == [line]


def test_only_a_line_removed_from_this_budget_can_be_restored(plan: Plan, budget: Budget,
                                                              line: str):
    other = Budget.create(plan.id, "Annan budget", plan.years)
    budget.remove_line(line)
    version = other.version
    with pytest.raises(NotFound, match="No removed line"):
        other.restore_line(line)
    assert (other.version, other.lines) == (version, {})
    assert line in budget.removed


def test_a_revision_cannot_restore_a_line_removed_before_it_was_adopted(
        budget: Budget, line: str):
    gone = budget.add_line("Borttagen")
    budget.remove_line(gone)
    budget.propose()
    budget.adopt()
    revision = budget.start_revision()
    assert revision.removed == {}
    with pytest.raises(NotFound, match="No removed line"):
        revision.restore_line(gone)


@pytest.mark.parametrize(("position", "expected"), [
    (None, 2), (0, 0), (1, 1), (2, 2), (99, 2), (-5, 0),
])
def test_restored_line_comes_back_exactly_as_it_was_at_the_clamped_position(
        budget: Budget, line: str, actors, facilitator: str, position, expected):
    colleague, org = str(uuid4()), str(uuid4())
    with acting_as(colleague, org):
        budget.rename_line(line, "Hyra för lokal", expected_version=1)
        budget.change_amount(line, 2026, 1_300_000, expected_version=1)
        budget.set_share(line, actors["kommun"], 6_000)
    budget.set_share(line, actors["kommun"], 7_000, expected_version=1)
    budget.set_share(line, actors["shop"], 3_000)
    a, b = budget.add_line("A"), budget.add_line("B")
    before = copy.deepcopy(budget.lines[line])
    budget.remove_line(line)
    # What the caller does with the event's copy does not change what comes back.
    budget.pending_events[-1].line["shares"][actors["association"]] = {
        "value": 9_000, "version": 1, "by": None, "for": None}

    budget.restore_line(line, position)

    assert budget.lines[line] == before
    state = budget.lines[line]
    assert (state["label"]["value"], state["label"]["version"]) == ("Hyra för lokal", 2)
    assert (state["label"]["by"], state["label"]["for"]) == (colleague, org)
    assert amounts(budget, line) == {"2025": 1_000_000, "2026": 1_300_000, "2027": 0}
    assert state["amounts"]["2026"]["version"] == 2
    assert {k: (f["value"], f["version"]) for k, f in state["shares"].items()} == {
        actors["kommun"]: (7_000, 2), actors["shop"]: (3_000, 1)}
    assert state["shares"][actors["kommun"]]["by"] == facilitator
    assert budget.pending_events[-1].position == expected
    assert budget.order.index(line) == expected
    assert [x for x in budget.order if x != line] == [a, b]


def test_restored_line_keeps_its_field_versions_for_later_edits(budget: Budget, line: str):
    budget.change_amount(line, 2025, 900_000, expected_version=1)
    budget.remove_line(line)
    budget.restore_line(line)
    with pytest.raises(StaleEdit) as e:
        budget.change_amount(line, 2025, 800_000, expected_version=1)
    assert (e.value.details["current_value"], e.value.details["current_version"]) == (900_000, 2)
    budget.change_amount(line, 2025, 800_000, expected_version=2)
    assert amounts(budget, line)["2025"] == 800_000


@pytest.mark.parametrize("position", [1.5, True, "1"])
def test_restore_position_must_be_a_whole_number(budget: Budget, line: str, position):
    budget.remove_line(line)
    version = budget.version
    with pytest.raises(RuleViolated, match="position"):
        budget.restore_line(line, position)
    assert budget.version == version
    assert line in budget.removed and line not in budget.lines


def test_restoring_a_line_cannot_take_the_budget_beyond_its_maximum(
        budget: Budget, monkeypatch):
    monkeypatch.setattr(budgets_module, "MAX_LINES", 2)
    a = budget.add_line("A")
    budget.add_line("B")
    budget.remove_line(a)
    budget.add_line("C")
    with pytest.raises(RuleViolated, match="at most 2 lines"):
        budget.restore_line(a)
