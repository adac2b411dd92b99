"""The pages that start and run a plan, over HTTP: their forms, confirmation steps, what an
archived plan still shows, and which revision of a budget is in force."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from domain.budgets import Budget
from domain.context import acting_as
from domain.plans import Plan
from tests.e2e.auth_helpers import DEMO_EMAILS, post_form, sign_in
from tests.e2e.demo_years import Y1, Y3
from tests.e2e.form_helpers import events_stored, text_of


def _client(app: Flask, name: str = "Anna Berg") -> FlaskClient:
    client = app.test_client()
    client.get("/sign-in?lang=en")
    assert sign_in(client, DEMO_EMAILS[name]).status_code == 302
    return client


def _person(demo: DemoPlan, name: str) -> str:
    return next(p.person_id for p in demo.people if p.name.startswith(name))


def _labelled(page: str, field_id: str) -> bool:
    return f'<label for="{field_id}">' in page and f'id="{field_id}"' in page


def test_the_plans_page_leads_to_the_new_plan_form_whose_fields_have_labels(app, demo) -> None:
    anna = _client(app)
    assert 'href="/plans/new"' in anna.get("/").text
    page = anna.get("/plans/new").text
    assert 'name="csrf_token"' in page and 'action="/plans"' in page
    for field in ("plan-name", "plan-place", "plan-start", "plan-end", "plan-description"):
        assert _labelled(page, field), field


def test_a_new_plan_leads_to_its_page_where_its_creator_is_facilitator(app, demo, demo_system) -> None:
    anna = _client(app, "Gunnar Persson")  # an observer in the demo plan; any signed-in person
    reply = post_form(anna, "/plans", {"name": "Servicepunkt Tallåsen", "place": "Tallåsen",
                                        "start_year": str(Y1), "end_year": str(Y3),
                                        "description": "Byns egen servicepunkt."}, page="/plans/new")
    assert reply.status_code == 302
    page = text_of(anna.get(reply.headers["Location"]))
    assert "The plan is started. You are its facilitator." in page
    assert "you are facilitator" in page and "Byns egen servicepunkt." in page
    plan_id = reply.headers["Location"].rsplit("/", 1)[1]
    for link in ("details", "archive", "organisations", "budgets/new"):
        assert f'href="/plans/{plan_id}/{link}"' in page, link


def test_a_refused_plan_form_keeps_what_was_written_and_says_why_next_to_the_field(
        app, demo_system) -> None:
    anna = _client(app)
    before = events_stored(demo_system)
    reply = post_form(anna, "/plans", {"name": "", "place": "Tallåsen", "start_year": str(Y1),
                                        "end_year": str(Y1 + 12)}, page="/plans/new")
    page = text_of(reply)
    assert reply.status_code == 400 and 'id="plan-name-error"' in page
    assert 'value="Tallåsen"' in page and 'role="alert"' in page
    assert events_stored(demo_system) == before


def test_the_plans_details_are_changed_on_their_own_form(app, demo, demo_system) -> None:
    anna = _client(app)
    form = anna.get(f"/plans/{demo.plan_id}/details").text
    assert 'value="Ramsjö"' in form and _labelled(form, "plan-description")
    post_form(anna, f"/plans/{demo.plan_id}/details", {
        "name": "Serviceplan Ramsjö", "place": "Ramsjö by", "description": "Tre år."}, page="/account")
    plan = demo_system.app.load(Plan, demo.plan_id)
    assert (plan.name, plan.place, plan.description) == ("Serviceplan Ramsjö", "Ramsjö by", "Tre år.")
    assert _client(app, "Erik Lindqvist").get(f"/plans/{demo.plan_id}/details").status_code == 403


def test_archiving_asks_first_and_then_nothing_in_the_plan_can_be_edited(app, demo, demo_system) -> None:
    anna = _client(app)
    before = events_stored(demo_system)
    confirm = text_of(anna.get(f"/plans/{demo.plan_id}/archive"))
    assert "Archiving cannot be undone." in confirm and _labelled(confirm, "archive-reason")
    assert events_stored(demo_system) == before and not demo_system.app.load(Plan, demo.plan_id).archived
    reply = post_form(anna, f"/plans/{demo.plan_id}/archive", {"reason": "Planperioden är slut."},
                      page="/account")
    assert reply.status_code == 302 and demo_system.app.load(Plan, demo.plan_id).archived
    pages = {"plan": f"/plans/{demo.plan_id}", "budget": f"/budgets/{demo.budget_id}",
             "members": f"/plans/{demo.plan_id}/members",
             "organisations": f"/plans/{demo.plan_id}/organisations",
             "decisions": f"/plans/{demo.plan_id}/decisions"}
    for name, path in pages.items():
        page = anna.get(path).text
        assert 'class="archived-banner"' in page, name
        assert "<form method=\"post\"" not in page.replace(
            '<form method="post" action="/sign-out"', ""), name  # no edit form anywhere
    budget = anna.get(pages["budget"]).text
    assert 'data-can-edit="false"' in budget and "/propose" not in budget
    assert "/decisions/new" not in anna.get(pages["decisions"]).text
    for path in (f"/plans/{demo.plan_id}/details", f"/plans/{demo.plan_id}/budgets/new",
                 f"/plans/{demo.plan_id}/archive", f"/budgets/{demo.budget_id}/propose"):
        assert anna.get(path).status_code == 422, path  # no form for what would be refused
    before = events_stored(demo_system)
    assert post_form(anna, f"/plans/{demo.plan_id}/organisations", {
        "name": "Ny", "sector": "private"}, page="/account").status_code == 422
    assert events_stored(demo_system) == before


def test_organisations_are_added_with_errors_next_to_their_fields(app, demo, demo_system) -> None:
    anna = _client(app)
    base = f"/plans/{demo.plan_id}/organisations"
    page = anna.get(base).text
    assert _labelled(page, "new-org-name") and _labelled(page, "new-org-sector")
    assert "Ljusdals kommun" in page and page.count('class="org-form"') >= 6
    before = events_stored(demo_system)
    refused = post_form(anna, base, {"name": "", "sector": "voluntary"}, page="/account")
    assert refused.status_code == 400 and 'id="new-org-name-error"' in refused.text
    taken = post_form(anna, base, {"name": "Ljusdals kommun", "sector": "public"}, page="/account")
    assert taken.status_code == 409 and "is already in the plan" in text_of(taken)  # the domain's word
    assert events_stored(demo_system) == before
    added = post_form(anna, base, {"name": "Ramsjö Skoterklubb", "sector": "voluntary"}, page="/account")
    assert added.status_code == 302 and added.headers["Location"] == base
    assert "Ramsjö Skoterklubb" in anna.get(base).text
    assert anna.get(base).status_code == 200
    assert _client(app, "Erik Lindqvist").get(base).status_code == 403


def test_removing_an_organisation_says_first_whether_it_is_removed_or_marked_as_left(
        app, demo, demo_system) -> None:
    anna = _client(app)
    base = f"/plans/{demo.plan_id}/organisations"
    with acting_as(_person(demo, "Anna")):
        spare = demo_system.app.add_actor(demo.plan_id, "Tillfällig förening", "voluntary").entity_id
    actors = {v["name"]: k for k, v in demo_system.app.load(Plan, demo.plan_id).actors.items()}
    region = actors["Region Gävleborg"]
    demo_system.projections.wait(demo_system.app.recorder.max_notification_id(), timeout=5)
    before = events_stored(demo_system)
    asked = text_of(anna.get(f"{base}/{spare}/remove"))
    assert "has never held a share, pledged or provided anything, so it will be removed" in asked
    assert "Remove Tillfällig förening" in asked
    kept = text_of(anna.get(f"{base}/{region}/remove"))
    assert "will be kept and marked as having left" in kept and "budget lines." in kept
    assert "still represents Region Gävleborg" in kept  # Erik: he needs another role first
    assert events_stored(demo_system) == before  # asking stores nothing
    removed = post_form(anna, f"{base}/{spare}/remove", page="/account")
    assert "it had no shares, commitments or services" in text_of(anna.get(removed.headers["Location"]))
    assert spare not in demo_system.app.load(Plan, demo.plan_id).actors


def test_a_new_budget_form_offers_the_plans_years(app, demo, demo_system) -> None:
    anna = _client(app)
    page = anna.get(f"/plans/{demo.plan_id}/budgets/new").text
    assert _labelled(page, "budget-title") and f'min="{Y1}" max="{Y3}"' in page
    assert f'value="{Y1}"' in page and f'value="{Y3}"' in page
    reply = post_form(anna, f"/plans/{demo.plan_id}/budgets", {
        "title": "Budget för år två", "start_year": str(Y1 + 1), "end_year": str(Y3)}, page="/account")
    assert reply.status_code == 302
    budget = demo_system.app.load(Budget, reply.headers["Location"].rsplit("/", 1)[1])
    assert budget.years == [Y1 + 1, Y3] and budget.status == "draft"
    assert _client(app, "Erik Lindqvist").get(f"/plans/{demo.plan_id}/budgets/new").status_code == 403


@pytest.mark.parametrize("name, sees", [("Anna Berg", True), ("Erik Lindqvist", False)])
def test_the_budget_years_controls_are_a_facilitators_on_a_draft(app, demo, name, sees) -> None:
    page = _client(app, name).get(f"/budgets/{demo.budget_id}").text
    assert (f'action="/budgets/{demo.budget_id}/years"' in page) is sees
    assert (f'action="/budgets/{demo.budget_id}/years/{Y1}/remove"' in page) is sees
    assert (f"Add {Y3 + 1}" in page and f"Remove {Y3}" in page) is sees


def _adopt(system: System, demo: DemoPlan, budget_id: str, title: str) -> str:
    with acting_as(_person(demo, "Anna")):
        system.app.propose_budget(budget_id)
        saved = system.app.record_decision(demo.plan_id, date.today(), title, "Antas.",
                                           [_person(demo, "Anna")], budget_id)
    system.projections.wait(saved.positions[-1], timeout=5)
    return str(saved.aggregate_id)


def test_the_plan_says_which_revision_is_in_force_and_the_superseded_one_says_by_what(
        app, demo, demo_system) -> None:
    anna = _client(app)
    first = _adopt(demo_system, demo, demo.budget_id, "Budgeten antas")
    plan_page = text_of(anna.get(f"/plans/{demo.plan_id}"))
    assert re.search(r"In force: Budget [^,]+, revision 1</strong> – adopted by the decision", plan_page)
    assert f'href="/decisions/{first}"' in plan_page
    with acting_as(_person(demo, "Anna")):
        revision = str(demo_system.app.start_revision(demo.budget_id).aggregate_id)
    demo_system.projections.wait(demo_system.app.recorder.max_notification_id(), timeout=5)
    form = text_of(anna.get(f"/plans/{demo.plan_id}/decisions/new"))
    assert "It supersedes revision 1" not in form  # nothing chosen yet
    with acting_as(_person(demo, "Anna")):
        demo_system.app.propose_budget(revision)
    demo_system.projections.wait(demo_system.app.recorder.max_notification_id(), timeout=5)
    form = text_of(anna.get(f"/plans/{demo.plan_id}/decisions/new?budget={revision}"))
    assert "adopts the budget" in form and "It supersedes revision 1" in form
    second = _adopt_proposed(demo_system, demo, revision, "Revision 2 antas")

    plan_page = text_of(anna.get(f"/plans/{demo.plan_id}"))
    assert "revision 2</strong>" in plan_page and f'href="/decisions/{second}"' in plan_page
    assert "In force: Budget" in plan_page and plan_page.count('class="in-force"') == 1
    assert "superseded by revision 2" in plan_page
    old = text_of(anna.get(f"/budgets/{demo.budget_id}"))
    assert re.search(r"Superseded by\s*<a href=\"/budgets/" + revision + r"\">revision 2</a>", old)
    assert f'href="/decisions/{second}">“Revision 2 antas”</a>' in old
    document = text_of(anna.get(f"/decisions/{second}"))
    assert "Supersedes" in document and ", revision 1</a>" in document


def _adopt_proposed(system: System, demo: DemoPlan, budget_id: str, title: str) -> str:
    with acting_as(_person(demo, "Anna")):
        saved = system.app.record_decision(demo.plan_id, date.today(), title, "Antas.",
                                           [_person(demo, "Anna")], budget_id)
    system.projections.wait(saved.positions[-1], timeout=5)
    return str(saved.aggregate_id)


def test_the_adoption_confirmation_can_go_back_to_the_form_with_everything_kept(
        app, demo, demo_system) -> None:
    anna = _client(app)
    with acting_as(_person(demo, "Anna")):
        demo_system.app.propose_budget(demo.budget_id)
    demo_system.projections.wait(demo_system.app.recorder.max_notification_id(), timeout=5)
    new = f"/plans/{demo.plan_id}/decisions/new"
    form = {"decided_on": date.today().isoformat(), "title": "Antas", "text": "Rad ett.\nRad två.",
            "attendees": [_person(demo, "Anna"), _person(demo, "Erik")], "budget_id": demo.budget_id}
    before = events_stored(demo_system)
    asked = text_of(post_form(anna, new, form, page=new))
    assert "Record the decision and adopt the budget" in asked
    assert "The budget can then no longer be edited" in asked
    assert '<input type="hidden" name="text" value="Rad ett.\nRad två.">' in asked
    back = text_of(post_form(anna, new, {**form, "edit": "1"}, page=new))
    assert 'value="Antas"' in back and "Rad ett.\nRad två.</textarea>" in back
    assert back.count(" checked>") == 2
    assert events_stored(demo_system) == before
    assert demo_system.app.load(Budget, demo.budget_id).status == "proposed"


def test_a_confirmation_page_for_a_budget_already_past_that_step_leads_back_to_it(
        app, demo, demo_system) -> None:
    anna = _client(app)
    reply = anna.get(f"/budgets/{demo.budget_id}/revision")  # a draft: nothing to revise
    assert reply.status_code == 302 and reply.headers["Location"] == f"/budgets/{demo.budget_id}"
    assert "There is nothing to confirm: the budget is draft." in text_of(anna.get(reply.headers["Location"]))
