"""An installation without the demo: every page leads to /setup until the first account exists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from adapters.accounts import credentials
from adapters.bootstrap import System, bootstrap
from adapters.people import people
from tests.e2e.auth_helpers import csrf_token
from tests.stores import store_settings
from web.app import create_app

FIRST = {"name": "Ada Lund", "email": "Ada.Lund@Kommun.example.se", "password": "ada-password-1",
         "repeat_password": "ada-password-1"}


@pytest.fixture
def empty_system(tmp_path: Path) -> Iterator[System]:
    system = bootstrap(store_settings(tmp_path / "var"))
    system.start()
    try:
        yield system
    finally:
        system.close()


@pytest.fixture
def empty(empty_system: System) -> Flask:
    return create_app({"SYSTEM": empty_system, "TESTING": True, "SECRET_KEY": "test",
                       "SETUP_LIMIT_PER_ADDRESS": "4 per minute"})


def _submit(client: FlaskClient, form: dict[str, str], lang: str = "en") -> object:
    token = csrf_token(client, f"/setup?lang={lang}")
    return client.post("/setup", data={**form, "csrf_token": token})


def _stored(system: System) -> tuple[int, int]:
    with system.engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (people, credentials))  # type: ignore[return-value]


@pytest.mark.parametrize("path", ["/", "/sign-in", "/account", "/plans/00000000-0000-0000-0000-000000000000",
                                  "/invitations/some-token"])
def test_while_nobody_has_an_account_every_page_leads_to_setup(empty: Flask, path: str) -> None:
    reply = empty.test_client().get(path)
    assert reply.status_code == 303 and reply.headers["Location"] == "/setup"


def test_while_nobody_has_an_account_the_api_says_so_in_json_and_static_files_are_served(
        empty: Flask) -> None:
    client = empty.test_client()
    reply = client.get("/api/plans")
    assert reply.status_code == 401 and reply.json["error"] == "setup_needed"
    assert "/setup" in reply.json["message"]
    assert client.get("/static/css/app.css").status_code == 200


@pytest.mark.parametrize("lang", ["sv", "nb", "en"])
def test_the_setup_page_asks_for_name_email_and_the_password_twice(empty: Flask, lang: str) -> None:
    page = empty.test_client().get(f"/setup?lang={lang}").get_data(as_text=True)
    if lang == "en":  # sv and nb come with the catalogues after the merge
        assert "<h1>Set up Samverkan</h1>" in page
    for field in ('name="name"', 'name="email"', 'name="password"', 'name="repeat_password"',
                  'name="csrf_token"'):
        assert field in page
    assert f'lang="{lang}"' in page


def test_the_first_person_creates_their_account_and_is_signed_in(
        empty: Flask, empty_system: System) -> None:
    client = empty.test_client()
    reply = _submit(client, FIRST)
    assert reply.status_code == 302 and reply.headers["Location"] == "/"
    home = client.get("/?lang=en")
    assert home.status_code == 200 and "Ada Lund" in home.get_data(as_text=True)
    person = empty_system.people.by_email("ada.lund@kommun.example.se")
    assert person is not None and person.name == "Ada Lund"
    assert empty_system.accounts.authenticate("ada.lund@kommun.example.se", "ada-password-1")
    assert empty_system.app.recorder.max_notification_id() in (None, 0)  # no event: people are not events


def test_once_an_account_exists_setup_is_gone_for_everyone(empty: Flask, empty_system: System) -> None:
    assert _submit(empty.test_client(), FIRST).status_code == 302
    stranger = empty.test_client()
    assert stranger.get("/setup").status_code == 404
    token = csrf_token(stranger, "/sign-in")
    again = stranger.post("/setup", data={**FIRST, "email": "eve@example.org", "csrf_token": token})
    assert again.status_code == 404
    assert _stored(empty_system) == (1, 1)
    reply = stranger.get("/")
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/sign-in")


def test_a_setup_without_the_csrf_token_stores_nothing(empty: Flask, empty_system: System) -> None:
    reply = empty.test_client().post("/setup", data=FIRST)
    assert reply.status_code == 400
    assert _stored(empty_system) == (0, 0) and empty_system.first_run.needed()


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"name": "  "}, "name", "Write your name"),
    ({"email": "not an address"}, "email", "Write an e-mail address"),
    ({"password": "short", "repeat_password": "short"}, "password", "at least 10"),
    ({"repeat_password": "another-password"}, "repeat_password", "The two passwords are not the same."),
])
def test_a_refused_setup_names_the_field_keeps_what_was_typed_and_stores_nothing(
        empty: Flask, empty_system: System, change: dict[str, str], field: str, message: str) -> None:
    client = empty.test_client()
    reply = _submit(client, {**FIRST, **change})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert message in page and f'id="{field}-error"' in page
    assert 'aria-invalid="true"' in page
    if field != "email":
        assert 'value="Ada.Lund@Kommun.example.se"' in page
    assert 'value="ada-password-1"' not in page  # passwords are never sent back
    assert _stored(empty_system) == (0, 0)


def test_setup_refuses_an_address_someone_was_added_with_already(
        empty: Flask, empty_system: System) -> None:
    empty_system.people.add("Ada Lund", "ada.lund@kommun.example.se")  # `people add`, no password
    reply = _submit(empty.test_client(), FIRST)
    assert reply.status_code == 400
    assert "There is already an account for that e-mail address." in reply.get_data(as_text=True)
    assert _stored(empty_system) == (1, 0)


def test_setup_submissions_are_rate_limited_per_address(empty: Flask, empty_system: System) -> None:
    client = empty.test_client()
    for _ in range(4):
        assert _submit(client, {**FIRST, "repeat_password": "not the same"}).status_code == 400
    limited = _submit(client, FIRST)
    assert limited.status_code == 429
    assert "Too many attempts" in limited.get_data(as_text=True)
    assert _stored(empty_system) == (0, 0)
