"""Who may ask what: sign-in, sessions, CSRF, security headers and plan membership (the rate
limits on sign-in and on the password check are in test_auth_limits.py)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from adapters.accounts import credentials, web_sessions
from adapters.bootstrap import System
from adapters.demo import DemoPlan
from tests.e2e.auth_helpers import DEMO_EMAILS, DEMO_PASSWORD, csrf_token, post_form, sign_in

ANNA, ERIK = DEMO_EMAILS["Anna Berg"], DEMO_EMAILS["Erik Lindqvist"]
GUNNAR = DEMO_EMAILS["Gunnar Persson"]
NEW_PASSWORD = "a new and longer password"


def _signed_in(app: Flask, email: str = ANNA, password: str = DEMO_PASSWORD) -> FlaskClient:
    client = app.test_client()
    reply = sign_in(client, email, password)
    assert reply.status_code == 302, reply.status_code
    return client


def _sign_in_again(client: FlaskClient, email: str) -> TestResponse:
    """Sign in while signed in (the sign-in page itself would send you on; the header's
    token works just as well)."""
    return post_form(client, "/sign-in", {"email": email, "password": DEMO_PASSWORD}, page="/")


def _sid(client: FlaskClient) -> str | None:
    with client.session_transaction() as session:
        return session.get("sid")


def _sent_to_sign_in(reply: TestResponse) -> str | None:
    """Where a redirect to the sign-in page would send the person back to (None: not one)."""
    if reply.status_code != 302:
        return None
    location = urlparse(reply.headers["Location"])
    if location.path != "/sign-in":
        return None
    return parse_qs(location.query).get("next", [""])[0]


def _lands_on(reply: TestResponse) -> str:
    """The local target of a redirect (refusing one to another site)."""
    assert reply.status_code == 302, reply.status_code
    location = urlparse(reply.headers["Location"])
    assert location.netloc in ("", "localhost"), reply.headers["Location"]
    return location.path + (f"?{location.query}" if location.query else "")


def _password_change(client: FlaskClient, current: str, new: str,
                     repeat: str | None = None) -> TestResponse:
    return post_form(client, "/account/password", {
        "current_password": current, "new_password": new,
        "repeat_password": new if repeat is None else repeat}, page="/account")


# ---- deny by default -----------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in_and_told_where_they_were_going(
        app: Flask, demo: DemoPlan) -> None:
    client = app.test_client()
    for path in ("/", f"/plans/{demo.plan_id}", f"/budgets/{demo.budget_id}?lang=en", "/account"):
        assert _sent_to_sign_in(client.get(path)) == path, path


def test_an_anonymous_api_call_gets_401_in_json(app: Flask, demo: DemoPlan) -> None:
    reply = app.test_client().get(f"/api/budgets/{demo.budget_id}/sheet")
    assert reply.status_code == 401
    assert reply.json["error"] == "unauthorised" and reply.json["message"]


def test_every_route_but_the_public_ones_needs_sign_in(app: Flask) -> None:
    """Deny by default: a route nobody declared public answers nothing before sign-in."""
    from web.auth import PUBLIC_ENDPOINTS

    client = app.test_client()
    token = csrf_token(client)  # so that a refused POST is refused for want of a person
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = rule.build({name: "00000000-0000-0000-0000-000000000000"
                           for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            reply = client.open(path, method=method, data={"csrf_token": token})
            if path.startswith("/api/"):
                assert reply.status_code == 401, (method, path)
            else:
                assert _sent_to_sign_in(reply) is not None, (method, path, reply.status_code)
            checked += 1
    assert checked >= 6


# ---- signing in ----------------------------------------------------------------------------


def test_the_right_password_signs_in_and_goes_to_next(app: Flask, demo: DemoPlan) -> None:
    client = app.test_client()
    reply = sign_in(client, ANNA, next_path=f"/plans/{demo.plan_id}")
    assert _lands_on(reply) == f"/plans/{demo.plan_id}"
    assert _sid(client)
    assert client.get(f"/plans/{demo.plan_id}").status_code == 200


def test_a_wrong_password_is_refused_with_401_and_no_session(app: Flask) -> None:
    client = app.test_client()
    reply = sign_in(client, ANNA, "not the password at all")
    assert reply.status_code == 401
    assert 'id="sign-in-error"' in reply.text
    assert _sid(client) is None
    assert _sent_to_sign_in(client.get("/")) == "/"


def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password(
        app: Flask, demo_system: System, monkeypatch: pytest.MonkeyPatch) -> None:
    verified: list[str] = []

    class CountingHasher:
        def __init__(self, hasher: object) -> None:
            self.hasher = hasher

        def __getattr__(self, name: str) -> object:
            return getattr(self.hasher, name)

        def verify(self, stored: str, password: str) -> bool:
            verified.append(stored)
            return self.hasher.verify(stored, password)

    app.test_client().get("/sign-in")  # the demo accounts it lists are checked once, here
    monkeypatch.setattr(demo_system.accounts, "hasher", CountingHasher(demo_system.accounts.hasher))

    def answer(email: str) -> tuple[int, str]:
        reply = sign_in(app.test_client(), email, "not the password at all")
        text = re.sub(r'(name="csrf_token" value|name="csrf-token" content)="[^"]+"', "", reply.text)
        # The demo accounts listed below the form name Anna's address whoever tried.
        text = re.sub(r'<section class="demo-accounts.*?</section>', "", text, flags=re.S)
        return reply.status_code, text.replace(email, "EMAIL")

    assert answer("nobody@example.org") == answer(ANNA)
    assert len(verified) == 2  # a password hash is checked either way: the time is the same


def test_the_email_address_is_not_case_sensitive(app: Flask) -> None:
    assert sign_in(app.test_client(), ANNA.upper()).status_code == 302


def test_a_sign_in_without_a_csrf_token_is_refused(app: Flask) -> None:
    client = app.test_client()
    client.get("/sign-in")
    reply = client.post("/sign-in", data={"email": ANNA, "password": DEMO_PASSWORD})
    assert reply.status_code == 400
    assert _sid(client) is None


def test_an_empty_form_is_refused_with_400(app: Flask) -> None:
    reply = sign_in(app.test_client(), "", "")
    assert reply.status_code == 400 and 'id="sign-in-error"' in reply.text


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example/", "http:evil.example", "/\\evil.example",
    "\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
    "javascript:alert(1)", ""])
def test_next_is_followed_only_to_a_path_of_this_site(app: Flask, target: str) -> None:
    client = app.test_client()
    assert _lands_on(sign_in(client, ANNA, next_path=target)) == "/"
    assert _lands_on(client.get("/sign-in", query_string={"next": target})) == "/"


def test_the_stored_password_is_an_argon2id_hash(demo_system: System, demo: DemoPlan) -> None:
    anna = next(p for p in demo.people if p.email == ANNA)
    with demo_system.engine.connect() as conn:
        stored = conn.execute(select(credentials.c.password_hash)
                              .where(credentials.c.person_id == anna.person_id)).scalar_one()
    assert stored.startswith("$argon2id$") and DEMO_PASSWORD not in stored


# ---- sessions ------------------------------------------------------------------------------


def test_each_sign_in_starts_a_new_session(app: Flask) -> None:
    client = app.test_client()
    with client.session_transaction() as session:
        session["sid"] = "planted-by-someone-else"  # a session fixed before sign-in …
    sign_in(client, ANNA)
    first = _sid(client)
    assert first and first != "planted-by-someone-else"  # … is never taken over
    assert _lands_on(_sign_in_again(client, ANNA)) == "/"
    assert _sid(client) not in (None, first)


def test_signing_in_again_ends_the_session_before_it(app: Flask) -> None:
    client = _signed_in(app)
    old_cookie = client.get_cookie("session").value
    assert _lands_on(_sign_in_again(client, ERIK)) == "/"  # someone else on the same browser
    replayed = app.test_client()
    replayed.set_cookie("session", old_cookie)
    assert _sent_to_sign_in(replayed.get("/")) == "/"


def test_signing_out_ends_the_session_on_the_server(app: Flask) -> None:
    client = _signed_in(app)
    old_cookie = client.get_cookie("session").value
    assert _lands_on(post_form(client, "/sign-out", page="/")) == "/sign-in"
    assert _sid(client) is None
    replayed = app.test_client()
    replayed.set_cookie("session", old_cookie)  # a copy of the cookie from before
    assert _sent_to_sign_in(replayed.get("/")) == "/"


def test_signing_out_takes_a_post(app: Flask) -> None:
    client = _signed_in(app)
    assert client.get("/sign-out").status_code == 405
    assert client.get("/").status_code == 200


def test_an_expired_session_signs_nobody_in(app: Flask, demo_system: System) -> None:
    client = _signed_in(app)
    with demo_system.engine.begin() as conn:
        conn.execute(update(web_sessions).values(expires_at=web_sessions.c.created_at))
    assert _sent_to_sign_in(client.get("/")) == "/"


def test_erasing_a_person_ends_their_sessions_and_their_sign_in(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    client = _signed_in(app, GUNNAR)
    gunnar = next(p for p in demo.people if p.email == GUNNAR)
    demo_system.erase_person(gunnar.person_id)
    assert _sent_to_sign_in(client.get("/")) == "/"
    assert sign_in(app.test_client(), GUNNAR).status_code == 401


# ---- CSRF ----------------------------------------------------------------------------------


def test_a_sign_out_without_a_csrf_token_is_refused_and_you_stay_signed_in(app: Flask) -> None:
    client = _signed_in(app)
    assert client.post("/sign-out").status_code == 400
    assert client.post("/sign-out", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/").status_code == 200


def test_a_password_change_without_a_csrf_token_changes_nothing(app: Flask) -> None:
    client = _signed_in(app)
    reply = client.post("/account/password", data={
        "current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD})
    assert reply.status_code == 400
    assert sign_in(app.test_client(), ANNA, DEMO_PASSWORD).status_code == 302
    assert sign_in(app.test_client(), ANNA, NEW_PASSWORD).status_code == 401


def test_the_csrf_token_of_one_session_does_not_work_in_another(app: Flask) -> None:
    anna, erik = _signed_in(app), _signed_in(app, ERIK)
    assert anna.post("/sign-out", data={"csrf_token": csrf_token(erik, "/")}).status_code == 400
    assert anna.get("/").status_code == 200


def test_over_https_a_form_sent_from_another_site_is_refused(app: Flask) -> None:
    client = app.test_client()
    https = {"base_url": "https://localhost"}
    token = csrf_token(client, "/sign-in", **https)
    form = {"email": ANNA, "password": DEMO_PASSWORD, "csrf_token": token}
    refused = client.post("/sign-in", data=form, headers={"Referer": "https://evil.example/"},
                          **https)
    assert refused.status_code == 400
    signed_in = client.post("/sign-in", data=form, headers={"Referer": "https://localhost/sign-in"},
                            **https)
    assert _lands_on(signed_in) == "/"


# ---- cookies and headers -------------------------------------------------------------------


def _session_cookie(reply: TestResponse) -> str:
    [cookie] = [c for c in reply.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_the_session_cookie_is_httponly_and_samesite_lax(app: Flask) -> None:
    cookie = _session_cookie(app.test_client().get("/sign-in"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP (a developer's machine) could not send it back


def test_the_session_cookie_is_secure_over_https(app: Flask) -> None:
    cookie = _session_cookie(app.test_client().get("/sign-in", base_url="https://localhost"))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_hsts_is_sent_only_over_https(app: Flask) -> None:
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
    hsts = client.get("/sign-in", base_url="https://localhost").headers["Strict-Transport-Security"]
    assert "max-age=" in hsts and int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 15_552_000


@pytest.mark.parametrize("path", ["/sign-in", "/", "/api/budgets/x/sheet", "/no-such-page"])
def test_every_answer_carries_the_security_headers(app: Flask, path: str) -> None:
    headers = _signed_in(app).get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer",
                                          "same-origin", "strict-origin")


# ---- password change -----------------------------------------------------------------------


def test_a_password_change_needs_the_current_password(app: Flask) -> None:
    client = _signed_in(app)
    assert _password_change(client, "not the password", NEW_PASSWORD).status_code == 400
    assert sign_in(app.test_client(), ANNA, DEMO_PASSWORD).status_code == 302


def test_a_password_change_needs_the_new_password_twice_alike(app: Flask) -> None:
    client = _signed_in(app)
    reply = _password_change(client, DEMO_PASSWORD, NEW_PASSWORD, repeat=NEW_PASSWORD + "!")
    assert reply.status_code == 400
    assert sign_in(app.test_client(), ANNA, NEW_PASSWORD).status_code == 401


def test_a_new_password_that_is_too_short_is_refused(app: Flask) -> None:
    assert _password_change(_signed_in(app), DEMO_PASSWORD, "short").status_code == 400


def test_after_a_password_change_only_the_new_one_works_and_other_sessions_end(
        app: Flask) -> None:
    here, elsewhere = _signed_in(app), _signed_in(app)
    erik = _signed_in(app, ERIK)
    assert _lands_on(_password_change(here, DEMO_PASSWORD, NEW_PASSWORD)) == "/account"
    assert here.get("/").status_code == 200  # this session goes on
    assert _sent_to_sign_in(elsewhere.get("/")) == "/"  # the person's other sessions end
    assert erik.get("/").status_code == 200  # nobody else's
    assert sign_in(app.test_client(), ANNA, DEMO_PASSWORD).status_code == 401
    assert sign_in(app.test_client(), ANNA, NEW_PASSWORD).status_code == 302


# ---- membership ----------------------------------------------------------------------------


@pytest.fixture
def stranger(app: Flask, demo_system: System) -> FlaskClient:
    """Signed in, but a member of no plan."""
    demo_system.accounts.register("Utomstående Person", "x@example.org", DEMO_PASSWORD)
    return _signed_in(app, "x@example.org")


def test_someone_who_is_not_a_member_cannot_see_the_plan_or_its_budget(
        stranger: FlaskClient, demo: DemoPlan) -> None:
    assert stranger.get(f"/plans/{demo.plan_id}").status_code == 403
    assert stranger.get(f"/budgets/{demo.budget_id}").status_code == 403
    reply = stranger.get(f"/api/budgets/{demo.budget_id}/sheet")
    assert reply.status_code == 403 and reply.json["error"] == "not_allowed"


def test_the_plan_list_shows_only_the_persons_own_plans(
        app: Flask, stranger: FlaskClient, demo: DemoPlan) -> None:
    mine = stranger.get("/")
    assert mine.status_code == 200
    assert demo.plan_id not in mine.text and "Serviceplan Ramsjö" not in mine.text
    assert f"/plans/{demo.plan_id}" in _signed_in(app, GUNNAR).get("/").text


def test_an_observer_may_read_the_plan_budget_and_sheet(app: Flask, demo: DemoPlan) -> None:
    gunnar = _signed_in(app, GUNNAR)
    for path in (f"/plans/{demo.plan_id}", f"/budgets/{demo.budget_id}",
                 f"/api/budgets/{demo.budget_id}/sheet"):
        assert gunnar.get(path).status_code == 200, path
