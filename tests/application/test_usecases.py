"""Use cases through `Samverkan` on the in-memory store: flows, cross-aggregate rules, ids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.application import Saved
from domain.budgets import Budget
from domain.commitments import Commitment
from domain.context import acting_as
from domain.errors import Conflict, NotFound, RuleViolated
from domain.plans import Plan
from domain.services import SharedService
from domain.usecases import Samverkan

DUE = date(2025, 12, 31)


def test_demo_plan_flows_from_plan_to_adopted_budget(app: Samverkan, plan_id, actors, facilitator):
    budget_id = app.create_budget(plan_id, "Servicepunkt 2025-2027").aggregate_id
    rent = app.add_line(budget_id, "Lokalhyra", "premises", {2025: 1_000_000}).entity_id
    pc = app.add_line(budget_id, "Publik dator", "equipment", {2025: 1_500_000},
                      position=0).entity_id
    app.change_amount(budget_id, rent, 2026, 1_000_000, expected_version=1)
    app.set_share(budget_id, rent, actors["kommun"], 6_000)
    app.set_share(budget_id, rent, actors["shop"], 4_000)
    app.move_line(budget_id, rent, 0)
    app.propose_budget(budget_id)
    app.return_budget_to_draft(budget_id)
    app.propose_budget(budget_id)
    app.record_decision(plan_id, date(2025, 3, 1), "Budgeten antas", "Mötet antar budgeten.",
                        [facilitator], budget_id)

    budget = app.load(Budget, budget_id)
    assert (budget.status, budget.plan_id, budget.years) == ("adopted", str(plan_id),
                                                             [2025, 2026, 2027])
    assert budget.order == [rent, pc]
    assert budget.total() == 3_500_000
    assert {a: f["value"] for a, f in budget.lines[rent]["shares"].items()} == {
        actors["kommun"]: 6_000, actors["shop"]: 4_000}
    plan = app.load(Plan, plan_id)
    assert len(plan.actors) == 4 and plan.role_of(facilitator) == "facilitator"


def test_budget_covers_the_plans_years(app: Samverkan):
    plan_id = app.start_plan("Tioårsplan", "Byn", 2026, 2035).aggregate_id
    budget = app.load(Budget, app.create_budget(plan_id, "B").aggregate_id)
    assert budget.years == list(range(2026, 2036))


def test_plan_commands_go_through_the_application(app: Samverkan, plan_id, actors):
    person = uuid4()
    app.add_member(plan_id, person, "representative", actors["shop"])
    app.change_member(plan_id, person, "observer")
    app.change_actor(plan_id, actors["shop"], "Byns Handel AB", "private")
    app.change_plan_details(plan_id, "Servicepunkt Norrby", "Norrby")
    with pytest.raises(Conflict):
        app.add_actor(plan_id, "byns handel ab", "private")
    app.remove_member(plan_id, person)
    plan = app.load(Plan, plan_id)
    assert (plan.name, plan.actors[actors["shop"]]["name"]) == (
        "Servicepunkt Norrby", "Byns Handel AB")
    assert str(person) not in plan.members


# ---- receipts -------------------------------------------------------------------------------


def test_receipts_carry_the_new_version_and_the_log_positions(app: Samverkan):
    started = app.start_plan("P", "Byn", 2025, 2026)
    assert started == Saved(started.aggregate_id, 1, (1,), None)
    added = app.add_actor(started.aggregate_id, "Kommunen", "public")
    assert (added.version, added.positions) == (2, (2,))
    assert UUID(added.entity_id)
    budget = app.create_budget(started.aggregate_id, "B")
    line = app.add_line(budget.aggregate_id, "Hyra")
    assert (budget.version, budget.positions) == (1, (3,))
    assert (line.version, line.positions) == (2, (4,))
    assert line.entity_id in app.load(Budget, budget.aggregate_id).lines


def test_a_command_that_changes_nothing_stores_nothing(app: Samverkan, budget_id, line_id):
    before = app.recorder.max_notification_id()
    receipt = app.change_amount(budget_id, line_id, 2025, 1_000_000)
    assert (receipt.version, receipt.positions) == (2, ())
    assert app.recorder.max_notification_id() == before


def test_stored_events_record_who_acted_for_which_organisation(app, plan_id, actors,
                                                               budget_id, line_id):
    person = uuid4()
    app.add_member(plan_id, person, "representative", actors["kommun"])
    with acting_as(person, actors["kommun"], command_id="socket-42"):
        app.set_share(budget_id, line_id, actors["kommun"], 2_500)
    event = list(app.events.get(budget_id))[-1]
    assert isinstance(event, Budget.CostShareChanged)
    assert (event.acted_by, event.acted_for, event.command_id, event.plan_id) == (
        str(person), actors["kommun"], "socket-42", str(plan_id))


def test_an_earlier_version_can_be_loaded(app: Samverkan, budget_id, line_id):
    app.change_amount(budget_id, line_id, 2025, 5)
    assert app.load(Budget, budget_id, version=2).lines[line_id]["amounts"]["2025"]["value"] == (
        1_000_000)


# ---- rules that span aggregates -------------------------------------------------------------


def test_share_for_an_organisation_outside_the_plan_is_not_found(app, budget_id, line_id):
    with pytest.raises(NotFound, match="No such organisation"):
        app.set_share(budget_id, line_id, uuid4(), 5_000)
    assert app.load(Budget, budget_id).lines[line_id]["shares"] == {}


def test_shares_of_a_line_never_exceed_one_hundred_percent(app, actors, budget_id, line_id):
    app.set_share(budget_id, line_id, actors["kommun"], 7_000)
    with pytest.raises(RuleViolated, match="110 %"):
        app.set_share(budget_id, line_id, actors["region"], 4_000)


@pytest.fixture
def other_plans_service(app: Samverkan) -> UUID:
    other_plan = app.start_plan("Annan plan", "Grannbyn", 2025, 2027).aggregate_id
    return app.create_service(other_plan, "Servicepunkt", "Grannbyn").aggregate_id


def test_line_cannot_link_a_service_of_another_plan(app, budget_id, line_id,
                                                    other_plans_service):
    with pytest.raises(RuleViolated, match="belongs to another plan"):
        app.link_line_to_service(budget_id, line_id, other_plans_service)
    with pytest.raises(RuleViolated, match="belongs to another plan"):
        app.add_line(budget_id, "Drift", service_id=other_plans_service)


def test_new_line_may_link_a_service_of_the_same_plan(app, plan_id, budget_id):
    service_id = app.create_service(plan_id, "Servicepunkt", "Byn").aggregate_id
    line = app.add_line(budget_id, "Drift", service_id=service_id).entity_id
    assert app.load(Budget, budget_id).lines[line]["service_id"]["value"] == str(service_id)


def test_existing_line_may_be_linked_to_a_service_of_the_same_plan(app, plan_id, budget_id,
                                                                   line_id):
    service_id = app.create_service(plan_id, "Servicepunkt", "Byn").aggregate_id
    app.link_line_to_service(budget_id, line_id, service_id, expected_version=1)
    assert app.load(Budget, budget_id).lines[line_id]["service_id"]["value"] == str(service_id)


def test_service_providers_and_risk_owners_are_organisations_of_the_plan(app, plan_id, actors):
    service_id = app.create_service(plan_id, "Servicepunkt", "Byn").aggregate_id
    with pytest.raises(NotFound):
        app.add_provider(service_id, uuid4())
    with pytest.raises(NotFound):
        app.record_risk(service_id, "Brand", 1, 5, owner_id=uuid4())
    app.add_provider(service_id, actors["shop"])
    risk = app.record_risk(service_id, "Brand", 1, 5, owner_id=actors["shop"]).entity_id
    kpi = app.define_kpi(service_id, "Besökare", "personer", "40.5", by_gender=True).entity_id
    app.measure_kpi(service_id, kpi, date(2025, 6, 30), "30", {"women": 20, "men": 10})
    app.move_service_to(service_id, "proposed")
    service = app.load(SharedService, service_id)
    assert (service.providers, service.stage) == ([actors["shop"]], "proposed")
    assert service.risks[risk]["owner_id"] == actors["shop"]
    assert service.kpis[kpi]["target"] == "40.5"
    assert service.kpis[kpi]["measurements"][0]["on"] == "2025-06-30"
    stored = list(app.events.get(service_id))[-2]
    assert (stored.on, stored.value) == (date(2025, 6, 30), Decimal("30"))


def test_a_plan_requiring_the_gender_split_refuses_people_kpis_without_it(
        app: Samverkan, plan_id, representative):
    """The plan's setting holds for every KPI about people, also one defined before it."""
    service = app.create_service(plan_id, "Servicepunkt", "Byn").aggregate_id
    earlier = app.define_kpi(service, "Användare av datorn", "personer",
                             about_people=True).entity_id
    app.require_gender_split(plan_id, True)
    assert app.load(Plan, plan_id).gender_split_required is True
    with representative("kommun"):
        with pytest.raises(RuleViolated, match="by gender") as refused:
            app.define_kpi(service, "Besökare", "personer", about_people=True)
        assert refused.value.details["field"] == "by_gender"
        with pytest.raises(RuleViolated, match="give the split"):
            app.measure_kpi(service, earlier, date(2025, 6, 30), 12)
        assert app.load(SharedService, service).kpis[earlier]["measurements"] == []
        app.measure_kpi(service, earlier, date(2025, 6, 30), 12, {"women": 7, "men": 5})
        app.define_kpi(service, "Besökare", "personer", by_gender=True, about_people=True)
        app.define_kpi(service, "Paket", "st")  # not about people
    app.require_gender_split(plan_id, False)
    app.measure_kpi(service, earlier, date(2025, 7, 31), 12)  # no longer required
    assert len(app.load(SharedService, service).kpis) == 3


def test_adopted_budget_is_revised_once(app: Samverkan, plan_id, budget_id, line_id, facilitator):
    app.propose_budget(budget_id)
    app.record_decision(plan_id, date(2025, 3, 1), "Budgeten antas", "Mötet antar budgeten.",
                        [facilitator], budget_id)
    revision = app.start_revision(budget_id)
    assert revision.aggregate_id == Budget.revision_id(budget_id)
    with pytest.raises(Conflict):
        app.start_revision(budget_id)
    app.change_amount(revision.aggregate_id, line_id, 2025, 1)
    assert app.load(Budget, budget_id).total() == 1_000_000
    assert app.load(Budget, revision.aggregate_id).total() == 1


# ---- unknown and malformed ids --------------------------------------------------------------


@pytest.mark.parametrize("bad_id", [uuid4(), str(uuid4()), "not-a-uuid", "", None])
def test_unknown_or_malformed_aggregate_id_is_not_found(app: Samverkan, bad_id):
    for kind in (Plan, Budget, SharedService, Commitment):
        with pytest.raises(NotFound):
            app.load(kind, bad_id)
    with pytest.raises(NotFound, match="No such plan"):
        app.create_budget(bad_id, "B")
    with pytest.raises(NotFound, match="No such budget"):
        app.propose_budget(bad_id)


def test_an_id_of_another_kind_is_not_found(app: Samverkan, plan_id, budget_id):
    with pytest.raises(NotFound, match="No such budget") as e:
        app.add_line(plan_id, "Hyra")
    assert e.value.details == {"id": str(plan_id)}
    with pytest.raises(NotFound, match="No such plan"):
        app.add_actor(budget_id, "Kommunen", "public")
    with pytest.raises(NotFound, match="No such service"):
        app.add_need(budget_id, "Paket")
    with pytest.raises(NotFound, match="No such commitment"):
        app.confirm_commitment(plan_id)


def test_unknown_line_is_not_found(app: Samverkan, budget_id):
    with pytest.raises(NotFound, match="No such line"):
        app.change_amount(budget_id, uuid4(), 2025, 1)


@pytest.mark.parametrize("command", [
    lambda app, budget_id: app.change_amount(budget_id, "not-a-uuid", 2025, 1),
    lambda app, budget_id: app.set_share(
        budget_id, app.load(Budget, budget_id).order[0], "not-a-uuid", 1),
    lambda app, budget_id: app.remove_member(app.load(Budget, budget_id).plan_id, "x"),
    lambda app, budget_id: app.remove_risk(
        app.create_service(app.load(Budget, budget_id).plan_id, "Servicepunkt", "Byn")
        .aggregate_id, "not-a-uuid"),
], ids=["line", "actor", "member", "risk"])
def test_malformed_entity_id_is_not_found(app: Samverkan, budget_id, line_id, command):
    version = app.load(Budget, budget_id).version
    with pytest.raises(NotFound, match="not a valid id") as e:
        command(app, budget_id)
    assert e.value.details["id"] in ("not-a-uuid", "x")
    assert app.load(Budget, budget_id).version == version


# ---- commitments ----------------------------------------------------------------------------


def test_money_pledge_toward_a_budget_line_is_confirmed_delivered_and_verified(
        app, plan_id, actors, budget_id, line_id, representative):
    with representative("kommun"):
        receipt = app.pledge(plan_id, actors["kommun"], "money", 600_000, DUE,
                             budget_id=budget_id, line_id=line_id)
        app.confirm_commitment(receipt.aggregate_id)
        app.record_delivery(receipt.aggregate_id, 200_000, date(2025, 3, 1))
        app.record_delivery(receipt.aggregate_id, 400_000, date(2025, 9, 1), "Slutbetalning")
    app.verify_commitment(receipt.aggregate_id, "Faktura 123")
    c = app.load(Commitment, receipt.aggregate_id)
    assert (c.status, c.delivered, c.value_ore, c.plan_id) == (
        "verified", 600_000, 600_000, str(plan_id))
    assert c.deliveries[1]["on"] == "2025-09-01"


def test_pledge_can_be_withdrawn(app, plan_id, actors, representative):
    service_id = app.create_service(plan_id, "Servicepunkt", "Byn").aggregate_id
    with representative("association"):
        receipt = app.pledge(plan_id, actors["association"], "volunteer_hours", 120, DUE,
                             service_id=service_id)
        app.withdraw_commitment(receipt.aggregate_id, "Färre frivilliga")
    assert app.load(Commitment, receipt.aggregate_id).status == "withdrawn"


@pytest.mark.parametrize(("target", "error", "message"), [
    ({"actor": "unknown"}, NotFound, "No such organisation"),
    ({"plan": "unknown"}, NotFound, "No such plan"),
    ({"service": "other plan"}, RuleViolated, "service belongs to another plan"),
    ({"budget": "other plan"}, RuleViolated, "budget belongs to another plan"),
    ({"line": "unknown"}, NotFound, "No such line"),
    ({"line": "without budget"}, RuleViolated, "named together with its budget"),
    ({"budget": "without line"}, RuleViolated, "named together with its budget"),
    ({"service": "unknown"}, NotFound, "No such service"),
])
def test_pledge_is_checked_against_the_plan_its_budgets_and_services(
        app, plan_id, actors, budget_id, line_id, target, error, message, facilitator):
    app.change_member(plan_id, facilitator, "facilitator", actors["kommun"])  # pledges for it
    other_plan = app.start_plan("Annan plan", "Grannbyn", 2025, 2027).aggregate_id
    other = {"service": app.create_service(other_plan, "S", "Grannbyn").aggregate_id,
             "budget": app.create_budget(other_plan, "B").aggregate_id}
    args = {"plan_id": plan_id, "actor_id": actors["kommun"], "kind": "money",
            "quantity": 100, "due": DUE, "budget_id": budget_id, "line_id": line_id,
            "service_id": app.create_service(plan_id, "S", "Byn").aggregate_id}
    [(what, how)] = target.items()
    if what in ("plan", "actor"):
        args[f"{what}_id"] = uuid4()
    elif what == "line":
        args["line_id"] = uuid4()
        if how == "without budget":
            args["budget_id"] = None
    elif what == "budget":
        args["budget_id"] = other["budget"] if how == "other plan" else budget_id
        if how == "without line":
            args["line_id"] = None
    elif what == "service":
        args["service_id"] = other["service"] if how == "other plan" else uuid4()
    with pytest.raises(error, match=message):
        app.pledge(**args)
