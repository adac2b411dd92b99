"""Governance in the read models (SQLite and PostgreSQL): plans' descriptions and archiving,
organisations removed or left (asked of the views through the usage port), budgets' years,
kinds and superseded revisions, and the sheet's totals on the net."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from adapters.bootstrap import System, bootstrap
from adapters.settings import Settings
from domain.context import acting_as
from domain.errors import RuleViolated
from projections import queries
from tests.integration.scenario import plan_a_budget


@pytest.fixture
def running(settings: Settings) -> Iterator[System]:
    built = bootstrap(settings)
    built.start()
    try:
        yield built
    finally:
        built.close()


def _caught_up(system: System) -> None:
    system.projections.wait(system.app.recorder.max_notification_id(), timeout=10)


def test_an_organisation_is_removed_or_marked_as_left_by_what_the_views_know_of_it(
        running: System) -> None:
    app = running.app
    ids = plan_a_budget(app, edits=0)
    with acting_as(ids["person"]):
        names = ("Utan historia", "Med andel", "Med åtagande", "Leverantör")
        orgs = {n: app.add_actor(ids["plan"], n, "private").entity_id for n in names}
        app.set_share(ids["budget"], ids["pc"], orgs["Med andel"], 500)
        app.add_provider(ids["service"], orgs["Leverantör"])
        app.add_member(ids["plan"], "5a1e7c55-1111-4c53-9d7a-1b2c3d4e5f60", "representative",
                       orgs["Med åtagande"])
    with acting_as("5a1e7c55-1111-4c53-9d7a-1b2c3d4e5f60"):
        pledge = app.pledge(ids["plan"], orgs["Med åtagande"], "money", 100, date(2027, 1, 1),
                            service_id=ids["service"]).aggregate_id
        app.withdraw_commitment(pledge, "Ändrade planer")  # a withdrawn pledge is history too
    with acting_as(ids["person"]):
        app.remove_member(ids["plan"], "5a1e7c55-1111-4c53-9d7a-1b2c3d4e5f60")
        effects = {n: app.remove_actor(ids["plan"], org).effect for n, org in orgs.items()}
    assert effects == {"Utan historia": "removed", "Med andel": "left", "Med åtagande": "left",
                       "Leverantör": "left"}
    _caught_up(running)
    with running.engine.connect() as conn:
        shown = {a["name"]: a["left"] for a in queries.plan_overview(conn, ids["plan"])["actors"]}
    assert "Utan historia" not in shown
    assert (shown["Med andel"], shown["Ljusdals kommun"]) == (True, False)


def test_the_plan_view_shows_the_description_and_that_the_plan_is_archived(
        running: System) -> None:
    app = running.app
    ids = plan_a_budget(app, edits=0)
    with acting_as(ids["person"]):
        app.change_plan_details(ids["plan"], "Serviceplan Ramsjö", "Ramsjö", "Tre år i byn.")
        app.archive_plan(ids["plan"])
    _caught_up(running)
    with running.engine.connect() as conn:
        plan = queries.plan_overview(conn, ids["plan"])
    assert (plan["description"], plan["archived"]) == ("Tre år i byn.", True)


def test_budget_years_and_kinds_reach_the_sheet(running: System) -> None:
    app = running.app
    ids = plan_a_budget(app, edits=0)
    with acting_as(ids["person"], ids["kommun"]):
        with pytest.raises(RuleViolated, match="“Lokalhyra”"):
            app.remove_budget_year(ids["budget"], 2027)
        app.add_budget_year(ids["budget"], 2030)
        app.remove_budget_year(ids["budget"], 2030)
        app.add_budget_year(ids["budget"], 2026)
        app.set_line_kind(ids["budget"], ids["pc"], "income")
    _caught_up(running)
    with running.engine.connect() as conn:
        sheet = queries.budget_sheet(conn, ids["budget"])
    assert sheet.budget["years"] == [2026, 2027, 2028, 2029] == sheet.years
    pc = next(ln for ln in sheet.lines if ln["line_id"] == ids["pc"])
    assert (pc["kind"], pc["kind_version"]) == ("income", 2)
    assert sorted(pc["amounts"]) == [2026, 2027, 2028, 2029] and pc["amounts"][2026]["amount"] == 0


def test_a_superseded_revision_and_the_one_in_force_show_on_the_plan(running: System) -> None:
    app = running.app
    ids = plan_a_budget(app, edits=0)
    with acting_as(ids["person"], ids["kommun"]):
        app.propose_budget(ids["budget"])
        first = app.record_decision(ids["plan"], date(2026, 3, 1), "Budget antas", "Antas.",
                                    [ids["person"]], ids["budget"]).aggregate_id
        revision = str(app.start_revision(ids["budget"]).aggregate_id)
        app.propose_budget(revision)
        app.record_decision(ids["plan"], date(2026, 6, 1), "Revision antas", "Antas.",
                            [ids["person"]], revision)
    _caught_up(running)
    with running.engine.connect() as conn:
        plan = queries.plan_overview(conn, ids["plan"])
    by_id = {b["budget_id"]: b for b in plan["budgets"]}
    assert (by_id[ids["budget"]]["status"], by_id[ids["budget"]]["superseded_by"]) == (
        "superseded", revision)
    assert by_id[ids["budget"]]["decision_id"] == str(first)
    assert [b["budget_id"] for b in plan["in_force"]] == [revision]


def test_the_sheet_totals_costs_income_net_and_the_funding_gap_on_the_net(
        running: System) -> None:
    app = running.app
    ids = plan_a_budget(app, edits=0)  # rent 48 000 kr in 2027 (kommun 60 %, shop 40 %),
    with acting_as(ids["person"], ids["kommun"]):  # pc 15 000 kr in 2028 (kommun 25 %)
        fees = app.add_line(ids["budget"], "Paketavgifter", amounts={2027: 1_000_000},
                            kind="income").entity_id
        app.set_share(ids["budget"], fees, ids["kommun"], 10_000)
    _caught_up(running)  # and a confirmed pledge of 20 000 kr toward the rent, due 2027
    with running.engine.connect() as conn:
        sheet = queries.budget_sheet(conn, ids["budget"])
    assert (sheet.costs, sheet.income, sheet.net) == (6_300_000, 1_000_000, 5_300_000)
    assert sheet.total == sheet.net and sheet.committed == 2_000_000
    assert sheet.funding_gap == 3_300_000
    assert sheet.by_year[2027] == {"costs": 4_800_000, "income": 1_000_000, "net": 3_800_000,
                                   "committed": 2_000_000, "gap": 1_800_000}
    assert sheet.by_year[2028]["gap"] == 1_500_000
    kommun = sheet.by_actor[ids["kommun"]]
    assert (kommun["costs"], kommun["income"], kommun["net"]) == (3_255_000, 1_000_000, 2_255_000)
    assert kommun["years"][2027] == {"costs": 2_880_000, "income": 1_000_000, "net": 1_880_000}
    assert sheet.sectors["public"] == {"costs": 3_255_000, "income": 1_000_000, "net": 2_255_000}
    assert sheet.by_sector["private"] == 1_920_000
    rent = next(ln for ln in sheet.lines if ln["line_id"] == ids["rent"])
    income = next(ln for ln in sheet.lines if ln["line_id"] == fees)
    assert (rent["net"], rent["gap"], rent["gaps"][2027]) == (4_800_000, 2_800_000, 2_800_000)
    assert (income["net"], income["gap"]) == (-1_000_000, 0)
    assert (sum(e["net"] for e in sheet.by_actor.values()) + sheet.unallocated
            - sheet.unallocated_income) == sheet.net
