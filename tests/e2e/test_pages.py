"""The pages read the read models: plans, a plan's overview and its budget sheet."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.context import acting_as
from tests.e2e.auth_helpers import DEMO_EMAILS, sign_in
from tests.e2e.demo_years import SPAN, Y2


def _signed_in(app: Flask, name: str = "Anna Berg") -> FlaskClient:
    """A member of the demo plan (pages need sign-in, and plans their members)."""
    client = app.test_client()
    assert sign_in(client, DEMO_EMAILS[name]).status_code == 302
    return client


def test_the_front_page_lists_the_demo_plan(app: Flask, demo: DemoPlan) -> None:
    page = _signed_in(app).get("/?lang=sv")
    assert page.status_code == 200
    assert f"Serviceplan Ramsjö {SPAN}" in page.text
    assert f'/plans/{demo.plan_id}' in page.text


def test_the_plan_page_shows_organisations_members_budgets_and_services(
        app: Flask, demo: DemoPlan) -> None:
    page = _signed_in(app).get(f"/plans/{demo.plan_id}")
    assert page.status_code == 200
    for text in ("Ljusdals kommun", "Högskolan i Gävle", "Servicepunkt Ramsjö Lanthandel",
                 "Anna Berg", f"/budgets/{demo.budget_id}"):
        assert text in page.text


def test_the_budget_sheet_shows_lines_totals_and_the_funding_gap_in_swedish(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    from projections import queries

    with demo_system.engine.connect() as conn:
        sheet = queries.budget_sheet(conn, demo.budget_id)
    page = _signed_in(app).get(f"/budgets/{demo.budget_id}?lang=sv")
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
        saved = demo_system.app.change_amount(demo.budget_id, line["line_id"], Y2, 12_345_600)
    demo_system.projections.wait(saved.positions[-1], timeout=5)
    page = _signed_in(app).get(f"/budgets/{demo.budget_id}?lang=sv")
    assert "123\u00a0456" in page.text


def test_the_page_language_follows_the_choice(app: Flask, demo: DemoPlan) -> None:
    client = _signed_in(app)
    assert '<html lang="en">' in client.get("/?lang=en").text
    assert '<html lang="en">' in client.get("/").text  # the choice is remembered
    assert '<html lang="nb">' in client.get("/?lang=nb").text


def test_the_language_chosen_before_signing_in_is_kept_after_it(app: Flask, demo: DemoPlan) -> None:
    client = app.test_client()
    assert '<html lang="nb">' in client.get("/sign-in?lang=nb").text
    sign_in(client, DEMO_EMAILS["Anna Berg"])
    assert '<html lang="nb">' in client.get("/").text


def test_an_observer_reads_the_plan_and_its_budget(app: Flask, demo: DemoPlan) -> None:
    gunnar = _signed_in(app, "Gunnar Persson")
    assert gunnar.get(f"/plans/{demo.plan_id}").status_code == 200
    assert gunnar.get(f"/budgets/{demo.budget_id}").status_code == 200


def test_unknown_plans_and_budgets_are_not_found(app: Flask) -> None:
    client = _signed_in(app)
    assert client.get("/plans/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/budgets/not-an-id").status_code == 404
    assert re.search(r"<h1>[^<]+</h1>", client.get("/budgets/nope").text)


def test_the_budget_page_shows_each_cost_lines_funding_gap_after_its_confirmed_commitments(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    from projections import queries

    with demo_system.engine.connect() as conn:
        sheet = queries.budget_sheet(conn, demo.budget_id)
    page = _signed_in(app).get(f"/budgets/{demo.budget_id}?lang=sv")
    rows = dict(re.findall(r'<tr data-line-gap="([^"]+)">(.*?)</tr>', page.text, re.S))
    costs = [line for line in sheet.lines if line["kind"] != "income"]
    assert set(rows) == {line["line_id"] for line in costs}
    assert any(line["committed"] for line in costs)  # the demo has confirmed commitments
    for line in costs:
        figures = re.findall(r'<td class="num">([^<]*)</td>', rows[line["line_id"]])
        kronor = [f"{value // 100:,}".replace(",", "\u00a0") + "\u00a0kr"
                  for value in (line["net"], line["committed"], line["gap"])]
        assert [f.replace("&nbsp;", "\u00a0") for f in figures] == kronor
        assert line["gap"] == max(line["net"] - line["committed"], 0)
