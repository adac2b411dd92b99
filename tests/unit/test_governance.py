"""Governance rules of the aggregates: archiving, organisations that leave, a budget's years,
cost and income lines, and revisions that supersede the one they revise."""

from __future__ import annotations

import pytest

from domain.budgets import Budget
from domain.errors import Conflict, RuleViolated, StaleEdit
from domain.plans import Plan

# ---- the plan ------------------------------------------------------------------------------


def test_a_plan_has_a_description_that_a_change_of_details_keeps_unless_given(acting, facilitator):
    plan = Plan.start("P", "Byn", 2027, 2029, facilitator, description="  Servicepunkt i byn. ")
    assert plan.description == "Servicepunkt i byn."
    plan.change_details("P2", "Byn")
    assert (plan.name, plan.description) == ("P2", "Servicepunkt i byn.")
    plan.change_details("P2", "Byn", "")
    assert plan.pending_events[-1].before["description"] == "Servicepunkt i byn."
    assert plan.description == ""


def test_a_description_longer_than_5000_characters_is_refused(plan: Plan):
    with pytest.raises(RuleViolated, match="longer than 5000") as e:
        plan.change_details("P", "Byn", "x" * 5001)
    assert e.value.details["field"] == "description"


def test_an_archived_plan_is_archived_once(plan: Plan):
    plan.archive("Planen är avslutad.")
    assert plan.archived and plan.pending_events[-1].reason == "Planen är avslutad."
    with pytest.raises(RuleViolated, match="archived"):
        plan.archive()
    with pytest.raises(RuleViolated, match="archived"):
        plan.require_open()


def test_an_organisation_that_took_no_part_is_removed_and_its_name_is_free_again(
        plan: Plan, actors):
    assert plan.remove_actor(actors["association"], has_history=False) == "removed"
    assert isinstance(plan.pending_events[-1], Plan.ActorRemoved)
    assert actors["association"] not in plan.actors
    plan.add_actor("Byalaget", "voluntary")


def test_an_organisation_with_a_history_is_marked_as_having_left_and_keeps_its_name(
        plan: Plan, actors):
    assert plan.remove_actor(actors["shop"], has_history=True) == "left"
    event = plan.pending_events[-1]
    assert isinstance(event, Plan.ActorLeft)
    assert event.before == {"name": "Byns lanthandel", "sector": "private", "left": False}
    assert plan.actors[actors["shop"]] == {"name": "Byns lanthandel", "sector": "private",
                                           "left": True}
    with pytest.raises(Conflict, match="already in the plan"):
        plan.add_actor("Byns lanthandel", "private")
    with pytest.raises(RuleViolated, match="already left"):
        plan.remove_actor(actors["shop"], has_history=True)


def test_an_organisation_still_represented_is_neither_removed_nor_marked_as_left(
        plan: Plan, actors):
    plan.add_member("0b7f0c2e-9a43-4c53-9d7a-1b2c3d4e5f60", "representative", actors["kommun"])
    version = plan.version
    for history in (False, True):
        with pytest.raises(RuleViolated, match="still represented") as e:
            plan.remove_actor(actors["kommun"], has_history=history)
        assert e.value.details["person_ids"] == ["0b7f0c2e-9a43-4c53-9d7a-1b2c3d4e5f60"]
    assert plan.version == version


def test_an_organisation_that_left_gets_no_new_member(plan: Plan, actors):
    plan.remove_actor(actors["shop"], has_history=True)
    with pytest.raises(RuleViolated, match="has left the plan"):
        plan.add_member("4b7f0c2e-9a43-4c53-9d7a-1b2c3d4e5f61", "representative", actors["shop"])
    with pytest.raises(RuleViolated, match="has left the plan"):
        plan.require_active_actor(actors["shop"])
    assert plan.require_active_actor(actors["kommun"]) == actors["kommun"]


# ---- a budget's years ----------------------------------------------------------------------


def test_a_budget_covers_consecutive_years(plan: Plan):
    with pytest.raises(RuleViolated, match="consecutive"):
        Budget.create(plan.id, "B", [2025, 2027])
    with pytest.raises(RuleViolated, match="at most 10"):
        Budget.create(plan.id, "B", list(range(2025, 2036)))


def test_a_year_is_added_next_to_the_first_or_the_last_with_0_on_every_line(budget: Budget,
                                                                              line: str):
    budget.add_year(2028)
    budget.add_year(2024)
    assert budget.years == [2024, 2025, 2026, 2027, 2028]
    amounts = budget.lines[line]["amounts"]
    assert (amounts["2024"]["value"], amounts["2028"]["value"]) == (0, 0)
    assert amounts["2028"]["version"] == 1
    with pytest.raises(RuleViolated, match="add 2023 or 2029, not 2030") as e:
        budget.add_year(2030)
    assert e.value.details["field"] == "year"


def test_a_budget_never_grows_past_ten_years(plan: Plan):
    budget = Budget.create(plan.id, "B", list(range(2025, 2035)))
    with pytest.raises(RuleViolated, match="at most 10 years"):
        budget.add_year(2035)


def test_only_an_empty_first_or_last_year_is_removed(budget: Budget, line: str):
    with pytest.raises(RuleViolated, match="first or the last"):
        budget.remove_year(2026)
    budget.remove_year(2027)  # the line holds nothing in 2027
    assert budget.years == [2025, 2026]
    assert "2027" not in budget.lines[line]["amounts"]
    assert budget.pending_events[-1].before == {line: 0}


def test_removing_a_year_lines_hold_money_in_is_refused_naming_the_lines(budget: Budget,
                                                                         line: str):
    other = budget.add_line("El och värme", amounts={2025: 300})
    budget.add_line("Tom rad")
    version = budget.version
    with pytest.raises(RuleViolated) as e:
        budget.remove_year(2025)
    assert str(e.value) == ("These lines still hold money in 2025: “Lokalhyra”, “El och värme”. "
                            "Set them to 0 first.")
    assert [x["line_id"] for x in e.value.details["lines"]] == [line, other]
    assert budget.version == version


def test_the_last_year_of_a_budget_stays(plan: Plan):
    budget = Budget.create(plan.id, "B", [2025])
    with pytest.raises(RuleViolated, match="at least one year"):
        budget.remove_year(2025)


def test_a_line_restored_after_a_year_was_added_gets_0_for_it(budget: Budget, line: str):
    budget.remove_line(line)
    budget.add_year(2028)
    budget.restore_line(line)
    assert budget.lines[line]["amounts"]["2028"]["value"] == 0
    assert list(budget.lines[line]["amounts"]) == ["2025", "2026", "2027", "2028"]


def test_a_line_that_held_money_in_a_year_removed_since_is_not_restored(budget: Budget,
                                                                        line: str):
    budget.change_amount(line, 2027, 10)
    budget.remove_line(line)
    budget.remove_year(2027)
    with pytest.raises(RuleViolated, match="no longer covers"):
        budget.restore_line(line)


# ---- cost and income lines -----------------------------------------------------------------


def test_a_line_is_a_cost_unless_it_is_added_as_an_income(budget: Budget, line: str):
    fees = budget.add_line("Paketavgifter", amounts={2025: 500}, kind="income")
    assert budget.lines[line]["kind"]["value"] == "cost"
    assert budget.lines[fees]["kind"] == {"value": "income", "version": 1,
                                          "by": budget.lines[fees]["label"]["by"], "for": None}
    with pytest.raises(RuleViolated, match="kind must be one of"):
        budget.add_line("Fel", kind="negative")


def test_a_lines_kind_is_a_versioned_field(budget: Budget, line: str):
    assert budget.set_line_kind(line, "income", expected_version=1) == 2
    event = budget.pending_events[-1]
    assert (event.field, event.before, event.value) == ("kind", "cost", "income")
    with pytest.raises(StaleEdit) as e:
        budget.set_line_kind(line, "cost", expected_version=1)
    assert e.value.details["current_value"] == "income"
    with pytest.raises(RuleViolated, match="kind must be one of"):
        budget.set_line_kind(line, "gift")


# ---- adoption and superseding ---------------------------------------------------------------

DECISION = {"id": "1f1e7c55-1111-4c53-9d7a-1b2c3d4e5f60", "title": "Budget antas",
            "decided_on": "2025-03-01"}


def test_adoption_names_the_decision_and_the_revision(budget: Budget):
    budget.propose()
    budget.adopt(DECISION)
    event = budget.pending_events[-1]
    assert (event.status, event.decision, event.revision) == ("adopted", DECISION, 1)


def test_an_adopted_budget_is_superseded_only_by_its_own_revision(budget: Budget, plan: Plan):
    budget.propose()
    budget.adopt(DECISION)
    revision = budget.start_revision()
    stranger = Budget.create(plan.id, "Annan", [2025])
    with pytest.raises(RuleViolated, match="own revision"):
        budget.supersede(stranger, DECISION)
    budget.supersede(revision, DECISION)
    event = budget.pending_events[-1]
    assert (budget.status, event.before) == ("superseded", "adopted")
    assert event.superseded_by == {"budget_id": str(revision.id), "revision": 2}


def test_only_an_adopted_budget_can_be_superseded(budget: Budget, plan: Plan):
    budget.propose()
    budget.adopt(DECISION)
    revision = budget.start_revision()
    with pytest.raises(RuleViolated, match="The budget is draft; it cannot become superseded"):
        revision.supersede(revision, DECISION)


def test_a_superseded_budget_refuses_every_change_and_a_new_revision(budget: Budget, line: str):
    budget.propose()
    budget.adopt(DECISION)
    budget.supersede(budget.start_revision(), DECISION)
    for change in (lambda: budget.change_amount(line, 2025, 1), lambda: budget.add_line("Ny"),
                   lambda: budget.add_year(2028), lambda: budget.set_line_kind(line, "income")):
        with pytest.raises(RuleViolated, match="superseded"):
            change()
    with pytest.raises(RuleViolated, match="Only an adopted budget"):
        budget.start_revision()
