"""Starting and shaping a plan over HTTP: plain form posts that call one use case each, come
back with a message, and are refused with a page that says why (nothing stored)."""

from __future__ import annotations

from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.budgets import Budget
from domain.plans import Plan
from tests.e2e.auth_helpers import sign_in
from tests.e2e.demo_years import Y1, Y2, Y3
from tests.e2e.form_helpers import events_stored, post, signed_in_as, text_of

OUTSIDER = ("Olle Utomstående", "olle@example.org", "olle-password-1")


def _actor(system: System, plan_id: str, name: str) -> str:
    actors = system.app.load(Plan, plan_id).actors
    return next(a for a, v in actors.items() if v["name"] == name)


def test_anyone_signed_in_starts_a_plan_and_becomes_its_facilitator(
        app: Flask, demo_system: System) -> None:
    demo_system.accounts.register(*OUTSIDER)
    olle = app.test_client()
    olle.get("/sign-in?lang=en")
    assert sign_in(olle, OUTSIDER[1], OUTSIDER[2]).status_code == 302
    reply = post(olle, "/plans", name="Servicepunkt Tallåsen", place="Tallåsen",
                  start_year="2027", end_year="2030", description="Byns egen servicepunkt.")
    assert reply.status_code == 302
    plan_id = reply.headers["Location"].rsplit("/", 1)[-1]
    page = text_of(olle.get(reply.headers["Location"]))
    assert "The plan is started. You are its facilitator." in page
    assert "Servicepunkt Tallåsen" in page and "Byns egen servicepunkt." in page
    plan = demo_system.app.load(Plan, plan_id)
    person = demo_system.people.by_email(OUTSIDER[1]).id
    assert (plan.years, plan.role_of(person)) == ([2027, 2028, 2029, 2030], "facilitator")


def test_a_plan_form_with_a_bad_year_is_refused_with_a_page_naming_the_field(
        app: Flask, demo_system: System) -> None:
    anna = signed_in_as(app, "Anna Berg")
    before = events_stored(demo_system)
    reply = post(anna, "/plans?lang=en", name="P", place="Q", start_year="2027", end_year="tjugo")
    page = text_of(reply)
    assert reply.status_code == 400 and 'id="plan-end-error"' in page  # next to the field
    assert 'aria-invalid="true" aria-describedby="plan-end-error"' in page
    assert '<a href="#plan-end">Last year: Not a valid integer.</a>' in page  # and in the summary
    assert 'value="P"' in page and 'value="2027"' in page  # what was written stays
    too_long = post(anna, "/plans", name="P", place="Q", start_year="2027", end_year="2040")
    assert too_long.status_code == 422 and "at most 10 years" in text_of(too_long)
    unsigned = anna.post("/plans", data={"name": "P", "place": "Q", "start_year": "2027",
                                         "end_year": "2028"})  # no CSRF token
    assert unsigned.status_code == 400
    assert events_stored(demo_system) == before


def test_a_facilitator_changes_the_plans_details_and_archives_it_for_good(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = signed_in_as(app, "Anna Berg")
    base = f"/plans/{demo.plan_id}"
    changed = post(anna, base + "/details", name="Serviceplan Ramsjö", place="Ramsjö by",
                    description="Tre år med servicepunkt i lanthandeln.")
    assert changed.status_code == 302 and changed.headers["Location"] == base
    archived = post(anna, base + "/archive", reason="Planperioden är slut.")
    assert archived.status_code == 302
    page = text_of(anna.get(base + "?lang=en"))
    assert "The plan is archived" in page and "Tre år med servicepunkt" in page
    before = events_stored(demo_system)
    refused = post(anna, base + "/organisations", name="Ny förening", sector="voluntary")
    assert refused.status_code == 422 and "This plan is archived" in text_of(refused)
    refused = post(anna, f"/budgets/{demo.budget_id}/years", year=str(Y3 + 1))
    assert refused.status_code == 422
    assert events_stored(demo_system) == before
    assert "Serviceplan Ramsjö" in text_of(anna.get(base + "?lang=en"))  # still readable


def test_organisations_are_added_renamed_given_another_sector_and_removed_or_marked_as_left(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = signed_in_as(app, "Anna Berg")
    base = f"/plans/{demo.plan_id}/organisations"
    assert post(anna, base, name="Ramsjö Skoterklubb", sector="voluntary").status_code == 302
    club = _actor(demo_system, demo.plan_id, "Ramsjö Skoterklubb")
    assert post(anna, f"{base}/{club}", name="Ramsjö Skoter- och Fiskeklubb").status_code == 302
    assert post(anna, f"{base}/{club}", sector="private").status_code == 302
    assert demo_system.app.load(Plan, demo.plan_id).actors[club] == {
        "name": "Ramsjö Skoter- och Fiskeklubb", "sector": "private", "left": False}
    removed = post(anna, f"{base}/{club}/remove")
    assert "The organisation is removed from the plan: it had no shares" in text_of(
        anna.get(removed.headers["Location"]))
    assert club not in demo_system.app.load(Plan, demo.plan_id).actors

    bensin = _actor(demo_system, demo.plan_id, "Ramsjö Bensin & Service")
    refused = post(anna, f"{base}/{bensin}/remove")  # Lars still represents it
    assert refused.status_code == 422 and "still represented" in text_of(refused)
    lars = next(p.person_id for p in demo.people if p.name == "Lars Olsson")
    post(anna, f"/plans/{demo.plan_id}/members/{lars}", role="observer", org_id="")
    left = post(anna, f"{base}/{bensin}/remove")
    page = text_of(anna.get(left.headers["Location"]))
    assert "marked as having left" in page and "has left the plan" in page
    assert demo_system.app.load(Plan, demo.plan_id).actors[bensin]["left"] is True


def test_a_facilitator_creates_a_budget_for_some_of_the_plans_years(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = signed_in_as(app, "Anna Berg")
    reply = post(anna, f"/plans/{demo.plan_id}/budgets", title=f"Budget {Y2}–{Y3}",
                  start_year=str(Y2), end_year=str(Y3))
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/budgets/")
    budget = demo_system.app.load(Budget, reply.headers["Location"].rsplit("/", 1)[-1])
    assert (budget.title, budget.years, budget.status) == (f"Budget {Y2}–{Y3}", [Y2, Y3], "draft")
    outside = post(anna, f"/plans/{demo.plan_id}/budgets?lang=en", title="B",
                    start_year=str(Y1 - 1), end_year=str(Y1))
    page = text_of(outside)
    assert outside.status_code == 422 and f"{Y1}–{Y3}" in page
    assert 'id="budget-start-error"' in page  # the domain's refusal, next to its field
    untitled = post(anna, f"/plans/{demo.plan_id}/budgets", title="")
    assert untitled.status_code == 400 and 'id="budget-title-error"' in text_of(untitled)


def test_a_year_is_added_and_an_empty_one_removed_and_a_year_with_money_names_its_lines(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = signed_in_as(app, "Anna Berg")
    base = f"/budgets/{demo.budget_id}/years"
    added = post(anna, base, year=str(Y3 + 1))
    assert added.status_code == 302 and added.headers["Location"] == f"/budgets/{demo.budget_id}"
    assert f"The year {Y3 + 1} is added to the budget." in text_of(anna.get(added.headers["Location"]))
    before = events_stored(demo_system)
    refused = post(anna, f"{base}/{Y1}/remove")
    text = text_of(refused)
    assert refused.status_code == 422 and f"still hold money in {Y1}" in text
    # one line each, with its amount, and the way back to the budget
    assert "<li>Etablering av servicepunkt (inredning, disk, kassa): 50,000\u00a0SEK</li>" in text
    assert f'href="/budgets/{demo.budget_id}"' in text
    assert events_stored(demo_system) == before
    assert post(anna, f"{base}/{Y3 + 1}/remove").status_code == 302
    assert demo_system.app.load(Budget, demo.budget_id).years == [Y1, Y2, Y3]
    assert post(anna, base, year=str(Y3 + 3)).status_code == 422  # not next to the budget's years


def test_a_form_may_lead_back_to_a_page_of_this_site_only(
        app: Flask, demo: DemoPlan) -> None:
    anna = signed_in_as(app, "Anna Berg")
    members = f"/plans/{demo.plan_id}/members"
    back = post(anna, f"/plans/{demo.plan_id}/organisations", name="A", sector="private",
                 next=members)
    assert back.headers["Location"] == members
    away = post(anna, f"/plans/{demo.plan_id}/organisations", name="B", sector="private",
                 next="//evil.example/")
    assert away.headers["Location"] == "/"
