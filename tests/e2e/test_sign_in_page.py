"""The sign-in page says what Samverkan is and, while the demo is loaded, how to try it."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from adapters.bootstrap import System, bootstrap
from adapters.demo import DemoPlan
from adapters.demo_accounts import DemoAccounts
from tests.e2e.auth_helpers import DEMO_EMAILS, DEMO_PASSWORD, sign_in
from tests.stores import store_settings
from web.app import create_app

ABOUT_EN = ("Samverkan is where a municipality, the region, local businesses, a university and "
            "voluntary associations plan shared public services together.")


def _page(app: Flask, lang: str = "en") -> str:
    reply = app.test_client().get(f"/sign-in?lang={lang}")
    assert reply.status_code == 200
    return html.unescape(reply.get_data(as_text=True))


def _listed(page: str) -> list[str]:
    section = re.search(r'<section class="demo-accounts.*?</section>', page, re.S)
    return re.findall(r'<code class="demo-email">([^<]+)</code>', section.group(0)) if section else []


@pytest.mark.parametrize("lang", ["sv", "nb", "en"])
def test_the_sign_in_page_says_what_samverkan_is_in_the_readers_language(app: Flask, lang: str) -> None:
    page = _page(app, lang)
    assert f'<html lang="{lang}">' in page
    about = re.search(r'<div class="about" id="about">(.*?)</div>', page, re.S)
    assert about and len(re.findall(r"<p>", about.group(1))) == 3
    if lang == "en":  # sv and nb come with the catalogues after the merge
        assert ABOUT_EN in about.group(1)


def test_in_demo_mode_the_page_lists_every_demo_account_with_role_organisation_and_the_password(
        app: Flask, demo: DemoPlan) -> None:
    page = _page(app)
    assert "The demo plan is loaded" in page
    assert f'<code id="demo-password">{DEMO_PASSWORD}</code>' in page
    assert _listed(page) == [p.email for p in demo.people]
    section = re.search(r'<section class="demo-accounts.*?</section>', page, re.S).group(0)  # type: ignore[union-attr]
    for person in demo.people:
        entry = re.search(rf"<li><strong>{person.name}</strong>,(.*?)</li>", section, re.S)
        assert entry, person.name
        assert person.role in entry.group(1)
        assert (person.org_name or "") in entry.group(1)


def test_a_failed_sign_in_still_shows_the_demo_accounts(app: Flask) -> None:
    client = app.test_client()
    client.get("/sign-in?lang=en")
    reply = sign_in(client, DEMO_EMAILS["Anna Berg"], "not the password")
    assert reply.status_code == 401
    assert len(_listed(html.unescape(reply.get_data(as_text=True)))) == 7


def test_a_demo_person_with_a_password_of_their_own_or_erased_is_not_listed(
        app: Flask, demo_system: System, demo: DemoPlan) -> None:
    anna, erik = demo.people[0], demo.people[1]
    demo_system.accounts.change_password(anna.person_id, DEMO_PASSWORD, "annas-own-password")
    demo_system.erase_person(erik.person_id)
    listed = _listed(_page(app))
    assert anna.email not in listed and erik.email not in listed
    assert listed == [p.email for p in demo.people[2:]]


def test_demo_people_whose_password_is_not_the_configured_demo_password_are_not_listed(
        demo_system: System) -> None:
    other = replace(demo_system, demo_accounts=DemoAccounts(
        demo_system.people, demo_system.accounts, "another-demo-password"))
    app = create_app({"SYSTEM": other, "TESTING": True, "SECRET_KEY": "test"})
    page = _page(app)
    assert _listed(page) == [] and "demo" not in page.lower()


def test_without_the_demo_the_page_says_nothing_about_a_demo(tmp_path: Path) -> None:
    system = bootstrap(store_settings(tmp_path / "var", demo=False))
    system.start()
    try:
        system.accounts.register("Ada Lund", "ada@kommun.example.se", "ada-password-1")
        app = create_app({"SYSTEM": system, "TESTING": True, "SECRET_KEY": "test"})
        for lang in ("sv", "nb", "en"):
            page = _page(app, lang)
            assert 'id="about"' in page
            assert "demo" not in page.lower() and "ramsjö" not in page.lower()
    finally:
        system.close()
