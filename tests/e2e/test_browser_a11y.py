"""axe-core finds no accessibility violations on any page, in any of the three languages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    BudgetPage,
    Person,
    Server,
    browser_fixture,
    needs_browser,
    shared_server_fixture,
    violations,
)
from tests.e2e.demo_years import Y1, Y3

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(60)]
LANGUAGES = ("sv", "nb", "en")


@pytest.fixture(scope="module")
def anna(browser: Any, shared_server: Server) -> Iterator[Person]:
    person = Person(browser, shared_server, "Anna Berg").sign_in()
    try:
        yield person
    finally:
        person.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_plans_plan_account_and_sign_in_pages_have_no_violations(
        browser: Any, shared_server: Server, lang: str) -> None:
    visitor = Person(browser, shared_server, "Anna Berg")
    try:
        visitor.page.goto(f"{shared_server.url}/sign-in?lang={lang}")  # before signing in
        assert visitor.page.evaluate("document.documentElement.lang") == lang
        assert violations(visitor.page) == "", "/sign-in"
        visitor.sign_in(next_path="/")
        for path in ("/", f"/plans/{shared_server.plan_id}", "/account"):
            visitor.page.goto(f"{shared_server.url}{path}?lang={lang}")
            assert visitor.page.evaluate("document.documentElement.lang") == lang
            assert violations(visitor.page) == "", path
    finally:
        visitor.close()


def test_the_sign_in_page_telling_of_a_failed_sign_in_has_no_violations(
        browser: Any, shared_server: Server) -> None:
    visitor = Person(browser, shared_server, "nobody")
    try:
        visitor.page.goto(f"{shared_server.url}/sign-in?lang=en")
        visitor.fill_in_sign_in("nobody@example.org", "not the password")
        visitor.page.wait_for_selector("#sign-in-error")
        assert visitor.page.locator("#email").get_attribute("aria-invalid") == "true"
        assert violations(visitor.page) == ""
    finally:
        visitor.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_live_budget_page_has_no_violations_while_editing(anna: Person, lang: str) -> None:
    budget = anna.open_budget(lang)
    assert violations(anna.page) == ""

    anna.page.locator("[data-part='add']").click()  # the add-line form open
    line_id = budget.line_ids()[0]
    budget.cell(line_id, f"amount:{Y1}").dblclick()  # and a cell being edited
    budget.cell(line_id, f"amount:{Y1}").locator("input").fill("not money")
    budget.cell(line_id, f"amount:{Y1}").locator("input").press("Enter")
    assert budget.cell(line_id, f"amount:{Y1}").locator(".cell-error").is_visible()
    assert violations(anna.page) == ""
    budget.cell(line_id, f"amount:{Y1}").locator("input").press("Escape")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_budget_page_read_only_has_no_violations(
        browser: Any, shared_server: Server, lang: str) -> None:
    visitor = Person(browser, shared_server, "Gunnar Persson")  # an observer reads only
    try:
        visitor.sign_in(shared_server.budget_path(lang))
        visitor.page.wait_for_selector("[data-budget-app][data-ready='true']")
        assert violations(visitor.page) == ""
    finally:
        visitor.close()


def test_the_conflict_dialog_has_no_violations(browser: Any, shared_server: Server) -> None:
    anna, erik = Person(browser, shared_server, "Anna Berg"), Person(browser, shared_server, "Erik Lindqvist")
    try:
        anna.sign_in()
        erik.sign_in()
        first, second = anna.open_budget("en"), erik.open_budget("en")
        line_id = first.line_ids()[-1]
        second.cell(line_id, f"amount:{Y3}").dblclick()
        first.edit(line_id, f"amount:{Y3}", "123")
        expect(second.announcer()).to_contain_text("123")  # (no wait_for_function: CSP forbids eval)
        second.cell(line_id, f"amount:{Y3}").locator("input").fill("456")
        second.cell(line_id, f"amount:{Y3}").locator("input").press("Enter")
        second.page.wait_for_selector("dialog[open]")
        assert violations(erik.page) == ""
        assert BudgetPage(erik.page).focused()["inDialog"]
    finally:
        anna.close()
        erik.close()
