"""`samverkan people add` / `people link` and the one-time link to choose a password."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System, bootstrap
from adapters.settings import Settings
from tests.e2e.auth_helpers import DEMO_PASSWORD, csrf_token, sign_in
from tests.stores import point_environment_at
from web.app import create_app
from web.cli import cli

KARI = "kari.nordmann@kommun.example.no"
LINK = re.compile(r"^  (https?://\S+)/set-password/([A-Za-z0-9_-]{43})$", re.M)
NEW = "karis-own-password"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    point_environment_at(monkeypatch, tmp_path / "var")
    monkeypatch.delenv("SAMVERKAN_BASE_URL", raising=False)
    monkeypatch.setenv("SAMVERKAN_DEMO_PASSWORD", DEMO_PASSWORD)
    return tmp_path / "var"


@pytest.fixture
def system(data: Path) -> Iterator[System]:
    built = bootstrap(Settings.from_env())
    built.start()
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def site(system: System) -> Flask:
    return create_app({"SYSTEM": system, "TESTING": True, "SECRET_KEY": "test"})


def _people(*args: str) -> Result:
    return CliRunner().invoke(cli, ["people", *args])


def _added(email: str = KARI, *options: str) -> tuple[str, str]:
    """Add someone; (base of the printed link, token)."""
    result = _people("add", email, "--name", "Kari Nordmann", *options)
    assert result.exit_code == 0, result.output
    found = LINK.search(result.output)
    assert found, result.output
    return found.group(1), found.group(2)


def _choose(client: FlaskClient, token: str, password: str, again: str | None = None) -> object:
    form = {"password": password, "repeat_password": password if again is None else again,
            "csrf_token": csrf_token(client, f"/set-password/{token}?lang=en")}
    return client.post(f"/set-password/{token}", data=form)


def test_people_add_adds_a_person_without_a_password_and_prints_a_link(system: System) -> None:
    result = _people("add", "Kari.Nordmann@Kommun.example.no", "--name", " Kari Nordmann ")
    assert result.exit_code == 0, result.output
    assert "Added Kari Nordmann <kari.nordmann@kommun.example.no>" in result.output
    assert "it works once, for 14 days" in result.output
    base, token = LINK.search(result.output).groups()  # type: ignore[union-attr]
    assert base == "http://127.0.0.1:5000"
    person = system.people.by_email(KARI)
    assert person is not None and person.name == "Kari Nordmann"
    assert not system.accounts.has_password(person.id)
    assert system.password_links.person_for(token) == person.id


def test_the_link_starts_with_the_base_url_option_or_setting(
        system: System, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _added(KARI, "--base-url", "https://samverkan.example.se/")[0] == "https://samverkan.example.se"
    monkeypatch.setenv("SAMVERKAN_BASE_URL", "https://plan.example.no/samverkan")
    assert _added("ola@example.no")[0] == "https://plan.example.no/samverkan"


@pytest.mark.parametrize(("args", "said"), [
    (["add", "not-an-address", "--name", "Kari"], "is not an e-mail address"),
    (["add", KARI, "--name", "  "], "Give a name"),
    (["add", KARI, "--name", "Kari\x07"], "Give a name"),
    (["add", KARI], "Missing option '--name'"),
    (["add", KARI, "--name", "Kari", "--base-url", "ftp://example.se"], "--base-url takes an address"),
])
def test_people_add_refuses_bad_input_and_stores_nothing(
        system: System, args: list[str], said: str) -> None:
    result = _people(*args)
    assert result.exit_code == 2 and said in result.output, result.output
    assert system.people.all() == []


def test_people_add_refuses_an_address_in_use(system: System) -> None:
    _added()
    again = _people("add", KARI.upper(), "--name", "Someone Else")
    assert again.exit_code == 1 and "in use already" in again.output
    assert [p.name for p in system.people.all()] == ["Kari Nordmann"]


def test_the_link_opens_a_page_that_sets_the_password_and_signs_in(site: Flask, system: System) -> None:
    _, token = _added()
    client = site.test_client()
    page = client.get(f"/set-password/{token}?lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Welcome, Kari Nordmann." in text and f'value="{KARI}"' in text
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"

    reply = _choose(client, token, NEW)
    assert reply.status_code == 302 and reply.headers["Location"] == "/"
    assert "Kari Nordmann" in client.get("/?lang=en").get_data(as_text=True)  # signed in
    assert system.accounts.authenticate(KARI, NEW) is not None
    assert sign_in(site.test_client(), KARI, NEW).status_code == 302


def test_the_link_works_once(site: Flask, system: System) -> None:
    _, token = _added()
    assert _choose(site.test_client(), token, NEW).status_code == 302
    other = site.test_client()
    assert other.get(f"/set-password/{token}").status_code == 404
    token_form = csrf_token(other, "/sign-in?lang=en")
    used = other.post(f"/set-password/{token}", data={"password": "another-password",
                                                      "repeat_password": "another-password",
                                                      "csrf_token": token_form})
    assert used.status_code == 404
    assert "This link does not work" in used.get_data(as_text=True)
    assert system.accounts.authenticate(KARI, NEW) is not None
    assert system.accounts.authenticate(KARI, "another-password") is None


@pytest.mark.parametrize(("password", "again", "said"), [
    ("short", None, "at least 10"), (NEW, "not the same one", "The two passwords are not the same.")])
def test_a_refused_password_keeps_the_link_working(
        site: Flask, system: System, password: str, again: str | None, said: str) -> None:
    _, token = _added()
    client = site.test_client()
    reply = _choose(client, token, password, again)
    assert reply.status_code == 400 and said in reply.get_data(as_text=True)
    person = system.people.by_email(KARI)
    assert not system.accounts.has_password(person.id)  # type: ignore[union-attr]
    assert system.password_links.person_for(token) is not None


def test_an_unknown_or_overlong_token_gets_a_404_page(site: Flask) -> None:
    client = site.test_client()
    _added()
    for token in ("nope", "x" * 101):
        assert client.get(f"/set-password/{token}").status_code == 404


def test_on_an_empty_installation_the_link_is_reachable_and_then_setup_is_gone(site: Flask) -> None:
    _, token = _added()
    client = site.test_client()
    assert client.get("/").headers["Location"] == "/setup"  # nobody has a password yet
    assert client.get(f"/set-password/{token}").status_code == 200
    assert _choose(client, token, NEW).status_code == 302
    assert site.test_client().get("/setup").status_code == 404


def test_people_link_prints_a_new_link_and_the_older_one_stops(site: Flask, system: System) -> None:
    _, older = _added()
    result = _people("link", KARI)
    assert result.exit_code == 0, result.output
    newer = LINK.search(result.output).group(2)  # type: ignore[union-attr]
    assert site.test_client().get(f"/set-password/{older}").status_code == 404
    assert site.test_client().get(f"/set-password/{newer}").status_code == 200


def test_people_link_refuses_unknown_and_erased_people(system: System) -> None:
    assert _people("link", "nobody@example.org").exit_code == 1
    _added()
    person = system.people.by_email(KARI)
    system.erase_person(person.id)  # type: ignore[union-attr]
    refused = _people("link", person.id)  # type: ignore[union-attr]
    assert refused.exit_code == 1 and "erased" in refused.output


def test_a_new_password_through_a_link_ends_the_persons_other_sessions(
        site: Flask, system: System) -> None:
    assert CliRunner().invoke(cli, ["demo"]).exit_code == 0
    erik = "erik.lindqvist@region.example.se"
    elsewhere = site.test_client()
    assert sign_in(elsewhere, erik).status_code == 302
    assert elsewhere.get("/").status_code == 200
    token = LINK.search(_people("link", erik).output).group(2)  # type: ignore[union-attr]
    assert _choose(site.test_client(), token, NEW).status_code == 302
    assert elsewhere.get("/").status_code == 302  # signed out there
    assert system.accounts.authenticate(erik, DEMO_PASSWORD) is None
