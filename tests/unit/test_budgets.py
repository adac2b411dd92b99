"""Budget: line items, yearly amounts, cost shares and live-edit versions (moving, removing and
restoring lines: test_budget_lines_moved.py; lifecycle and revisions: test_budget_lifecycle.py)."""

from __future__ import annotations

import copy
from uuid import uuid4

import pytest

from domain import budgets as budgets_module
from domain.budgets import Budget
from domain.context import acting_as
from domain.errors import Conflict, NotFound, RuleViolated, StaleEdit
from domain.plans import Plan


def amounts(budget: Budget, line_id: str) -> dict[str, int]:
    return {year: f["value"] for year, f in budget.lines[line_id]["amounts"].items()}


# ---- creating and adding lines --------------------------------------------------------------


def test_new_budget_is_an_empty_draft_for_the_plans_years(budget: Budget, plan: Plan):
    assert (budget.status, budget.revision, budget.revision_of) == ("draft", 1, None)
    assert budget.years == [2025, 2026, 2027]
    assert budget.lines == {} and budget.order == []
    assert budget.plan_id == str(plan.id)


def test_budget_covers_at_least_one_year(plan: Plan):
    with pytest.raises(RuleViolated, match="at least one year"):
        Budget.create(plan.id, "B", [])


def test_added_line_has_an_amount_for_every_year_of_the_budget(budget: Budget, line: str):
    assert amounts(budget, line) == {"2025": 1_000_000, "2026": 1_200_000, "2027": 0}
    assert budget.line_total(line) == 2_200_000
    assert budget.total() == 2_200_000
    assert budget.lines[line]["label"]["value"] == "Lokalhyra"
    assert budget.lines[line]["category"]["value"] == "premises"
    assert budget.lines[line]["shares"] == {}


def test_every_field_of_a_new_line_starts_at_version_one_set_by_the_actor(
        budget: Budget, line: str, facilitator: str):
    state = budget.lines[line]
    fields = [state["label"], state["category"], state["service_id"], *state["amounts"].values()]
    assert all(f["version"] == 1 and f["by"] == facilitator for f in fields)


def test_line_year_may_be_given_as_digit_text(budget: Budget):
    line = budget.add_line("Skyltar", amounts={"2026": 500})
    assert amounts(budget, line)["2026"] == 500


@pytest.mark.parametrize("year", [2024, 2028, "20x5"])
def test_line_refuses_amounts_for_years_outside_the_plan(budget: Budget, year):
    with pytest.raises(RuleViolated, match="2025\N{EN DASH}2027") as e:
        budget.add_line("Hyra", amounts={year: 100})
    assert e.value.details["years"] == [2025, 2026, 2027]
    assert budget.lines == {}


@pytest.mark.parametrize("amount", [-1, 1.5, 100.0, True, "100", None, 10**13 + 1])
def test_line_refuses_amounts_that_are_not_whole_non_negative_ore(budget: Budget, amount):
    with pytest.raises(RuleViolated, match="amount"):
        budget.add_line("Hyra", amounts={2025: amount})


def test_line_needs_a_label(budget: Budget):
    with pytest.raises(RuleViolated, match="label"):
        budget.add_line("  ")


def test_line_with_an_id_already_in_the_budget_is_refused(budget: Budget, line: str):
    with pytest.raises(Conflict):
        budget.add_line("Igen", line_id=line)


def test_budget_refuses_lines_beyond_its_maximum(budget: Budget, monkeypatch):
    monkeypatch.setattr(budgets_module, "MAX_LINES", 2)
    budget.add_line("A")
    budget.add_line("B")
    with pytest.raises(RuleViolated, match="at most 2 lines"):
        budget.add_line("C")


def test_lines_are_appended_by_default_and_inserted_at_a_given_position(budget: Budget):
    a, b = budget.add_line("A"), budget.add_line("B")
    top = budget.add_line("Top", position=0)
    middle = budget.add_line("Middle", position=2)
    far = budget.add_line("Far", position=99)
    first = budget.add_line("First", position=-5)
    assert budget.order == [first, top, a, middle, b, far]
    assert set(budget.order) == set(budget.lines)


# ---- editing lines --------------------------------------------------------------------------


SERVICE = "6f9619ff-8b86-d011-b42d-00c04fc964ff"
LINE_FIELD_EDITS = {
    "label": (lambda b, line, v: b.rename_line(line, "Hyra för lokal", v),
              "Hyra för lokal", "Lokalhyra"),
    "category": (lambda b, line, v: b.recategorise_line(line, "rent", v), "rent", "premises"),
    "service_id": (lambda b, line, v: b.link_service(line, SERVICE, v), SERVICE, None),
}


@pytest.mark.parametrize("field", LINE_FIELD_EDITS)
def test_line_field_change_bumps_its_version_and_records_the_value_before(
        budget: Budget, line: str, field: str):
    command, value, before = LINE_FIELD_EDITS[field]
    command(budget, line, 1)
    event = budget.pending_events[-1]
    assert isinstance(event, Budget.LineItemChanged)
    assert (event.field, event.value, event.before) == (field, value, before)
    assert budget.lines[line][field]["value"] == value
    assert budget.lines[line][field]["version"] == 2


@pytest.mark.parametrize("field", LINE_FIELD_EDITS)
def test_stale_line_field_edit_is_refused_with_the_current_value(
        budget: Budget, line: str, field: str):
    command, value, _ = LINE_FIELD_EDITS[field]
    command(budget, line, None)
    with pytest.raises(StaleEdit) as e:
        command(budget, line, 1)
    assert e.value.details["current_value"] == value
    assert e.value.details["field"] == field


def test_unchanged_label_records_no_event(budget: Budget, line: str):
    version = budget.version
    budget.rename_line(line, " Lokalhyra ", expected_version=1)
    assert budget.version == version


def test_changing_an_amount_records_the_amount_before(budget: Budget, line: str):
    budget.change_amount(line, 2026, 1_300_000, expected_version=1)
    event = budget.pending_events[-1]
    assert isinstance(event, Budget.LineItemAmountChanged)
    assert (event.year, event.amount, event.before) == (2026, 1_300_000, 1_200_000)
    assert budget.lines[line]["amounts"]["2026"] == {
        "value": 1_300_000, "version": 2, "by": event.acted_by, "for": None}


def test_stale_amount_edit_reports_the_current_value_and_who_set_it(
        budget: Budget, line: str, facilitator: str):
    org = str(uuid4())
    colleague = str(uuid4())
    with acting_as(colleague, org):
        budget.change_amount(line, 2025, 900_000, expected_version=1)
    version = budget.version
    with pytest.raises(StaleEdit) as e:
        budget.change_amount(line, 2025, 1_100_000, expected_version=1)
    assert e.value.details == {
        "current_value": 900_000, "current_version": 2, "your_version": 1,
        "set_by": colleague, "set_for": org, "line_id": line, "year": 2025,
    }
    assert budget.version == version
    assert amounts(budget, line)["2025"] == 900_000


def test_stale_edit_is_a_conflict(budget: Budget, line: str):
    budget.change_amount(line, 2027, 1, expected_version=1)
    with pytest.raises(Conflict):
        budget.change_amount(line, 2027, 2, expected_version=1)


def test_edit_of_a_different_field_never_conflicts(budget: Budget, line: str, actors):
    budget.change_amount(line, 2025, 1, expected_version=1)
    budget.change_amount(line, 2026, 2, expected_version=1)
    budget.set_share(line, actors["kommun"], 5_000, expected_version=0)
    budget.set_share(line, actors["shop"], 5_000, expected_version=0)
    assert amounts(budget, line) == {"2025": 1, "2026": 2, "2027": 0}


def test_changing_an_amount_to_its_current_value_records_no_event(budget: Budget, line: str):
    version = budget.version
    budget.change_amount(line, 2025, 1_000_000, expected_version=1)
    assert budget.version == version
    assert budget.lines[line]["amounts"]["2025"]["version"] == 1


@pytest.mark.parametrize("amount", [-5, 2.5, False])
def test_changed_amount_must_be_whole_non_negative_ore(budget: Budget, line: str, amount):
    with pytest.raises(RuleViolated):
        budget.change_amount(line, 2025, amount)


def test_changing_an_amount_outside_the_budget_years_is_refused(budget: Budget, line: str):
    with pytest.raises(RuleViolated, match="outside"):
        budget.change_amount(line, 2030, 1)


def test_editing_an_unknown_line_is_not_found(budget: Budget):
    with pytest.raises(NotFound, match="No such line"):
        budget.change_amount(uuid4(), 2025, 1)


@pytest.mark.parametrize("year", [2025.0, 2027.0, "2025.0"])
def test_year_that_is_not_a_whole_number_is_refused_when_changing_an_amount(
        budget: Budget, line: str, year):
    version = budget.version
    with pytest.raises(RuleViolated, match="outside") as e:
        budget.change_amount(line, year, 1)
    assert e.value.details["field"] == "year"
    assert budget.version == version
    assert amounts(budget, line) == {"2025": 1_000_000, "2026": 1_200_000, "2027": 0}


@pytest.mark.parametrize("year", [2025.0, 2027.0, "2025.0"])
def test_year_that_is_not_a_whole_number_is_refused_in_a_new_line(budget: Budget, year):
    with pytest.raises(RuleViolated, match="outside") as e:
        budget.add_line("Hyra", amounts={year: 500})
    assert e.value.details["field"] == "year"
    assert budget.lines == {} and budget.order == [] and budget.version == 1


def test_amount_changed_event_records_the_year_as_a_number(budget: Budget, line: str):
    budget.change_amount(line, "2026", 5)
    event = budget.pending_events[-1]
    assert isinstance(event, Budget.LineItemAmountChanged)
    assert type(event.year) is int and event.year == 2026
    assert amounts(budget, line)["2026"] == 5


# ---- cost shares ----------------------------------------------------------------------------


def test_share_is_set_in_basis_points_and_records_the_share_before(
        budget: Budget, line: str, actors):
    budget.set_share(line, actors["kommun"], 6_000)
    budget.set_share(line, actors["kommun"], 7_000, expected_version=1)
    event = budget.pending_events[-1]
    assert isinstance(event, Budget.CostShareChanged)
    assert (event.share, event.before) == (7_000, 6_000)
    assert budget.lines[line]["shares"][actors["kommun"]]["value"] == 7_000
    assert budget.lines[line]["shares"][actors["kommun"]]["version"] == 2


def test_shares_may_add_up_to_exactly_one_hundred_percent(budget: Budget, line: str, actors):
    budget.set_share(line, actors["kommun"], 5_000)
    budget.set_share(line, actors["shop"], 3_000)
    budget.set_share(line, actors["association"], 2_000)
    assert sum(f["value"] for f in budget.lines[line]["shares"].values()) == 10_000


def test_shares_of_a_line_never_exceed_one_hundred_percent(budget: Budget, line: str, actors):
    budget.set_share(line, actors["kommun"], 6_000)
    budget.set_share(line, actors["shop"], 3_500)
    version = budget.version
    with pytest.raises(RuleViolated, match="105 %") as e:
        budget.set_share(line, actors["association"], 1_000)
    assert e.value.details["total"] == 10_500
    assert e.value.details["available"] == 500
    assert budget.version == version


def test_raising_ones_own_share_counts_only_the_others(budget: Budget, line: str, actors):
    budget.set_share(line, actors["kommun"], 6_000)
    budget.set_share(line, actors["kommun"], 10_000)
    assert budget.lines[line]["shares"][actors["kommun"]]["value"] == 10_000


@pytest.mark.parametrize("share", [-1, 10_001, 50.0, True, "5000"])
def test_share_is_whole_basis_points_between_0_and_10000(budget: Budget, line: str, actors, share):
    with pytest.raises(RuleViolated, match="share"):
        budget.set_share(line, actors["kommun"], share)


def test_setting_a_share_to_zero_frees_it_for_others(budget: Budget, line: str, actors):
    budget.set_share(line, actors["kommun"], 10_000)
    budget.set_share(line, actors["kommun"], 0, expected_version=1)
    assert budget.pending_events[-1].before == 10_000
    budget.set_share(line, actors["shop"], 10_000)
    assert budget.lines[line]["shares"][actors["kommun"]]["value"] == 0


def test_zero_share_for_an_actor_without_a_share_records_no_event(budget, line, actors):
    version = budget.version
    budget.set_share(line, actors["kommun"], 0)
    assert budget.version == version


def test_stale_share_edit_is_refused(budget: Budget, line: str, actors):
    budget.set_share(line, actors["kommun"], 2_000, expected_version=0)
    with pytest.raises(StaleEdit) as e:
        budget.set_share(line, actors["kommun"], 3_000, expected_version=0)
    assert (e.value.details["current_value"], e.value.details["current_version"]) == (2_000, 1)


# ---- copies for commands ---------------------------------------------------------------------


def test_a_copy_for_a_command_shares_no_mutable_state_with_the_cached_budget(budget: Budget, line: str):
    clone = copy.deepcopy(budget)
    clone.change_amount(line, 2025, 5)
    clone.add_line("Publik dator", "IT")
    assert amounts(budget, line)["2025"] == 1_000_000 and amounts(clone, line)["2025"] == 5
    assert len(budget.lines) == 1 and len(clone.lines) == 2
    assert budget.version == 2 and clone.version == 4
    assert vars(copy.deepcopy(budget)) == vars(budget)


def test_a_copy_of_state_that_marshal_cannot_take_is_made_all_the_same(budget: Budget, line: str):
    budget.lines[line]["note"] = {"on": budget.created_on.date()}  # a date: not marshal's
    clone = copy.deepcopy(budget)
    clone.lines[line]["note"]["on"] = None
    assert budget.lines[line]["note"]["on"] == budget.created_on.date()
    assert vars(copy.deepcopy(budget)) == vars(budget)
