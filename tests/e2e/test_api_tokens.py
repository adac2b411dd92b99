"""Personal API tokens: shown once, stored hashed, revocable, for /api/ and the exports only,
with the person's rights."""

from __future__ import annotations

import hashlib
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from adapters.tokens import api_tokens
from domain.context import acting_as
from tests.e2e.auth_helpers import DEMO_PASSWORD, post_form, sign_in
from tests.e2e.demo_years import SPAN, Y1, Y2

ERIK = "erik.lindqvist@region.example.se"
ANNA = "anna.berg@ljusdal.example.se"
_SECRET = re.compile(r'id="new-token-secret" value="(svk_[A-Za-z0-9_-]+)"')


def _signed_in(app: Flask, email: str, password: str = DEMO_PASSWORD) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email, password).status_code == 302
    return client


def _new_token(client: FlaskClient, label: str = "Kvartalsrapport") -> str:
    reply = post_form(client, "/account/tokens", {"label": label}, page="/account")
    assert reply.status_code == 201, reply.get_data(as_text=True)
    found = _SECRET.search(reply.get_data(as_text=True))
    assert found, "the new token's secret is not on the page"
    return found.group(1)


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _person(demo: DemoPlan, email: str) -> str:
    return next(p.person_id for p in demo.people if p.email == email)


def test_a_new_token_is_shown_once_with_how_to_use_it_and_stored_only_as_a_hash(
        app: Flask, demo_system: System) -> None:
    client = _signed_in(app, ERIK)
    reply = post_form(client, "/account/tokens", {"label": "Kvartalsrapport"}, page="/account")
    page = reply.get_data(as_text=True)
    secret = _SECRET.search(page).group(1)  # type: ignore[union-attr]
    assert f"Authorization: Bearer {secret}" in page
    assert reply.headers["Cache-Control"] == "no-store"
    # Not kept anywhere the browser sends back, nor shown again.
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    session = app.session_interface.get_signing_serializer(app).loads(cookie.value)  # type: ignore[attr-defined]
    assert secret not in repr(session) and secret not in cookie.value
    again = client.get("/account").get_data(as_text=True)
    assert "Kvartalsrapport" in again and secret not in again
    # The database has its SHA-256, never the secret itself.
    with demo_system.engine.connect() as conn:
        rows = conn.execute(select(api_tokens)).all()
    assert len(rows) == 1
    assert rows[0].token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in rows[0])


@pytest.mark.parametrize("label", ["", "   ", "x" * 81])
def test_a_token_needs_a_name_of_at_most_80_characters(
        app: Flask, demo_system: System, label: str) -> None:
    client = _signed_in(app, ERIK)
    reply = post_form(client, "/account/tokens", {"label": label}, page="/account?lang=en")
    assert reply.status_code == 400
    assert "Give the token a name of 1 to 80 characters." in reply.get_data(as_text=True)
    with demo_system.engine.connect() as conn:
        assert conn.execute(select(api_tokens)).first() is None


def test_creating_a_token_needs_the_forms_csrf_token(app: Flask) -> None:
    client = _signed_in(app, ERIK)
    assert client.post("/account/tokens", data={"label": "No CSRF"}).status_code == 400
    assert "No CSRF" not in client.get("/account").get_data(as_text=True)


def test_a_token_reads_the_api_as_its_person_and_notes_when_it_was_used(
        app: Flask, demo: DemoPlan) -> None:
    client = _signed_in(app, ERIK)
    secret = _new_token(client)
    assert "never" in client.get("/account?lang=en").get_data(as_text=True)
    reply = app.test_client().get("/api/me", headers=_bearer(secret))
    assert reply.status_code == 200
    assert reply.json == {"person_id": _person(demo, ERIK), "name": "Erik Lindqvist", "plans": [
        {"plan_id": demo.plan_id, "name": f"Serviceplan Ramsjö {SPAN}", "role": "representative"}]}
    sheet = app.test_client().get(f"/api/budgets/{demo.budget_id}/sheet", headers=_bearer(secret))
    assert sheet.status_code == 200 and sheet.json["budget"]["budget_id"] == demo.budget_id
    assert "never" not in client.get("/account?lang=en").get_data(as_text=True)


def test_a_token_opens_no_page_outside_the_api(app: Flask, demo: DemoPlan) -> None:
    secret = _new_token(_signed_in(app, ANNA))
    anonymous = app.test_client()
    for path in ("/", "/account", f"/plans/{demo.plan_id}", f"/budgets/{demo.budget_id}"):
        reply = anonymous.get(path, headers=_bearer(secret))
        assert reply.status_code == 401, path
        assert "Anna" not in reply.get_data(as_text=True)
    # Nor can it make itself new tokens or change anything a page could (no CSRF needed means
    # no page action at all).
    assert anonymous.post("/account/tokens", data={"label": "more"},
                          headers=_bearer(secret)).status_code == 401


def test_an_unknown_or_malformed_token_is_refused(app: Flask) -> None:
    client = app.test_client()
    for secret in ("svk_not-a-real-token", "not-even-the-prefix", "svk_" + "a" * 200):
        assert client.get("/api/me", headers=_bearer(secret)).status_code == 401


def test_a_revoked_token_is_refused_and_listed_as_revoked(app: Flask) -> None:
    client = _signed_in(app, ERIK)
    secret = _new_token(client)
    token_id = re.search(r'/account/tokens/([0-9a-f-]{36})/revoke',
                         client.get("/account").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 400  # no CSRF token
    assert app.test_client().get("/api/me", headers=_bearer(secret)).status_code == 200
    reply = post_form(client, f"/account/tokens/{token_id}/revoke", page="/account")
    assert reply.status_code == 302
    assert app.test_client().get("/api/me", headers=_bearer(secret)).status_code == 401
    page = client.get("/account?lang=en").get_data(as_text=True)
    assert "revoked" in page and f"/account/tokens/{token_id}/revoke" not in page
    again = post_form(client, f"/account/tokens/{token_id}/revoke", page="/account")
    assert again.status_code == 404


def test_nobody_revokes_another_persons_token(app: Flask) -> None:
    erik = _signed_in(app, ERIK)
    secret = _new_token(erik)
    token_id = re.search(r'/account/tokens/([0-9a-f-]{36})/revoke',
                         erik.get("/account").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    anna = _signed_in(app, ANNA)
    assert post_form(anna, f"/account/tokens/{token_id}/revoke", page="/account").status_code == 404
    assert app.test_client().get("/api/me", headers=_bearer(secret)).status_code == 200
    assert "Kvartalsrapport" not in anna.get("/account").get_data(as_text=True)


def test_a_token_reads_only_the_plans_its_person_may_read(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    outsider = demo_system.accounts.register("Olle Utanför", "olle@example.org", "olles-password-1")
    with acting_as(outsider, None):
        own_plan = demo_system.app.start_plan("Ollesplan", "Byn", Y1, Y2).aggregate_id
        own_budget = str(demo_system.app.create_budget(own_plan, "Olles budget").aggregate_id)
    demo_system.projections.wait(demo_system.app.recorder.max_notification_id(), timeout=10)
    erik = _new_token(_signed_in(app, ERIK))
    olle = _new_token(_signed_in(app, "olle@example.org", "olles-password-1"))
    api = app.test_client()
    assert api.get(f"/api/budgets/{own_budget}/sheet", headers=_bearer(olle)).status_code == 200
    assert api.get(f"/api/budgets/{own_budget}/sheet", headers=_bearer(erik)).status_code == 403
    assert api.get(f"/api/budgets/{demo.budget_id}/sheet", headers=_bearer(olle)).status_code == 403
    me = api.get("/api/me", headers=_bearer(olle)).json
    assert [(p["name"], p["role"]) for p in me["plans"]] == [("Ollesplan", "facilitator")]


EXPORTS = ("/plans/{plan}/audit.csv", "/plans/{plan}/audit.json", "/plans/{plan}/audit.xlsx",
           "/budgets/{budget}/export.xlsx", "/budgets/{budget}/export.csv",
           "/plans/{plan}/dashboard/commitments.csv")


def test_a_token_fetches_every_export_with_its_persons_rights(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    anna = _new_token(_signed_in(app, ANNA))
    demo_system.accounts.register("Olle Utanför", "olle@example.org", "olles-password-1")
    olle = _new_token(_signed_in(app, "olle@example.org", "olles-password-1"))
    api = app.test_client()
    for path in (p.format(plan=demo.plan_id, budget=demo.budget_id) for p in EXPORTS):
        reply = api.get(path, headers=_bearer(anna))
        assert reply.status_code == 200, path
        assert reply.headers["Content-Disposition"].startswith("attachment;"), path
        assert reply.get_data()  # the whole file, as a script reads it
        assert api.get(path, headers=_bearer(olle)).status_code == 403, path  # not a member
        assert api.get(path, headers=_bearer("svk_not-a-token")).status_code == 401, path
        assert api.post(path, headers=_bearer(anna)).status_code == 401, path  # reads only
    # the audit rows a token reads are the ones its person reads
    signed_in = _signed_in(app, ANNA).get(f"/plans/{demo.plan_id}/audit.json?lang=en")
    by_token = api.get(f"/plans/{demo.plan_id}/audit.json?lang=en", headers=_bearer(anna))
    assert by_token.get_data() == signed_in.get_data()
