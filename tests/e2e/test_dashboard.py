"""The dashboard over HTTP: its tables hold the plan's own figures (the sheets' per year and per
sector, the ledger's per organisation and status, each KPI's measurements with the Kolada-style
total/women/men split, risks by score), each downloads as CSV with money in öre and text that
is never a formula, and only the plan's members see any of it."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.context import acting_as
from projections import queries
from tests.e2e.auth_helpers import sign_in
from tests.e2e.form_helpers import signed_in_as


def _csv(client: FlaskClient, plan_id: str, table: str) -> list[list[str]]:
    reply = client.get(f"/plans/{plan_id}/dashboard/{table}.csv")
    assert reply.status_code == 200 and reply.mimetype == "text/csv", table
    return list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))


def _sheet(system: System, demo: DemoPlan) -> Any:
    with system.engine.connect() as conn:
        return queries.budget_sheet(conn, demo.budget_id)


def test_the_page_shows_every_part_and_its_table(app: Flask, demo: DemoPlan) -> None:
    reply = signed_in_as(app, "Gunnar Persson").get(f"/plans/{demo.plan_id}/dashboard")
    page = html.unescape(reply.get_data(as_text=True))
    assert reply.status_code == 200
    for heading in ("Funding by sector per year", "Cost, income and funding gap per year",
                    "Commitments by organisation and status", "Indicators against their targets",
                    "Open risks by score", "Services by stage"):
        assert f">{heading}</h2>" in page, heading
    assert len(re.findall(r"<canvas ", page)) == 3 + 3  # three charts, three measured KPIs
    assert page.count('role="img" aria-label=') == 6  # each chart says where its figures are
    assert page.count("Download the figures (CSV)") == 5


def test_the_per_year_figures_are_the_sheets(app: Flask, demo_system: System, demo: DemoPlan) -> None:
    sheet = _sheet(demo_system, demo)
    rows = _csv(signed_in_as(app, "Erik Lindqvist"), demo.plan_id, "gap")
    assert rows[0][0] == "Year" and rows[0][-1] == "Funding gap (öre)"
    assert [[int(v) for v in row] for row in rows[1:]] == [
        [y, *(sheet.by_year[y][k] for k in ("costs", "income", "net", "committed", "gap"))]
        for y in sheet.years]


def test_funding_by_sector_adds_up_to_each_years_net_cost_that_is_shared(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    sheet = _sheet(demo_system, demo)
    rows = _csv(signed_in_as(app, "Erik Lindqvist"), demo.plan_id, "sectors")
    assert rows[0] == ["Sector", *map(str, sheet.years)]
    by_sector = {row[0]: [int(v) for v in row[1:]] for row in rows[1:]}
    assert set(by_sector) == {"public", "private", "academic", "voluntary"}
    for i, year in enumerate(sheet.years):  # what the sectors pay is what is shared out
        shared = sum(e["years"][year]["net"] for e in sheet.by_actor.values())
        assert sum(v[i] for v in by_sector.values()) == shared
    public = sum(e["years"][sheet.years[0]]["net"] for e in sheet.by_actor.values()
                 if e["sector"] == "public")
    assert by_sector["public"][0] == public


def test_commitments_per_organisation_and_status_are_the_ledgers(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    rows = _csv(signed_in_as(app, "Erik Lindqvist"), demo.plan_id, "commitments")
    assert rows[0][0] == "Organisation" and rows[0][-1] == "Overdue"
    region = next(r for r in rows[1:] if r[0] == "Region Gävleborg")
    pledged, confirmed, delivered, verified, withdrawn, overdue = map(int, region[1:])
    # 13 500 kr pledged (the defibrillator), 12 500 kr confirmed (signage, overdue),
    # 15 000 kr delivered and verified.
    assert (pledged, confirmed, delivered, verified, withdrawn, overdue) == (
        1_350_000, 1_250_000, 0, 1_500_000, 0, 1)
    with demo_system.engine.connect() as conn:
        total = sum(int(c["value_ore"] or 0) for c in queries.commitments_ledger(conn, demo.plan_id))
    assert sum(int(v) for r in rows[1:] for v in r[1:-1]) == total


def test_indicators_download_with_the_total_women_men_split(app: Flask, demo: DemoPlan) -> None:
    rows = _csv(signed_in_as(app, "Erik Lindqvist"), demo.plan_id, "kpis")
    assert rows[0][-3:] == ["T", "K", "M"]
    visits = [r for r in rows[1:] if r[1] == "Besök i servicepunkten per månad"]
    assert [r[-3:] for r in visits] == [["412", "236", "174"], ["488", "281", "205"]]
    assert all(date.fromisoformat(r[4]) <= date.today() for r in rows[1:])


def test_risks_come_highest_score_first(app: Flask, demo: DemoPlan) -> None:
    rows = _csv(signed_in_as(app, "Erik Lindqvist"), demo.plan_id, "risks")
    scores = [int(r[4]) for r in rows[1:]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 6
    assert rows[1][1] == "Butikens lönsamhet sviktar och butiken stänger"


def test_text_in_a_download_is_never_a_formula(app: Flask, demo_system: System,
                                              demo: DemoPlan) -> None:
    anna = next(p.person_id for p in demo.people if p.name == "Anna Berg")
    with acting_as(anna):
        service = demo_system.app.create_service(demo.plan_id, "=HYPERLINK(\"http://x\")", "Ramsjö")
        demo_system.app.record_risk(str(service.aggregate_id), "@SUM(A1)", 5, 5)
    demo_system.projections.wait(demo_system.app.recorder.max_notification_id(), timeout=5)
    rows = _csv(signed_in_as(app, "Erik Lindqvist"), demo.plan_id, "risks")
    assert rows[1][:2] == ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)"]
    assert rows[1][4] == "25"  # numbers stay numbers


def test_only_members_see_the_dashboard(app: Flask, demo_system: System, demo: DemoPlan) -> None:
    demo_system.accounts.register("Olle Utomstående", "olle@example.org", "olle-password-1")
    olle = app.test_client()
    assert sign_in(olle, "olle@example.org", "olle-password-1").status_code == 302
    assert olle.get(f"/plans/{demo.plan_id}/dashboard").status_code in (403, 404)
    assert olle.get(f"/plans/{demo.plan_id}/dashboard/gap.csv").status_code in (403, 404)
    erik = signed_in_as(app, "Erik Lindqvist")
    assert erik.get(f"/plans/{demo.plan_id}/dashboard/secrets.csv").status_code == 404
