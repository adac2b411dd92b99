"""Roles per plan, checked by the application for every use case (so every entry point obeys)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from domain.access import READ
from domain.commitments import Commitment
from domain.context import acting_as
from domain.errors import NotAllowed
from domain.plans import Plan
from domain.ports import OrganisationUse
from domain.usecases import Samverkan

DUE = date(2026, 1, 1)
PEOPLE = ("facilitator", "rep_kommun", "rep_shop", "observer", "outsider")


@pytest.fixture
def world(app: Samverkan, plan_id: Any, actors: dict[str, str], budget_id: Any, line_id: str,
          facilitator: str) -> dict[str, Any]:
    """A plan with a facilitator (for no organisation), two representatives, an observer."""
    people = {"facilitator": facilitator, **{key: str(uuid4()) for key in PEOPLE[1:]}}
    app.add_member(plan_id, people["rep_kommun"], "representative", actors["kommun"])
    app.add_member(plan_id, people["rep_shop"], "representative", actors["shop"])
    app.add_member(plan_id, people["observer"], "observer")
    shared = app.add_line(budget_id, "Hemsändning", amounts={2025: 100}).entity_id
    app.set_share(budget_id, shared, actors["kommun"], 5000)
    app.organisation_usage = _NoUse()
    service = app.create_service(plan_id, "Servicepunkt", "Byn").aggregate_id
    kpi = app.define_kpi(service, "Besök", "besök").entity_id
    with acting_as(people["rep_kommun"]):
        pledged = app.pledge(plan_id, actors["kommun"], "staff_hours", 10, DUE, service_id=service)
        delivered = app.pledge(plan_id, actors["kommun"], "staff_hours", 5, DUE,
                               service_id=service).aggregate_id
        app.confirm_commitment(delivered)
        app.record_delivery(delivered, 5, date(2025, 6, 1))
    return {"people": people, "plan": plan_id, "actors": actors, "budget": budget_id,
            "line": line_id, "shared_line": shared, "service": service, "kpi": kpi,
            "kommun_pledge": pledged.aggregate_id, "delivered": delivered}


# (use case, who may run it) — each call is made fresh for every person.
CASES: dict[str, tuple[Callable[[Samverkan, dict[str, Any]], Any], set[str]]] = {
    "change_plan_details": (lambda a, w: a.change_plan_details(w["plan"], "Ny", "By"), {"facilitator"}),
    "require_gender_split": (lambda a, w: a.require_gender_split(w["plan"], True),
                             {"facilitator"}),
    "add_actor": (lambda a, w: a.add_actor(w["plan"], f"Org {uuid4()}", "private"), {"facilitator"}),
    "add_member": (lambda a, w: a.add_member(w["plan"], str(uuid4()), "observer"), {"facilitator"}),
    "change_member": (lambda a, w: a.change_member(
        w["plan"], w["people"]["observer"], "observer", w["actors"]["region"]), {"facilitator"}),
    "create_budget": (lambda a, w: a.create_budget(w["plan"], "B2"), {"facilitator"}),
    "change_amount": (lambda a, w: a.change_amount(w["budget"], w["line"], 2025, 5),
                      {"facilitator", "rep_kommun", "rep_shop"}),
    # An organisation's share is its own representatives' (and a facilitator's) to set.
    "set_share": (lambda a, w: a.set_share(w["budget"], w["line"], w["actors"]["shop"], 100),
                  {"facilitator", "rep_shop"}),
    # A line another organisation has a share of is not a representative's to remove.
    "remove_line_shared_by_kommun": (lambda a, w: a.remove_line(w["budget"], w["shared_line"]),
                                     {"facilitator", "rep_kommun"}),
    "remove_line_nobody_shares": (lambda a, w: a.remove_line(w["budget"], w["line"]),
                                  {"facilitator", "rep_kommun", "rep_shop"}),
    "set_line_kind": (lambda a, w: a.set_line_kind(w["budget"], w["line"], "income"),
                      {"facilitator", "rep_kommun", "rep_shop"}),
    "add_budget_year": (lambda a, w: a.add_budget_year(w["budget"], 2028), {"facilitator"}),
    "remove_budget_year": (lambda a, w: a.remove_budget_year(w["budget"], 2027), {"facilitator"}),
    "archive_plan": (lambda a, w: a.archive_plan(w["plan"]), {"facilitator"}),
    "remove_actor": (lambda a, w: a.remove_actor(w["plan"], w["actors"]["region"]),
                     {"facilitator"}),
    "add_line": (lambda a, w: a.add_line(w["budget"], "Ny rad"), {"facilitator", "rep_kommun", "rep_shop"}),
    "propose_budget": (lambda a, w: a.propose_budget(w["budget"]), {"facilitator"}),
    "create_service": (lambda a, w: a.create_service(w["plan"], "Hemsändning", "Byn"), {"facilitator"}),
    "add_provider": (lambda a, w: a.add_provider(w["service"], w["actors"]["shop"]), {"facilitator"}),
    "add_need": (lambda a, w: a.add_need(w["service"], "Paket nära"),
                 {"facilitator", "rep_kommun", "rep_shop"}),
    "measure_kpi": (lambda a, w: a.measure_kpi(w["service"], w["kpi"], date(2025, 5, 1), 3),
                    {"facilitator", "rep_kommun", "rep_shop"}),
    "pledge_for_kommun": (lambda a, w: a.pledge(w["plan"], w["actors"]["kommun"], "money", 100, DUE,
                                                service_id=w["service"]), {"rep_kommun"}),
    "confirm_kommun_pledge": (lambda a, w: a.confirm_commitment(w["kommun_pledge"]), {"rep_kommun"}),
    "verify_commitment": (lambda a, w: a.verify_commitment(w["delivered"]), {"facilitator"}),
}


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_use_case_is_allowed_exactly_to_the_roles_that_hold_its_right(
        app: Samverkan, world: dict[str, Any], case: str, person: str) -> None:
    run, allowed = CASES[case]
    before = app.recorder.max_notification_id()
    with acting_as(world["people"][person]):
        if person in allowed:
            run(app, world)
            assert app.recorder.max_notification_id() > before
        else:
            with pytest.raises(NotAllowed):
                run(app, world)
            assert app.recorder.max_notification_id() == before  # nothing stored


class _NoUse:
    """An organisation usage port for rights alone: nobody has taken part (the real one,
    over the read models, is tested in tests/integration/test_organisation_usage.py)."""

    def use_of(self, plan_id: str, actor_id: str) -> OrganisationUse:
        return OrganisationUse()


def test_a_representative_never_manages_another_organisations_commitments(
        app: Samverkan, world: dict[str, Any]) -> None:
    with acting_as(world["people"]["rep_shop"]):
        with pytest.raises(NotAllowed, match="own organisation"):
            app.pledge(world["plan"], world["actors"]["kommun"], "money", 100, DUE,
                       service_id=world["service"])
        with pytest.raises(NotAllowed, match="own organisation"):
            app.withdraw_commitment(world["kommun_pledge"], "Nej")
    assert app.load(Commitment, world["kommun_pledge"]).status == "pledged"


def test_events_record_the_organisation_the_person_represents_not_what_the_caller_claims(
        app: Samverkan, world: dict[str, Any]) -> None:
    with acting_as(world["people"]["rep_shop"], world["actors"]["kommun"]):  # claims the kommun
        app.change_amount(world["budget"], world["line"], 2025, 42)
    last = app.repository.get(world["budget"]).version
    event = next(iter(app.events.get(world["budget"], gt=last - 1)))
    assert (event.acted_by, event.acted_for) == (world["people"]["rep_shop"], world["actors"]["shop"])


def test_a_role_taken_away_takes_the_right_away_at_once(app: Samverkan, world: dict[str, Any]) -> None:
    rep = world["people"]["rep_kommun"]
    app.change_member(world["plan"], rep, "observer", world["actors"]["kommun"])
    with acting_as(rep), pytest.raises(NotAllowed):
        app.change_amount(world["budget"], world["line"], 2025, 7)
    app.remove_member(world["plan"], rep)
    with acting_as(rep), pytest.raises(NotAllowed, match="not a member"):
        app.require(world["plan"], READ)


def test_role_changes_are_events_that_say_who_represented_which_organisation_when(
        app: Samverkan, world: dict[str, Any]) -> None:
    rep = world["people"]["rep_shop"]
    app.change_member(world["plan"], rep, "representative", world["actors"]["association"])
    changes = [e for e in app.events.get(world["plan"]) if getattr(e, "person_id", None) == rep]
    assert [(type(e).__name__, e.org_id) for e in changes] == [
        ("MemberAdded", world["actors"]["shop"]), ("MemberChanged", world["actors"]["association"])]
    assert all(e.timestamp and e.acted_by == world["people"]["facilitator"] for e in changes)


def test_an_outsider_cannot_read_a_plan_but_every_member_can(app: Samverkan, world: dict[str, Any]) -> None:
    for person in PEOPLE[:-1]:
        with acting_as(world["people"][person]):
            assert app.require(world["plan"], READ)["role"] in ("facilitator", "representative", "observer")
    with acting_as(world["people"]["outsider"]), pytest.raises(NotAllowed):
        app.require(world["plan"], READ)
    assert isinstance(app.load(Plan, world["plan"]), Plan)
