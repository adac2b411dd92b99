"""The pages read the read models: plans, a plan's overview and its budget sheet."""

from __future__ import annotations

import re

from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.context import acting_as


def test_the_front_page_lists_the_demo_plan(app: Flask, demo: DemoPlan) -> None:
    page = app.test_client().get("/?lang=sv")
    assert page.status_code == 200
    assert "Serviceplan Ramsjö 2027–2029" in page.text
    assert f'/plans/{demo.plan_id}' in page.text


def test_the_plan_page_shows_organisations_members_budgets_and_services(
        app: Flask, demo: DemoPlan) -> None:
    page = app.test_client().get(f"/plans/{demo.plan_id}")
    assert page.status_code == 200
    for text in ("Ljusdals kommun", "Högskolan i Gävle", "Servicepunkt Ramsjö Lanthandel",
                 "Anna Berg", f"/budgets/{demo.budget_id}"):
        assert text in page.text


def test_the_budget_sheet_shows_lines_totals_and_the_funding_gap_in_swedish(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    from projections import queries

    with demo_system.engine.connect() as conn:
        sheet = queries.budget_sheet(conn, demo.budget_id)
    page = app.test_client().get(f"/budgets/{demo.budget_id}?lang=sv")
    assert page.status_code == 200
    assert page.text.count('<th scope="row">') >= len(sheet.lines)
    total_kr = f"{sheet.total // 100:,}".replace(",", "\u00a0")
    assert f"{total_kr}\u00a0kr" in page.text  # "1 295 000 kr" with no-break spaces
    gap_kr = f"{sheet.funding_gap // 100:,}".replace(",", "\u00a0")
    assert f"{gap_kr}\u00a0kr" in page.text


def test_an_edit_shows_on_the_budget_sheet_once_projected(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = next(p for p in demo.people if p.name == "Anna Berg")
    with demo_system.engine.connect() as conn:
        from projections import queries

        sheet = queries.budget_sheet(conn, demo.budget_id)
    line = sheet.lines[0]
    org = next(a["actor_id"] for a in sheet.actors if a["name"] == anna.org_name)
    with acting_as(anna.person_id, org):
        saved = demo_system.app.change_amount(demo.budget_id, line["line_id"], 2028, 12_345_600)
    demo_system.projections.wait(saved.positions[-1], timeout=5)
    page = app.test_client().get(f"/budgets/{demo.budget_id}?lang=sv")
    assert "123\u00a0456" in page.text


def test_the_page_language_follows_the_choice(app: Flask, demo: DemoPlan) -> None:
    client = app.test_client()
    assert '<html lang="en">' in client.get("/?lang=en").text
    assert '<html lang="en">' in client.get("/").text  # the choice is remembered
    assert '<html lang="nb">' in client.get("/?lang=nb").text


def test_unknown_plans_and_budgets_are_not_found(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/plans/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/budgets/not-an-id").status_code == 404
    assert re.search(r"<h1>[^<]+</h1>", client.get("/budgets/nope").text)
