"""Importing a budget is one use case: a new draft with every line in one event, the same rights
as creating a budget, and the same guards as adding the lines one by one (nothing stored when
any fails)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from uuid import UUID

import pytest

from domain.budget_import import ImportLine
from domain.budgets import MAX_AMOUNT, MAX_LINES, Budget
from domain.context import Acting
from domain.errors import NotAllowed, NotFound, RuleViolated
from domain.usecases import Samverkan


def _events(app: Samverkan) -> int:
    return app.recorder.max_notification_id() or 0


def test_an_import_is_one_event_holding_every_line_amount_and_share(
        app: Samverkan, plan_id: UUID, actors: dict[str, str], facilitator: str) -> None:
    before = _events(app)
    saved = app.import_budget(str(plan_id), "Från Excel", [2025, 2026], [
        ImportLine("Lokalhyra", "Lokal", "cost", {2025: 5_200_000, 2026: 1_250_050},
                   {actors["kommun"]: 6_000, actors["shop"]: 4_000}),
        ImportLine("Bidrag", "", "income", {2025: 1_000_000})], "budget.xlsx")
    assert _events(app) == before + 1 and saved.version == 1
    budget = app.load(Budget, saved.aggregate_id)
    assert (budget.title, budget.years, budget.status) == ("Från Excel", [2025, 2026], "draft")
    rent, grant = (budget.lines[i] for i in budget.order)
    assert rent["amounts"]["2026"]["value"] == 1_250_050 and grant["amounts"]["2026"]["value"] == 0
    assert budget.share_of(budget.order[0], actors["shop"]) == 4_000
    assert rent["label"]["by"] == facilitator and grant["kind"]["value"] == "income"
    created = next(iter(app.events.get(saved.aggregate_id)))
    assert created.source == "budget.xlsx" and len(created.lines) == 2
    # The lines are ordinary lines: edited, shared and undone like any other.
    app.change_amount(saved.aggregate_id, budget.order[1], 2025, 900_000, expected_version=1)
    app.undo_last_change(saved.aggregate_id)
    grant_now = app.load(Budget, saved.aggregate_id).lines[budget.order[1]]
    assert grant_now["amounts"]["2025"]["value"] == 1_000_000


@pytest.mark.parametrize(("years", "lines"), [
    ([2025, 2027], [ImportLine("Hyra")]),  # not consecutive
    ([2024, 2025], [ImportLine("Hyra")]),  # outside the plan
    ([2025], [ImportLine(" ")]),  # no name
    ([2025], [ImportLine("Hyra", amounts={2026: 100})]),  # a year the budget does not cover
    ([2025], [ImportLine("Hyra", amounts={2025: MAX_AMOUNT + 1})]),
    ([2025], [ImportLine("Hyra", amounts={2025: -1})]),
    ([2025], [ImportLine("Hyra", kind="gift")]),
    ([2025], [ImportLine("Hyra", category="k" * 81)]),
    ([2025], [ImportLine("Hyra")] * (MAX_LINES + 1)),
])
def test_an_import_breaking_any_rule_of_a_budget_stores_nothing(
        app: Samverkan, plan_id: UUID, years: list[int], lines: list[ImportLine]) -> None:
    before = _events(app)
    with pytest.raises(RuleViolated):
        app.import_budget(str(plan_id), "Budget", years, lines, "budget.xlsx")
    assert _events(app) == before


def test_shares_of_an_import_follow_the_rules_of_shares(
        app: Samverkan, plan_id: UUID, actors: dict[str, str]) -> None:
    before = _events(app)
    with pytest.raises(RuleViolated, match="at most 100"):
        app.import_budget(str(plan_id), "B", [2025], [ImportLine(
            "Hyra", shares={actors["kommun"]: 6_000, actors["shop"]: 4_001})], "b.csv")
    with pytest.raises(NotFound):
        app.import_budget(str(plan_id), "B", [2025], [ImportLine(
            "Hyra", shares={"00000000-0000-0000-0000-000000000000": 100})], "b.csv")
    assert _events(app) == before


def test_only_those_who_may_create_a_budget_import_one(
        app: Samverkan, plan_id: UUID, actors: dict[str, str],
        representative: Callable[[str], AbstractContextManager[Acting]]) -> None:
    with representative("kommun"), pytest.raises(NotAllowed):
        app.import_budget(str(plan_id), "B", [2025], [ImportLine("Hyra")], "b.csv")
