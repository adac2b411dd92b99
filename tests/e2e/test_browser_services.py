"""The services board and a service's page in a real browser: axe finds nothing in sv, nb and
en, on a 1366 px laptop and a 390 px phone nothing runs off the side, and a facilitator moves a
service on by keyboard alone while an observer's open board shows it without a reload."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    LAPTOP,
    PHONE,
    Person,
    RunningServer,
    Server,
    browser_fixture,
    needs_browser,
    overflow,
    server_fixture,
    shared_server_fixture,
    violations,
)

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(120)]




@pytest.mark.parametrize("lang", ["sv", "nb", "en"])
def test_the_board_and_a_service_page_have_no_violations_and_fit_a_phone(
        browser: Any, shared_server: Server, lang: str) -> None:
    anna = Person(browser, shared_server, "Anna Berg").sign_in(
        next_path=f"/plans/{shared_server.plan_id}/services?lang={lang}")
    try:
        page = anna.page
        service = page.locator("li.board-card h3 a").first.get_attribute("href")
        for path in (f"/plans/{shared_server.plan_id}/services", service):
            page.goto(f"{shared_server.url}{path}?lang={lang}")
            for details in page.locator("details").all():
                details.evaluate("d => { d.open = true; }")  # the forms behind them too
            for size in (LAPTOP, PHONE):
                page.set_viewport_size(size)
                assert violations(page) == "", (path, size)
                assert overflow(page) <= 0, (path, size)
        assert not anna.errors
    finally:
        anna.close()


def test_a_facilitator_moves_a_service_on_by_keyboard_and_an_open_board_follows(
        browser: Any, server: RunningServer) -> None:
    board = f"/plans/{server.plan_id}/services?lang=en"
    anna = Person(browser, server, "Anna Berg").sign_in(next_path=board)
    gunnar = Person(browser, server, "Gunnar Persson").sign_in(next_path=board)
    try:
        gunnar.page.wait_for_function("document.querySelector('[data-live-page]') !== null")
        gunnar.page.evaluate("window.__marker = 'not reloaded'")
        page = anna.page
        card = page.locator("li.board-card").filter(has_text="Hemsändning av dagligvaror")
        card.locator("summary").focus()
        page.keyboard.press("Enter")
        card.get_by_label("New stage").select_option("pilot")
        card.get_by_label("Why").fill("Kommunstyrelsen har beviljat hemsändningsbidraget.")
        card.get_by_label("Why").press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Hemsändning av dagligvaror")
        expect(page.locator("[data-stage]").first).to_have_attribute("data-stage", "pilot")
        pilot = gunnar.page.locator("section.board-column[data-stage='pilot']")
        expect(pilot).to_contain_text("Hemsändning av dagligvaror")  # live, on the open board
        assert gunnar.page.evaluate("window.__marker") == "not reloaded"
        expect(gunnar.page.locator("section.board-column[data-stage='proposed'] h2")).to_have_text(
            re.compile(r"\(0\)"))
        assert not anna.errors and not gunnar.errors
    finally:
        anna.close()
        gunnar.close()
