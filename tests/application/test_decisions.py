"""Recording decisions: facilitators only, members as attendees, a proposed budget adopted with it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from domain.budgets import Budget
from domain.context import acting_as
from domain.decisions import Decision
from domain.errors import NotAllowed, NotFound, RuleViolated
from domain.usecases import Samverkan

DAY = date(2025, 3, 1)


def _log_size(app: Samverkan) -> int:
    return app.recorder.max_notification_id() or 0


def _decide(app: Samverkan, plan_id: Any, attendees: list[str], budget_id: Any = None) -> Any:
    return app.record_decision(plan_id, DAY, "Budget antas", "Mötet antar budgeten.", attendees,
                               budget_id)


def test_a_facilitator_records_a_decision(app, plan_id, facilitator):
    saved = _decide(app, plan_id, [facilitator])
    decision = app.load(Decision, saved.aggregate_id)
    assert (decision.title, decision.attendees, decision.budget_id) == (
        "Budget antas", [facilitator], None)
    assert saved.positions == (_log_size(app),)


def test_a_proposed_budget_is_adopted_in_the_same_save(app, plan_id, budget_id, line_id, facilitator):
    app.propose_budget(budget_id)
    before = _log_size(app)
    saved = _decide(app, plan_id, [facilitator], budget_id)
    budget = app.load(Budget, budget_id)
    decision = app.load(Decision, saved.aggregate_id)
    assert budget.status == "adopted"
    assert (decision.budget_id, decision.budget_version) == (str(budget_id), budget.adopted_version)
    # Two events, one save: the adoption first, so the decision's position covers it.
    stored = list(app.notification_log.select(before + 1, 10))
    assert [n.topic.rsplit(":", 1)[1] for n in stored] == ["Budget.StatusChanged", "Decision.Recorded"]
    assert saved.positions == (before + 2,)


def test_the_adopted_version_is_frozen(app, plan_id, budget_id, line_id, facilitator):
    app.propose_budget(budget_id)
    version = app.load(Decision, _decide(app, plan_id, [facilitator], budget_id).aggregate_id
                       ).budget_version
    with pytest.raises(RuleViolated):
        app.change_amount(budget_id, line_id, 2025, 1)
    assert app.load(Budget, budget_id).version == version


def test_an_adopted_budget_can_be_decided_on_again_with_the_same_version(
        app, plan_id, budget_id, facilitator):
    app.propose_budget(budget_id)
    _decide(app, plan_id, [facilitator], budget_id)
    adopted = app.load(Budget, budget_id)
    saved = _decide(app, plan_id, [facilitator], budget_id)
    assert app.load(Decision, saved.aggregate_id).budget_version == adopted.adopted_version
    assert app.load(Budget, budget_id).version == adopted.version  # nothing new on the budget


def test_a_draft_budget_is_refused_and_nothing_is_stored(app, plan_id, budget_id, facilitator):
    before = _log_size(app)
    with pytest.raises(RuleViolated, match="proposed or adopted"):
        _decide(app, plan_id, [facilitator], budget_id)
    assert _log_size(app) == before
    assert app.load(Budget, budget_id).status == "draft"


def test_a_budget_of_another_plan_is_refused(app, plan_id, facilitator):
    other_plan = app.start_plan("Annan plan", "Annanstans", 2025, 2026).aggregate_id
    other_budget = app.create_budget(other_plan, "Deras budget").aggregate_id
    app.propose_budget(other_budget)
    before = _log_size(app)
    with pytest.raises(RuleViolated, match="another plan"):
        _decide(app, plan_id, [facilitator], other_budget)
    assert _log_size(app) == before
    assert app.load(Budget, other_budget).status == "proposed"


def test_a_budget_that_does_not_exist_is_not_found(app, plan_id, facilitator):
    with pytest.raises(NotFound):
        _decide(app, plan_id, [facilitator], uuid4())


def test_attendees_must_be_members_and_nothing_is_stored(app, plan_id, budget_id, facilitator):
    app.propose_budget(budget_id)
    before = _log_size(app)
    with pytest.raises(RuleViolated, match="member of the plan"):
        _decide(app, plan_id, [facilitator, str(uuid4())], budget_id)
    assert _log_size(app) == before
    assert app.load(Budget, budget_id).status == "proposed"  # not adopted either


@pytest.mark.parametrize("role", ["representative", "observer"])
def test_only_a_facilitator_records_a_decision(app, plan_id, budget_id, actors, facilitator, role):
    person = str(uuid4())
    app.add_member(plan_id, person, role, actors["kommun"] if role == "representative" else None)
    app.propose_budget(budget_id)
    before = _log_size(app)
    with acting_as(person), pytest.raises(NotAllowed, match="facilitator"):
        _decide(app, plan_id, [facilitator, person], budget_id)
    assert _log_size(app) == before
    assert app.load(Budget, budget_id).status == "proposed"


def test_a_non_member_cannot_record_a_decision(app, plan_id, facilitator):
    with acting_as(str(uuid4())), pytest.raises(NotAllowed):
        _decide(app, plan_id, [facilitator])


def test_the_decision_records_the_organisation_the_facilitator_represents(
        app, plan_id, actors, facilitator):
    app.change_member(plan_id, facilitator, "facilitator", actors["kommun"])
    saved = _decide(app, plan_id, [facilitator])
    event = next(iter(app.events.get(saved.aggregate_id)))
    assert (event.acted_by, event.acted_for) == (facilitator, actors["kommun"])


def test_a_decision_is_not_found_as_another_kind(app, plan_id, facilitator):
    saved = _decide(app, plan_id, [facilitator])
    with pytest.raises(NotFound, match="No such budget"):
        app.load(Budget, saved.aggregate_id)
    with pytest.raises(NotFound, match="No such decision"):
        app.load(Decision, plan_id)

