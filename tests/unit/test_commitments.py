"""Commitment: pledged → confirmed → delivered (in parts) → verified, or withdrawn."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.commitments import Commitment
from domain.errors import RuleViolated
from domain.plans import Plan

DUE = date(2025, 12, 31)
ON = date(2025, 10, 1)


@pytest.fixture
def target() -> dict[str, str]:
    return {"service_id": str(uuid4())}


@pytest.fixture
def pledge(plan: Plan, actors, target):
    def pledge(kind: str = "staff_hours", quantity: int = 40, **kwargs) -> Commitment:
        return Commitment.pledge(plan.id, actors["kommun"], kind, quantity, DUE,
                                 **{**target, **kwargs})
    return pledge


@pytest.fixture
def confirmed(pledge) -> Commitment:
    commitment = pledge()
    commitment.confirm()
    return commitment


def test_pledge_records_what_who_and_toward_what(plan: Plan, actors, target):
    budget, line = str(uuid4()), str(uuid4())
    c = Commitment.pledge(plan.id, actors["shop"], "premises", 25, DUE, "Hörnet i butiken",
                          value_ore=1_200_000, budget_id=budget, line_id=line, **target)
    assert (c.plan_id, c.actor_id, c.kind, c.quantity, c.unit) == (
        str(plan.id), actors["shop"], "premises", 25, "m²")
    assert (c.value_ore, c.budget_id, c.line_id, c.service_id) == (
        1_200_000, budget, line, target["service_id"])
    assert (c.status, c.due, c.deliveries, c.delivered) == ("pledged", "2025-12-31", [], 0)


@pytest.mark.parametrize("kind", ["cash", "", None, "Money"])
def test_pledge_kind_must_be_known(pledge, kind):
    with pytest.raises(RuleViolated, match="kind must be one of"):
        pledge(kind)


@pytest.mark.parametrize("quantity", [0, -1, 1.5, 2.0, True, "3"])
def test_pledge_quantity_is_a_whole_number_of_at_least_one(pledge, quantity):
    with pytest.raises(RuleViolated, match="quantity"):
        pledge(quantity=quantity)


def test_pledge_must_go_toward_a_service_or_a_budget_line(plan: Plan, actors):
    with pytest.raises(RuleViolated, match="toward a service, a budget line, or both"):
        Commitment.pledge(plan.id, actors["kommun"], "money", 100, DUE)


def test_pledge_toward_a_line_alone_is_fine(plan: Plan, actors):
    c = Commitment.pledge(plan.id, actors["kommun"], "money", 100, DUE,
                          budget_id=uuid4(), line_id=uuid4())
    assert c.service_id is None


@pytest.mark.parametrize("named", [{"line_id": str(uuid4())}, {"budget_id": str(uuid4())}])
def test_budget_line_is_named_together_with_its_budget(pledge, named):
    with pytest.raises(RuleViolated, match="named together with its budget"):
        pledge(**named)


def test_pledge_needs_a_due_date(plan: Plan, actors, target):
    with pytest.raises(RuleViolated, match="due date"):
        Commitment.pledge(plan.id, actors["kommun"], "money", 100, "2025-12-31", **target)


def test_money_pledge_is_worth_its_amount(pledge):
    assert pledge("money", 5_000_000).value_ore == 5_000_000
    assert pledge("money", 5_000_000, value_ore=5_000_000).value_ore == 5_000_000
    with pytest.raises(RuleViolated, match="worth its amount"):
        pledge("money", 5_000_000, value_ore=4_000_000)


def test_in_kind_pledge_may_carry_a_value_in_ore(pledge):
    assert pledge("volunteer_hours", 60).value_ore is None
    assert pledge("volunteer_hours", 60, value_ore=0).value_ore == 0
    with pytest.raises(RuleViolated, match="value_ore"):
        pledge("equipment", 1, value_ore=-1)


def test_confirming_moves_a_pledge_to_confirmed_once(pledge):
    c = pledge()
    c.confirm()
    assert c.status == "confirmed"
    with pytest.raises(RuleViolated, match="confirmed; this one is confirmed"):
        c.confirm()


def test_pledge_must_be_confirmed_before_deliveries(pledge):
    with pytest.raises(RuleViolated, match="recorded on a confirmed commitment; this one is pledged"):
        pledge().record_delivery(1, ON)


def test_partial_deliveries_add_up_until_delivered(confirmed: Commitment):
    first = confirmed.record_delivery(15, ON, "Vecka 40")
    assert (confirmed.status, confirmed.delivered) == ("confirmed", 15)
    confirmed.record_delivery(25, date(2025, 11, 1))
    assert (confirmed.status, confirmed.delivered) == ("delivered", 40)
    assert confirmed.deliveries[0] == {"id": first, "quantity": 15, "on": "2025-10-01",
                                       "note": "Vecka 40", "over_delivery": False}


def test_delivering_more_than_pledged_is_refused(confirmed: Commitment):
    confirmed.record_delivery(30, ON)
    with pytest.raises(RuleViolated, match="exceed what was pledged") as e:
        confirmed.record_delivery(11, ON)
    assert e.value.details == {"pledged": 40, "delivered": 30, "remaining": 10}
    assert confirmed.delivered == 30


def test_over_delivery_is_allowed_when_marked(confirmed: Commitment):
    confirmed.record_delivery(50, ON, over_delivery=True)
    assert (confirmed.status, confirmed.delivered) == ("delivered", 50)
    assert confirmed.deliveries[0]["over_delivery"] is True


@pytest.mark.parametrize(("quantity", "on"), [(0, ON), (1.5, ON), (1, "2025-10-01")])
def test_delivery_needs_a_positive_whole_quantity_and_a_date(confirmed, quantity, on):
    with pytest.raises(RuleViolated):
        confirmed.record_delivery(quantity, on)


def test_no_deliveries_after_delivered(confirmed: Commitment):
    confirmed.record_delivery(40, ON)
    with pytest.raises(RuleViolated, match="is delivered"):
        confirmed.record_delivery(1, ON, over_delivery=True)


def test_only_a_delivered_commitment_can_be_verified(pledge, confirmed: Commitment):
    with pytest.raises(RuleViolated, match="can be verified; this one is pledged"):
        pledge().verify()
    with pytest.raises(RuleViolated, match="can be verified; this one is confirmed"):
        confirmed.verify()
    confirmed.record_delivery(40, ON)
    confirmed.verify("Tidrapporter kontrollerade")
    assert confirmed.status == "verified"
    assert confirmed.pending_events[-1].note == "Tidrapporter kontrollerade"


@pytest.mark.parametrize("confirm", [False, True])
def test_pledged_or_confirmed_commitment_can_be_withdrawn_with_a_reason(pledge, confirm):
    c = pledge()
    if confirm:
        c.confirm()
    before = c.status
    c.withdraw("Budgeten minskades")
    assert (c.status, c.withdrawn_reason) == ("withdrawn", "Budgeten minskades")
    assert c.pending_events[-1].before == before


def test_withdrawal_needs_a_reason(pledge):
    with pytest.raises(RuleViolated, match="reason"):
        pledge().withdraw("  ")


def test_delivered_verified_or_withdrawn_commitment_cannot_be_withdrawn(
        pledge, confirmed: Commitment):
    confirmed.record_delivery(40, ON)
    with pytest.raises(RuleViolated, match="is delivered"):
        confirmed.withdraw("För sent")
    confirmed.verify()
    with pytest.raises(RuleViolated, match="is verified"):
        confirmed.withdraw("För sent")
    withdrawn = pledge()
    withdrawn.withdraw("Ändrade planer")
    with pytest.raises(RuleViolated, match="is withdrawn"):
        withdrawn.withdraw("Igen")
    with pytest.raises(RuleViolated, match="is withdrawn"):
        withdrawn.confirm()
