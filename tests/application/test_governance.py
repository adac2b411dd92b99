"""Governance use cases: archived plans, organisations that leave, budgets' years, adoption only
by decision (superseding the revision before), and shares that belong to their organisation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from domain.access import READ
from domain.budgets import Budget
from domain.context import acting_as
from domain.errors import NotAllowed, RuleViolated
from domain.plans import Plan
from domain.ports import OrganisationUse
from domain.usecases import Samverkan

DAY = date(2025, 3, 1)


class Usage:
    """The organisation usage port with a fixed answer per organisation (the read models'
    implementation is tested in tests/integration/test_organisation_usage.py)."""

    def __init__(self, used: set[str]) -> None:
        self.used = used

    def use_of(self, plan_id: str, actor_id: str) -> OrganisationUse:
        return OrganisationUse(commitments=1 if actor_id in self.used else 0)


@pytest.fixture
def world(app: Samverkan, plan_id: Any, actors: dict[str, str], budget_id: Any, line_id: str,
          facilitator: str) -> dict[str, Any]:
    service = app.create_service(plan_id, "Servicepunkt", "Byn").aggregate_id
    rep = str(uuid4())
    app.add_member(plan_id, rep, "representative", actors["kommun"])
    with acting_as(rep):
        pledged = app.pledge(plan_id, actors["kommun"], "money", 100, DAY,
                             service_id=service).aggregate_id
    return {"plan": plan_id, "budget": budget_id, "line": line_id, "actors": actors,
            "service": service, "rep": rep, "pledged": pledged, "facilitator": facilitator}


def _stored(app: Samverkan) -> int:
    return app.recorder.max_notification_id() or 0


# ---- an archived plan -------------------------------------------------------------------------

# Every kind of command on the plan and on its budgets, services, commitments and decisions.
COMMANDS: dict[str, Callable[[Samverkan, dict[str, Any]], Any]] = {
    "change_plan_details": lambda a, w: a.change_plan_details(w["plan"], "Ny", "By"),
    "archive_plan": lambda a, w: a.archive_plan(w["plan"]),
    "add_actor": lambda a, w: a.add_actor(w["plan"], "Ny förening", "voluntary"),
    "change_actor": lambda a, w: a.change_actor(w["plan"], w["actors"]["shop"], "Butiken",
                                                "private"),
    "add_member": lambda a, w: a.add_member(w["plan"], str(uuid4()), "observer"),
    "create_budget": lambda a, w: a.create_budget(w["plan"], "B2"),
    "add_budget_year": lambda a, w: a.add_budget_year(w["budget"], 2028),
    "add_line": lambda a, w: a.add_line(w["budget"], "Ny rad"),
    "change_amount": lambda a, w: a.change_amount(w["budget"], w["line"], 2025, 5),
    "set_share": lambda a, w: a.set_share(w["budget"], w["line"], w["actors"]["shop"], 100),
    "set_line_kind": lambda a, w: a.set_line_kind(w["budget"], w["line"], "income"),
    "remove_line": lambda a, w: a.remove_line(w["budget"], w["line"]),
    "undo": lambda a, w: a.undo_last_change(w["budget"]),
    "propose_budget": lambda a, w: a.propose_budget(w["budget"]),
    "record_decision": lambda a, w: a.record_decision(w["plan"], DAY, "Beslut", "Text.",
                                                      [w["facilitator"]]),
    "create_service": lambda a, w: a.create_service(w["plan"], "Hemsändning", "Byn"),
    "add_need": lambda a, w: a.add_need(w["service"], "Paket nära"),
    "verify_commitment": lambda a, w: a.verify_commitment(w["pledged"]),
    "join_plan": lambda a, w: a.join_plan(w["plan"], "observer", None, w["facilitator"]),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_archived_plan_refuses_every_kind_of_command_and_stores_nothing(
        app: Samverkan, world: dict[str, Any], command: str) -> None:
    app.archive_plan(world["plan"], "Planen är avslutad.")
    before = _stored(app)
    person = str(uuid4()) if command == "join_plan" else world["facilitator"]
    with acting_as(person), pytest.raises(RuleViolated, match="This plan is archived"):
        COMMANDS[command](app, world)
    assert _stored(app) == before


def test_a_representatives_commands_in_an_archived_plan_are_refused_too(
        app: Samverkan, world: dict[str, Any]) -> None:
    app.archive_plan(world["plan"])
    with acting_as(world["rep"]), pytest.raises(RuleViolated, match="archived"):
        app.confirm_commitment(world["pledged"])


def test_an_archived_plan_stays_readable_by_its_members(app: Samverkan,
                                                        world: dict[str, Any]) -> None:
    app.archive_plan(world["plan"])
    with acting_as(world["rep"]):
        assert app.require(world["plan"], READ)["role"] == "representative"
        assert app.budget_at(world["budget"]).status == "draft"
    assert app.load(Plan, world["plan"]).archived


# ---- organisations that leave ---------------------------------------------------------------


def test_an_organisation_that_took_no_part_is_removed(app: Samverkan,
                                                      world: dict[str, Any]) -> None:
    app.organisation_usage = Usage(set())
    saved = app.remove_actor(world["plan"], world["actors"]["region"])
    assert saved.effect == "removed"
    assert world["actors"]["region"] not in app.load(Plan, world["plan"]).actors


def test_an_organisation_with_a_history_is_marked_as_having_left(app: Samverkan,
                                                                  world: dict[str, Any]) -> None:
    app.organisation_usage = Usage({world["actors"]["shop"]})
    saved = app.remove_actor(world["plan"], world["actors"]["shop"])
    assert saved.effect == "left"
    assert app.load(Plan, world["plan"]).actors[world["actors"]["shop"]]["left"] is True


def test_only_a_facilitator_removes_an_organisation_and_outsiders_learn_nothing_of_it(
        app: Samverkan, world: dict[str, Any]) -> None:
    class Asked(Usage):
        def use_of(self, plan_id: str, actor_id: str) -> OrganisationUse:
            raise AssertionError("the port was asked before the right was checked")

    app.organisation_usage = Asked(set())
    for person in (world["rep"], str(uuid4())):
        with acting_as(person), pytest.raises(NotAllowed):
            app.remove_actor(world["plan"], world["actors"]["region"])


def test_an_organisation_that_left_gets_no_new_share_pledge_member_or_service(
        app: Samverkan, world: dict[str, Any]) -> None:
    shop = world["actors"]["shop"]
    app.set_share(world["budget"], world["line"], shop, 3000)
    other_line = app.add_line(world["budget"], "Ny").entity_id
    app.organisation_usage = Usage({shop})
    app.remove_actor(world["plan"], shop)
    before = _stored(app)
    refusals = [
        lambda: app.set_share(world["budget"], world["line"], shop, 4000),
        lambda: app.set_share(world["budget"], other_line, shop, 100),
        lambda: app.add_member(world["plan"], str(uuid4()), "representative", shop),
        lambda: app.add_provider(world["service"], shop),
        lambda: app.record_risk(world["service"], "Risk", 2, 2, owner_id=shop),
    ]
    for refused in refusals:
        with pytest.raises(RuleViolated, match="has left the plan"):
            refused()
    # Nobody represents it any more (that is a condition of leaving), so nobody pledges for it.
    with pytest.raises(NotAllowed):
        app.pledge(world["plan"], shop, "money", 100, DAY, service_id=world["service"])
    app.set_share(world["budget"], world["line"], shop, 1000)  # lowering its share is fine
    assert app.load(Budget, world["budget"]).share_of(world["line"], shop) == 1000
    assert _stored(app) == before + 1


def test_an_organisation_still_represented_cannot_leave(app: Samverkan,
                                                        world: dict[str, Any]) -> None:
    app.organisation_usage = Usage({world["actors"]["kommun"]})
    with pytest.raises(RuleViolated, match="still represented"):
        app.remove_actor(world["plan"], world["actors"]["kommun"])
    app.change_member(world["plan"], world["rep"], "observer")
    assert app.remove_actor(world["plan"], world["actors"]["kommun"]).effect == "left"


# ---- budgets and their years -----------------------------------------------------------------


def test_a_budget_is_created_for_years_within_the_plans(app: Samverkan, plan_id: Any) -> None:
    budget = app.load(Budget, app.create_budget(plan_id, "2026", 2026, 2026).aggregate_id)
    assert budget.years == [2026]
    whole = app.load(Budget, app.create_budget(plan_id, "Alla år").aggregate_id)
    assert whole.years == [2025, 2026, 2027]
    for first, last in ((2024, 2026), (2026, 2028), (2027, 2026)):
        with pytest.raises(RuleViolated):
            app.create_budget(plan_id, "Utanför", first, last)


def test_removing_a_year_lines_hold_money_in_is_refused_naming_the_lines(
        app: Samverkan, budget_id: Any, line_id: str) -> None:
    with pytest.raises(RuleViolated, match="“Lokalhyra”"):
        app.remove_budget_year(budget_id, 2025)
    app.remove_budget_year(budget_id, 2027)
    assert app.load(Budget, budget_id).years == [2025, 2026]


# ---- adoption only by decision ---------------------------------------------------------------


def _adopt(app: Samverkan, plan_id: Any, budget_id: Any, person: str) -> Any:
    app.propose_budget(budget_id)
    return app.record_decision(plan_id, DAY, "Budgeten antas", "Mötet antar budgeten.",
                               [person], budget_id)


def test_there_is_no_way_to_adopt_a_budget_but_a_decision(app: Samverkan) -> None:
    assert not hasattr(app, "adopt_budget")


def test_a_decision_adopting_a_revision_supersedes_the_one_it_revises_in_the_same_save(
        app: Samverkan, plan_id: Any, budget_id: Any, line_id: str, facilitator: str) -> None:
    first = _adopt(app, plan_id, budget_id, facilitator)
    revision = app.start_revision(budget_id).aggregate_id
    app.change_amount(revision, line_id, 2025, 900_000)
    before = _stored(app)
    decided = _adopt(app, plan_id, revision, facilitator)
    old, new = app.load(Budget, budget_id), app.load(Budget, revision)
    assert (old.status, new.status) == ("superseded", "adopted")
    superseding = list(app.events.get(old.id))[-1]
    assert superseding.superseded_by == {"budget_id": str(revision), "revision": 2}
    assert superseding.decision["id"] == str(decided.aggregate_id) != str(first.aggregate_id)
    # propose, then one save: the superseding, the adoption and the decision, in that order
    assert _stored(app) == before + 4
    with pytest.raises(RuleViolated, match="superseded"):
        app.change_amount(budget_id, line_id, 2025, 1)
    with pytest.raises(RuleViolated, match="proposed or adopted"):
        app.record_decision(plan_id, DAY, "Igen", "Text.", [facilitator], budget_id)


def test_a_refused_decision_adopts_nothing(app: Samverkan, plan_id: Any, budget_id: Any,
                                           facilitator: str) -> None:
    app.propose_budget(budget_id)
    before = _stored(app)
    with pytest.raises(RuleViolated):
        app.record_decision(plan_id, date(2999, 1, 1), "Framtid", "Text.", [facilitator],
                            budget_id)
    assert _stored(app) == before and app.load(Budget, budget_id).status == "proposed"


# ---- shares belong to their organisation -----------------------------------------------------


def test_a_representative_sets_only_their_own_organisations_share(
        app: Samverkan, world: dict[str, Any]) -> None:
    with acting_as(world["rep"]):
        app.set_share(world["budget"], world["line"], world["actors"]["kommun"], 5000)
        with pytest.raises(NotAllowed, match="own representatives") as e:
            app.set_share(world["budget"], world["line"], world["actors"]["shop"], 2000)
    assert e.value.details["org_ids"] == [world["actors"]["shop"]]
    assert app.load(Budget, world["budget"]).share_of(world["line"], world["actors"]["shop"]) == 0


def test_a_representative_cannot_remove_a_line_carrying_another_organisations_share(
        app: Samverkan, world: dict[str, Any]) -> None:
    app.set_share(world["budget"], world["line"], world["actors"]["shop"], 2000)
    with acting_as(world["rep"]), pytest.raises(NotAllowed, match="no other organisation"):
        app.remove_line(world["budget"], world["line"])
    assert world["line"] in app.load(Budget, world["budget"]).lines
    app.set_share(world["budget"], world["line"], world["actors"]["shop"], 0)
    with acting_as(world["rep"]):
        app.set_share(world["budget"], world["line"], world["actors"]["kommun"], 10_000)
        app.remove_line(world["budget"], world["line"])  # only its own share: fine
    assert world["line"] not in app.load(Budget, world["budget"]).lines
