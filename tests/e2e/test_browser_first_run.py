"""The first-run page, the set-password page and the sign-in page in a real browser: axe finds
nothing in sv, nb and en, each works by keyboard alone, and each fits a 390 px phone."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    LAPTOP,
    PHONE,
    ROOT,
    WAIT_MS,
    Server,
    browser_fixture,
    ensure_bundle,
    needs_browser,
    overflow,
    shared_server_fixture,
    start_server,
    stop_server,
    violations,
)
from tests.stores import environment_for

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(90)]
LANGUAGES = ("sv", "nb", "en")


@pytest.fixture(name="empty_server")
def empty_server_fixture(tmp_path: Path) -> Iterator[Server]:
    """`samverkan serve` with SAMVERKAN_DEMO=off on an empty folder: nobody has an account."""
    ensure_bundle()
    process, server = start_server(tmp_path, extra_env={"SAMVERKAN_DEMO": "off"})
    try:
        yield server
    finally:
        stop_server(process)


@pytest.fixture(name="tab")
def tab_fixture(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies), phone-sized unless a test resizes it."""
    context = browser.new_context(viewport=PHONE, locale="sv-SE")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert errors == []


def _fits(page: Any) -> None:
    """Nothing sticks out sideways: the page scrolls only up and down."""
    assert overflow(page) <= 0


def _checked_in_both_sizes(page: Any, url: str, lang: str) -> None:
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(url)
        assert page.evaluate("document.documentElement.lang") == lang
        assert violations(page) == "", (url, size)
        _fits(page)


def _into_main(page: Any) -> None:
    """As a keyboard user does: the skip link first, then into the page's content."""
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")


def _focused_id(page: Any) -> str:
    return page.evaluate("document.activeElement.id")


def _path(page: Any) -> str:
    return urllib.parse.urlparse(page.url).path


def _link_for(server: Server, data_dir: Path, email: str, name: str) -> str:
    """`samverkan people add` beside the running server; the link it prints."""
    env = environment_for(data_dir / "var")
    done = subprocess.run([sys.executable, "-c", "from web.cli import main; main()", "people", "add",
                           email, "--name", name, "--base-url", server.url], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    return re.search(r"(http\S+/set-password/\S+)", done.stdout).group(1)  # type: ignore[union-attr]


# ---- the first-run page ----------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_first_run_page_has_no_violations_and_fits_a_phone(
        empty_server: Server, tab: Any, lang: str) -> None:
    tab.goto(f"{empty_server.url}/?lang={lang}")  # any page leads there
    assert _path(tab) == "/setup"
    _checked_in_both_sizes(tab, f"{empty_server.url}/setup?lang={lang}", lang)
    tab.locator("#name").fill("Ada Lund")
    tab.locator("#email").fill("ada@kommun.example.se")
    tab.locator("#password").fill("ada-password-1")
    tab.locator("#repeat_password").fill("not the same password")
    tab.locator("form.setup [type='submit']").click()
    tab.wait_for_selector("#setup-errors")
    assert tab.locator("#repeat_password").get_attribute("aria-invalid") == "true"
    assert violations(tab) == ""
    _fits(tab)


def test_the_first_person_sets_up_by_keyboard_alone_on_a_phone(empty_server: Server, tab: Any) -> None:
    tab.goto(f"{empty_server.url}/setup?lang=en")
    _into_main(tab)
    for field, text in (("name", "Ada Lund"), ("email", "ada@kommun.example.se"),
                        ("password", "ada-password-1"), ("repeat_password", "ada-password-1")):
        assert _focused_id(tab) == field
        tab.keyboard.type(text)
        tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.type") == "submit"
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"{empty_server.url}/")
    assert "Ada Lund" in tab.locator(".account-nav").inner_text()
    _fits(tab)
    tab.goto(f"{empty_server.url}/setup")
    assert tab.locator("h1").inner_text() in ("Not found", "Hittades inte", "Ikke funnet")


# ---- the set-password page -------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_set_password_page_has_no_violations_and_fits_a_phone(
        empty_server: Server, tab: Any, tmp_path: Path, lang: str) -> None:
    link = _link_for(empty_server, tmp_path, f"kari.{lang}@kommun.example.no", "Kari Nordmann")
    _checked_in_both_sizes(tab, f"{link}?lang={lang}", lang)
    tab.locator("#password").fill("short")
    tab.locator("#repeat_password").fill("short")
    tab.locator("form.set-password [type='submit']").click()  # the browser's own check first …
    assert _path(tab).startswith("/set-password/")
    tab.locator("#password").evaluate("input => input.removeAttribute('minlength')")  # … then ours
    tab.locator("form.set-password [type='submit']").click()
    tab.wait_for_selector("#password-errors")
    assert tab.locator("#password").get_attribute("aria-invalid") == "true"
    assert violations(tab) == ""
    _fits(tab)


def test_a_password_is_chosen_by_keyboard_alone_on_a_phone_and_signs_in(
        empty_server: Server, tab: Any, tmp_path: Path) -> None:
    link = _link_for(empty_server, tmp_path, "kari@kommun.example.no", "Kari Nordmann")
    tab.goto(f"{link}?lang=en")
    _into_main(tab)
    assert _focused_id(tab) == "email"  # read-only: the address the password manager keeps
    tab.keyboard.press("Tab")
    for field in ("password", "repeat_password"):
        assert _focused_id(tab) == field
        tab.keyboard.type("karis-own-password")
        tab.keyboard.press("Tab")
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"{empty_server.url}/")
    assert "Kari Nordmann" in tab.locator(".account-nav").inner_text()
    tab.goto(f"{link}?lang=en")  # used up
    assert tab.locator("h1").inner_text() == "Not found"


# ---- the sign-in page ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_sign_in_page_with_the_demo_has_no_violations_and_fits_a_phone(
        shared_server: Server, tab: Any, lang: str) -> None:
    _checked_in_both_sizes(tab, f"{shared_server.url}/sign-in?lang={lang}", lang)
    assert tab.locator("#about p").count() == 3
    assert tab.locator("#demo-accounts .demo-people li").count() == 7
    assert tab.locator("#demo-password").is_visible()


def test_a_newcomer_signs_in_with_a_listed_demo_account_by_keyboard_alone(
        shared_server: Server, tab: Any) -> None:
    tab.goto(f"{shared_server.url}/sign-in?lang=en")
    email = tab.locator("#demo-accounts .demo-email").first.inner_text()
    password = tab.locator("#demo-password").inner_text()
    _into_main(tab)
    assert _focused_id(tab) == "email"
    tab.keyboard.type(email)
    tab.keyboard.press("Tab")
    assert _focused_id(tab) == "password"
    tab.keyboard.type(password)
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"{shared_server.url}/")
    assert tab.locator(".account-nav").inner_text().startswith("Anna Berg")
    _fits(tab)
