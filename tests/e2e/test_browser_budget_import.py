"""The budget import form in a real browser: reached by keyboard from the plan page, named in
the reader's language, every problem of a file listed where the reader lands, axe-clean on a
laptop and a phone; a valid file opens the new budget, and someone else on the plan page sees it
appear live."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    LAPTOP,
    PHONE,
    Person,
    RunningServer,
    browser_fixture,
    needs_browser,
    overflow,
    server_fixture,
    violations,
)
from tests.e2e.demo_years import Y1

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(180)]
WORDS = {"sv": ("Importera en budget från Excel eller CSV", "Importera budgeten", "rad 2, cell D2"),
         "nb": ("Importer et budsjett fra Excel eller CSV", "Importer budsjettet", "rad 2, celle D2"),
         "en": ("Import a budget from Excel or CSV", "Import the budget", "row 2, cell D2")}


def _csv(amount: str) -> bytes:
    return f"Budgetpost;Kategori;Typ;{Y1}\r\nHyra;Lokal;Kostnad;{amount}\r\n".encode()


def _tab_to(page: Any, target: Any, name: str) -> None:
    for _ in range(300):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"Tab never reaches {name!r}")


def test_the_import_form_works_by_keyboard_in_every_language_and_goes_live(
        browser: Any, server: RunningServer) -> None:
    anna = Person(browser, server, "Anna Berg").sign_in()
    gunnar = Person(browser, server, "Gunnar Persson").sign_in()
    try:
        gunnar.page.goto(f"{server.url}/plans/{server.plan_id}?lang=en")
        for lang, (link_name, button, where) in WORDS.items():
            page = anna.page
            page.goto(f"{server.url}/plans/{server.plan_id}?lang={lang}")
            link = page.get_by_role("link", name=link_name)
            _tab_to(page, link, link_name)
            page.keyboard.press("Enter")
            page.wait_for_url(lambda url: "/budgets/import" in url)
            page.locator("#import-file").set_input_files(
                {"name": "budget.csv", "mimeType": "text/csv", "buffer": _csv("mycket")})
            _tab_to(page, page.get_by_role("button", name=button), button)
            page.keyboard.press("Enter")
            page.wait_for_selector("#import-errors")
            assert where in page.locator("#import-errors").inner_text()
            for size in (LAPTOP, PHONE):
                page.set_viewport_size(size)
                assert violations(page) == "", (lang, size)
                assert overflow(page) <= 0, (lang, size)
            page.set_viewport_size(LAPTOP)
        # A valid file: the new budget opens, and Gunnar's plan page shows it without a reload.
        page = anna.page
        page.locator("#import-file").set_input_files(
            {"name": "budget.csv", "mimeType": "text/csv", "buffer": _csv("52 000")})
        page.locator("#import-title").fill("Importerad i webbläsaren")
        page.get_by_role("button", name=WORDS["en"][1]).click()
        page.wait_for_url(lambda url: "/budgets/" in url and "/import" not in url)
        assert "Importerad i webbläsaren" in page.content()
        gunnar.page.get_by_text("Importerad i webbläsaren").first.wait_for(timeout=15_000)
        assert not anna.errors and not gunnar.errors
    finally:
        anna.close()
        gunnar.close()
