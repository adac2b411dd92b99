"""Members and invitations over HTTP: a facilitator invites by a one-time link, the invitee sets a
password (or signs in) and joins; roles change and budgets move on only where the role allows."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlparse
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from adapters.invitations import invitations
from domain.budgets import Budget
from domain.context import acting_as
from domain.plans import Plan
from tests.e2e.auth_helpers import DEMO_EMAILS, post_form, sign_in

NEW_PASSWORD = "a-long-new-password"
LINK = re.compile(r'id="invitation-link" value="([^"]+)"')


def _person(demo: DemoPlan, name: str) -> str:
    return next(p.person_id for p in demo.people if p.name == name)


def _actor(system: System, demo: DemoPlan, name: str) -> str:
    actors = system.app.load(Plan, demo.plan_id).actors
    return next(actor_id for actor_id, actor in actors.items() if actor["name"] == name)


def _client(app: Flask, name: str | None = None) -> FlaskClient:
    client = app.test_client()
    if name is not None:
        assert sign_in(client, DEMO_EMAILS[name]).status_code == 302
    return client


def _members_page(demo: DemoPlan) -> str:
    return f"/plans/{demo.plan_id}/members?lang=en"


def _invite(client: FlaskClient, demo: DemoPlan, **form: Any) -> Any:
    return post_form(client, f"/plans/{demo.plan_id}/invitations", form, page=_members_page(demo))


def _link_path(reply: Any) -> str:
    assert reply.status_code == 201, reply.text
    found = LINK.search(reply.text)
    assert found, "the page shows no invitation link"
    return urlparse(found.group(1)).path


def _stored_invitations(system: System) -> int:
    with system.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(invitations)).scalar_one()


def _member(system: System, demo: DemoPlan, person_id: str) -> dict[str, Any] | None:
    return system.app.load(Plan, demo.plan_id).members.get(person_id)


def test_an_invited_person_sets_a_password_and_joins_with_the_role_and_organisation(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = _client(app, "Anna Berg")
    byalag = _actor(demo_system, demo, "Ramsjö Byalag")
    path = _link_path(_invite(anna, demo, email=" Ny.Person@Example.se", role="representative",
                              org_id=byalag))

    newcomer = app.test_client()
    page = newcomer.get(path + "?lang=en")
    assert page.status_code == 200 and "Choose a password to join" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    joined = post_form(newcomer, path, {"name": "Ny Person", "password": NEW_PASSWORD,
                                        "repeat_password": NEW_PASSWORD}, page=path)
    assert joined.status_code == 302 and joined.headers["Location"] == f"/plans/{demo.plan_id}"

    person = demo_system.people.by_email("ny.person@example.se")
    assert person is not None and person.name == "Ny Person"
    assert _member(demo_system, demo, person.id) == {"role": "representative", "org_id": byalag}
    event = list(demo_system.app.events.get(demo_system.app.load(Plan, demo.plan_id).id))[-1]
    assert (type(event).__name__, event.invited_by) == ("MemberJoined", _person(demo, "Anna Berg"))
    assert "Ny Person" in newcomer.get(f"/plans/{demo.plan_id}").text  # signed in, a member

    again = app.test_client()
    assert sign_in(again, "ny.person@example.se", NEW_PASSWORD).headers["Location"] == "/"
    assert again.get(f"/plans/{demo.plan_id}").status_code == 200


def test_a_used_link_no_longer_works(app: Flask, demo: DemoPlan, demo_system: System) -> None:
    path = _link_path(_invite(_client(app, "Anna Berg"), demo, email="once@example.se",
                              role="observer", org_id=""))
    first = app.test_client()
    post_form(first, path, {"name": "Första", "password": NEW_PASSWORD,
                            "repeat_password": NEW_PASSWORD}, page=path)
    second = app.test_client()
    page = second.get(path + "?lang=en")
    assert page.status_code == 404 and "does not work" in page.text
    reply = second.post(path, data={"name": "Andra", "password": NEW_PASSWORD,
                                    "repeat_password": NEW_PASSWORD,
                                    "csrf_token": re.search(r'csrf-token" content="([^"]+)', page.text)[1]})
    assert reply.status_code == 404
    assert demo_system.people.by_email("once@example.se").name == "Första"
    assert app.test_client().get("/invitations/not-a-token").status_code == 404


def test_someone_with_an_account_signs_in_first_and_then_confirms(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    olle = demo_system.accounts.register("Olle Ek", "olle@example.se", NEW_PASSWORD)
    path = _link_path(_invite(_client(app, "Anna Berg"), demo, email="olle@example.se",
                              role="observer", org_id=""))
    client = app.test_client()
    page = client.get(path + "?lang=en")
    assert "Sign in first" in page.text and f'href="/sign-in?next={path}"' in page.text
    assert 'name="password"' not in page.text
    refused = post_form(client, path, {"name": "Olle", "password": NEW_PASSWORD,
                                       "repeat_password": NEW_PASSWORD}, page=path)
    assert refused.status_code == 403 and _member(demo_system, demo, olle) is None

    signed_in = sign_in(client, "olle@example.se", NEW_PASSWORD, next_path=path)
    assert signed_in.headers["Location"] == path
    assert "Join the plan" in client.get(path + "?lang=en").text
    joined = post_form(client, path, {}, page=path)
    assert joined.status_code == 302
    assert _member(demo_system, demo, olle) == {"role": "observer", "org_id": None}


def test_a_link_for_someone_else_is_refused_to_a_signed_in_member(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    path = _link_path(_invite(_client(app, "Anna Berg"), demo, email="third@example.se",
                              role="observer", org_id=""))
    erik = _client(app, "Erik Lindqvist")
    assert "you are signed in as" in erik.get(path + "?lang=en").text
    assert post_form(erik, path, {}, page=path).status_code == 403
    assert demo_system.invitations.find(path.rsplit("/", 1)[1]) is not None


def test_a_representative_cannot_invite_and_nothing_is_stored(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    erik = _client(app, "Erik Lindqvist")
    page = erik.get(_members_page(demo))
    assert page.status_code == 200 and "Anna Berg" in page.text
    assert 'id="invite-email"' not in page.text and "/remove" not in page.text
    reply = _invite(erik, demo, email="sneaky@example.se", role="facilitator", org_id="")
    assert reply.status_code == 403
    assert _stored_invitations(demo_system) == 0
    assert app.test_client().get(_members_page(demo)).status_code == 302  # sign in first
    demo_system.accounts.register("Utom Stående", "outsider@example.se", NEW_PASSWORD)
    outsider = app.test_client()
    sign_in(outsider, "outsider@example.se", NEW_PASSWORD)
    assert outsider.get(_members_page(demo)).status_code == 403


@pytest.mark.parametrize("form, field", [
    ({"email": "not-an-address", "role": "observer", "org_id": ""}, "email"),
    ({"email": "a@example.se", "role": "owner", "org_id": ""}, "role"),
    ({"email": "a@example.se", "role": "observer", "org_id": str(uuid4())}, "org_id"),
    ({"email": "a@example.se", "role": "representative", "org_id": ""}, "org_id"),
])
def test_an_invalid_invitation_is_refused_with_the_field_named_and_nothing_stored(
        app: Flask, demo: DemoPlan, demo_system: System, form: dict[str, str], field: str) -> None:
    reply = _invite(_client(app, "Anna Berg"), demo, **form)
    assert reply.status_code == 400
    assert 'role="alert"' in reply.text
    ids = {"email": "invite-email", "role": "invite-role", "org_id": "invite-org"}[field]
    assert re.search(rf'aria-describedby="[^"]*{ids}-error', reply.text)
    assert _stored_invitations(demo_system) == 0


def test_inviting_someone_who_is_already_a_member_is_refused(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    reply = _invite(_client(app, "Anna Berg"), demo, email=DEMO_EMAILS["Erik Lindqvist"],
                    role="observer", org_id="")
    assert reply.status_code == 409 and _stored_invitations(demo_system) == 0


def test_a_withdrawn_invitation_link_stops_working(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = _client(app, "Anna Berg")
    path = _link_path(_invite(anna, demo, email="later@example.se", role="observer", org_id=""))
    (pending,) = demo_system.invitations.pending(demo.plan_id)
    erik = _client(app, "Erik Lindqvist")
    revoke = f"/plans/{demo.plan_id}/invitations/{pending.id}/revoke"
    assert post_form(erik, revoke, page=_members_page(demo)).status_code == 403
    assert post_form(anna, revoke, page=_members_page(demo)).status_code == 302
    assert app.test_client().get(path).status_code == 404


def test_joining_is_refused_when_the_inviter_is_no_longer_a_facilitator_and_no_account_is_made(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    path = _link_path(_invite(_client(app, "Anna Berg"), demo, email="late@example.se",
                              role="observer", org_id=""))
    anna, gunnar = _person(demo, "Anna Berg"), _person(demo, "Gunnar Persson")
    with acting_as(anna):
        demo_system.app.change_member(demo.plan_id, gunnar, "facilitator")
    with acting_as(gunnar):
        demo_system.app.change_member(demo.plan_id, anna, "observer")
    client = app.test_client()
    reply = post_form(client, path, {"name": "Sen", "password": NEW_PASSWORD,
                                     "repeat_password": NEW_PASSWORD}, page=path + "?lang=en")
    assert reply.status_code == 403 and "no longer a facilitator" in reply.text
    assert demo_system.people.by_email("late@example.se") is None
    assert demo_system.invitations.find(path.rsplit("/", 1)[1]) is not None


def test_new_account_form_errors_are_named_and_store_nothing(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    path = _link_path(_invite(_client(app, "Anna Berg"), demo, email="typo@example.se",
                              role="observer", org_id=""))
    client = app.test_client()
    reply = post_form(client, path, {"name": "Typo", "password": NEW_PASSWORD,
                                     "repeat_password": NEW_PASSWORD + "!"}, page=path + "?lang=en")
    assert reply.status_code == 400 and "not the same" in reply.text
    assert 'aria-describedby="repeat_password-error"' in reply.text
    short = post_form(client, path, {"name": "", "password": "short", "repeat_password": "short"},
                      page=path)
    assert short.status_code == 400 and 'id="name-error"' in short.text
    assert demo_system.people.by_email("typo@example.se") is None


def test_a_facilitator_changes_a_members_role(app: Flask, demo: DemoPlan, demo_system: System) -> None:
    erik = _person(demo, "Erik Lindqvist")
    anna = _client(app, "Anna Berg")
    reply = post_form(anna, f"/plans/{demo.plan_id}/members/{erik}", {"role": "observer", "org_id": ""},
                      page=_members_page(demo))
    assert reply.status_code == 302
    assert _member(demo_system, demo, erik) == {"role": "observer", "org_id": None}
    page = anna.get(_members_page(demo)).text
    assert re.search(rf'id="member-{erik}-role".*?<option value="observer" selected', page, re.S)

    gunnar_client = _client(app, "Gunnar Persson")
    forged = post_form(gunnar_client, f"/plans/{demo.plan_id}/members/{erik}",
                       {"role": "facilitator", "org_id": ""}, page=_members_page(demo))
    assert forged.status_code == 403 and _member(demo_system, demo, erik)["role"] == "observer"


def test_a_facilitator_removes_a_member_but_never_the_last_facilitator(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna_id, maria = _person(demo, "Anna Berg"), _person(demo, "Maria Johansson")
    anna = _client(app, "Anna Berg")
    last = post_form(anna, f"/plans/{demo.plan_id}/members/{anna_id}/remove", page=_members_page(demo))
    assert last.status_code == 422 and "at least one facilitator" in last.text
    assert _member(demo_system, demo, anna_id) is not None
    removed = post_form(anna, f"/plans/{demo.plan_id}/members/{maria}/remove", page=_members_page(demo))
    assert removed.status_code == 302 and _member(demo_system, demo, maria) is None
    assert "Maria Johansson" not in anna.get(_members_page(demo)).text


def _status(system: System, budget_id: str) -> str:
    return system.app.load(Budget, budget_id).status


def test_a_facilitator_proposes_adopts_and_revises_the_budget(
        app: Flask, demo: DemoPlan, demo_system: System) -> None:
    anna = _client(app, "Anna Berg")
    page = f"/budgets/{demo.budget_id}?lang=en"
    base = f"/budgets/{demo.budget_id}"
    # Proposing: the page leads to a confirmation page, whose button proposes.
    assert f'href="{base}/propose"' in anna.get(page).text
    confirm = anna.get(base + "/propose?lang=en").text
    assert "The budget can then no longer be edited" in confirm
    assert f'action="{base}/propose"' in confirm
    assert _status(demo_system, demo.budget_id) == "draft"  # asking changed nothing
    assert post_form(anna, base + "/propose", page=page).status_code == 302
    assert _status(demo_system, demo.budget_id) == "proposed"
    assert "Adopt the budget" in anna.get(page).text
    assert post_form(anna, base + "/return-to-draft", page=page).status_code == 302
    assert _status(demo_system, demo.budget_id) == "draft"
    post_form(anna, base + "/propose", page=page)
    assert post_form(anna, base + "/adopt", page=page).status_code == 404  # no adoption alone
    assert _status(demo_system, demo.budget_id) == "proposed"
    # "Adopt the budget" leads to the decision form with this budget chosen; the decision adopts.
    form_url = f"/plans/{demo.plan_id}/decisions/new?budget={demo.budget_id}"
    assert form_url in anna.get(page).text
    form = anna.get(form_url + "&lang=en").text
    assert re.search(rf'<option value="{demo.budget_id}" selected>', form)
    assert "Recording this decision adopts the budget" in form
    anna_id = next(p.person_id for p in demo.people if p.name == "Anna Berg")
    decision = {"decided_on": date.today().isoformat(), "title": "Budgeten antas",
                "text": "Mötet antar budgeten.", "attendees": [anna_id], "budget_id": demo.budget_id}
    asked = post_form(anna, f"/plans/{demo.plan_id}/decisions/new", page=form_url, data=decision)
    assert asked.status_code == 200 and _status(demo_system, demo.budget_id) == "proposed"
    decided = post_form(anna, f"/plans/{demo.plan_id}/decisions/new", page=form_url,
                        data={**decision, "confirmed": "yes"})
    assert decided.status_code == 302
    assert _status(demo_system, demo.budget_id) == "adopted"
    # Starting a revision: a confirmation page too.
    assert f'href="{base}/revision"' in anna.get(page).text
    assert "Revision 1 stays adopted and in force" in anna.get(base + "/revision?lang=en").text
    revision = post_form(anna, base + "/revision", page=page)
    new_id = str(Budget.revision_id(demo_system.app.load(Budget, demo.budget_id).id))
    assert revision.status_code == 302 and revision.headers["Location"] == f"/budgets/{new_id}"
    assert _status(demo_system, new_id) == "draft"
    assert f"/budgets/{new_id}" in anna.get(page).text  # the adopted one links to its revision
    refused = post_form(anna, base + "/propose", page=page)  # an adopted budget stays adopted
    assert refused.status_code == 422 and _status(demo_system, demo.budget_id) == "adopted"


@pytest.mark.parametrize("name", ["Erik Lindqvist", "Gunnar Persson"])
def test_only_facilitators_see_the_budget_decisions_and_a_forged_one_changes_nothing(
        app: Flask, demo: DemoPlan, demo_system: System, name: str) -> None:
    client = _client(app, name)
    page = f"/budgets/{demo.budget_id}?lang=en"
    assert "/propose" not in client.get(page).text
    version = demo_system.app.load(Budget, demo.budget_id).version
    for action in ("propose", "return-to-draft", "revision"):
        reply = post_form(client, f"/budgets/{demo.budget_id}/{action}", page=page)
        assert reply.status_code == 403, action
    budget = demo_system.app.load(Budget, demo.budget_id)
    assert (budget.status, budget.version) == ("draft", version)


def test_the_plan_page_links_to_the_members_page(app: Flask, demo: DemoPlan) -> None:
    for name, text in (("Anna Berg", "Manage members"), ("Gunnar Persson", "All members")):
        page = _client(app, name).get(f"/plans/{demo.plan_id}?lang=en").text
        assert f"/plans/{demo.plan_id}/members" in page and text in page


def test_every_form_on_the_members_page_carries_a_csrf_token(app: Flask, demo: DemoPlan) -> None:
    page = _client(app, "Anna Berg").get(_members_page(demo)).text
    forms = re.findall(r"<form method=\"post\".*?</form>", page, re.S)
    assert len(forms) > 5 and all('name="csrf_token"' in form for form in forms)
    erik = _person(demo, "Erik Lindqvist")
    no_token = _client(app, "Anna Berg").post(f"/plans/{demo.plan_id}/members/{erik}",
                                              data={"role": "observer", "org_id": ""})
    assert no_token.status_code == 400

