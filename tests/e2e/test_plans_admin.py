"""Starting and shaping a plan over HTTP: plain form posts that call one use case each, come
back with a message, and are refused with a page that says why (nothing stored)."""

from __future__ import annotations

import html
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.budgets import Budget
from domain.plans import Plan
from tests.e2e.auth_helpers import DEMO_EMAILS, post_form, sign_in
from tests.e2e.demo_years import Y1, Y2, Y3

OUTSIDER = ("Olle Utomstående", "olle@example.org", "olle-password-1")


def _client(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    client.get("/sign-in?lang=en")
    assert sign_in(client, DEMO_EMAILS[name]).status_code == 302
    return client


def _post(client: FlaskClient, path: str, **form: Any) -> Any:
    return post_form(client, path, form, page="/account")


def _stored(system: System) -> int:
    return system.app.recorder.max_notification_id() or 0


def _text(reply: Any) -> str:
    return html.unescape(reply.get_data(as_text=True))


def _actor(system: System, plan_id: str, name: str) -> str:
    actors = system.app.load(Plan, plan_id).actors
    return next(a for a, v in actors.items() if v["name"] == name)


def test_anyone_signed_in_starts_a_plan_and_becomes_its_facilitator(
        app: Flask, demo_system: System) -> None:
    demo_system.accounts.register(*OUTSIDER)
    olle = app.test_client()
    olle.get("/sign-in?lang=en")
    assert sign_in(olle, OUTSIDER[1], OUTSIDER[2]).status_code == 302
    reply = _post(olle, "/plans", name="Servicepunkt Tallåsen", place="Tallåsen",
                  start_year="2027", end_year="2030", description="Byns egen servicepunkt.")
    assert reply.status_code == 302
    plan_id = reply.headers["Location"].rsplit("/", 1)[-1]
    page = _text(olle.get(reply.headers["Location"]))
    assert "The plan is started. You are its facilitator." in page
    assert "Servicepunkt Tallåsen" in page and "Byns egen servicepunkt." in page
    plan = demo_system.app.load(Plan, plan_id)
    person = demo_system.people.by_email(OUTSIDER[1]).id
    assert (plan.years, plan.role_of(person)) == ([2027, 2028, 2029, 2030], "facilitator")


def test_a_plan_form_with_a_bad_year_is_refused_with_a_page_naming_the_field(
        app: Flask, demo_system: System) -> None:
    anna = _client(app, "Anna Berg")
    before = _stored(demo_system)
    reply = _post(anna, "/plans?lang=en", name="P", place="Q", start_year="2027", end_year="tjugo")
    page = _text(reply)
    assert reply.status_code == 400 and 'id="plan-end-error"' in page  # next to the field
    assert 'aria-invalid="true" aria-describedby="plan-end-error"' in page
    assert '<a href="#plan-end">Last year: Not a valid integer.</a>' in page  # and in the summary
    assert 'value="P"' in page and 'value="2027"' in page  # what was written stays
    too_long = _post(anna, "/plans", name="P", place="Q", start_year="2027", end_year="2040")
    assert too_long.status_code == 422 and "at most 10 years" in _text(too_long)
    unsigned = anna.post("/plans", data={"name": "P", "place": "Q", "start_year": "2027",
                                         "end_year": "2028"})  # no CSRF token
    assert unsigned.status_code == 400
    assert _stored(demo_system) == before


def test_a_facilitator_changes_the_plans_details_and_archives_it_for_good(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = _client(app, "Anna Berg")
    base = f"/plans/{demo.plan_id}"
    changed = _post(anna, base + "/details", name="Serviceplan Ramsjö", place="Ramsjö by",
                    description="Tre år med servicepunkt i lanthandeln.")
    assert changed.status_code == 302 and changed.headers["Location"] == base
    archived = _post(anna, base + "/archive", reason="Planperioden är slut.")
    assert archived.status_code == 302
    page = _text(anna.get(base + "?lang=en"))
    assert "The plan is archived" in page and "Tre år med servicepunkt" in page
    before = _stored(demo_system)
    refused = _post(anna, base + "/organisations", name="Ny förening", sector="voluntary")
    assert refused.status_code == 422 and "This plan is archived" in _text(refused)
    refused = _post(anna, f"/budgets/{demo.budget_id}/years", year=str(Y3 + 1))
    assert refused.status_code == 422
    assert _stored(demo_system) == before
    assert "Serviceplan Ramsjö" in _text(anna.get(base + "?lang=en"))  # still readable


def test_organisations_are_added_renamed_given_another_sector_and_removed_or_marked_as_left(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = _client(app, "Anna Berg")
    base = f"/plans/{demo.plan_id}/organisations"
    assert _post(anna, base, name="Ramsjö Skoterklubb", sector="voluntary").status_code == 302
    club = _actor(demo_system, demo.plan_id, "Ramsjö Skoterklubb")
    assert _post(anna, f"{base}/{club}", name="Ramsjö Skoter- och Fiskeklubb").status_code == 302
    assert _post(anna, f"{base}/{club}", sector="private").status_code == 302
    assert demo_system.app.load(Plan, demo.plan_id).actors[club] == {
        "name": "Ramsjö Skoter- och Fiskeklubb", "sector": "private", "left": False}
    removed = _post(anna, f"{base}/{club}/remove")
    assert "The organisation is removed from the plan: it had no shares" in _text(
        anna.get(removed.headers["Location"]))
    assert club not in demo_system.app.load(Plan, demo.plan_id).actors

    bensin = _actor(demo_system, demo.plan_id, "Ramsjö Bensin & Service")
    refused = _post(anna, f"{base}/{bensin}/remove")  # Lars still represents it
    assert refused.status_code == 422 and "still represented" in _text(refused)
    lars = next(p.person_id for p in demo.people if p.name == "Lars Olsson")
    _post(anna, f"/plans/{demo.plan_id}/members/{lars}", role="observer", org_id="")
    left = _post(anna, f"{base}/{bensin}/remove")
    page = _text(anna.get(left.headers["Location"]))
    assert "marked as having left" in page and "has left the plan" in page
    assert demo_system.app.load(Plan, demo.plan_id).actors[bensin]["left"] is True


def test_a_facilitator_creates_a_budget_for_some_of_the_plans_years(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = _client(app, "Anna Berg")
    reply = _post(anna, f"/plans/{demo.plan_id}/budgets", title=f"Budget {Y2}–{Y3}",
                  start_year=str(Y2), end_year=str(Y3))
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/budgets/")
    budget = demo_system.app.load(Budget, reply.headers["Location"].rsplit("/", 1)[-1])
    assert (budget.title, budget.years, budget.status) == (f"Budget {Y2}–{Y3}", [Y2, Y3], "draft")
    outside = _post(anna, f"/plans/{demo.plan_id}/budgets?lang=en", title="B",
                    start_year=str(Y1 - 1), end_year=str(Y1))
    page = _text(outside)
    assert outside.status_code == 422 and f"{Y1}–{Y3}" in page
    assert 'id="budget-start-error"' in page  # the domain's refusal, next to its field
    untitled = _post(anna, f"/plans/{demo.plan_id}/budgets", title="")
    assert untitled.status_code == 400 and 'id="budget-title-error"' in _text(untitled)


def test_a_year_is_added_and_an_empty_one_removed_and_a_year_with_money_names_its_lines(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = _client(app, "Anna Berg")
    base = f"/budgets/{demo.budget_id}/years"
    added = _post(anna, base, year=str(Y3 + 1))
    assert added.status_code == 302 and added.headers["Location"] == f"/budgets/{demo.budget_id}"
    assert f"The year {Y3 + 1} is added to the budget." in _text(anna.get(added.headers["Location"]))
    before = _stored(demo_system)
    refused = _post(anna, f"{base}/{Y1}/remove")
    text = _text(refused)
    assert refused.status_code == 422 and f"still hold money in {Y1}" in text
    # one line each, with its amount, and the way back to the budget
    assert "<li>Etablering av servicepunkt (inredning, disk, kassa): 50,000\u00a0SEK</li>" in text
    assert f'href="/budgets/{demo.budget_id}"' in text
    assert _stored(demo_system) == before
    assert _post(anna, f"{base}/{Y3 + 1}/remove").status_code == 302
    assert demo_system.app.load(Budget, demo.budget_id).years == [Y1, Y2, Y3]
    assert _post(anna, base, year=str(Y3 + 3)).status_code == 422  # not next to the budget's years


def test_a_form_may_lead_back_to_a_page_of_this_site_only(
        app: Flask, demo: DemoPlan) -> None:
    anna = _client(app, "Anna Berg")
    members = f"/plans/{demo.plan_id}/members"
    back = _post(anna, f"/plans/{demo.plan_id}/organisations", name="A", sector="private",
                 next=members)
    assert back.headers["Location"] == members
    away = _post(anna, f"/plans/{demo.plan_id}/organisations", name="B", sector="private",
                 next="//evil.example/")
    assert away.headers["Location"] == "/"
