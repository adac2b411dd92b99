"""A service's page by keyboard alone: a facilitator adds a providing organisation and records
a measurement split by gender with Tab, the arrow keys and Enter, and after each the page says
what happened and axe finds nothing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    Person,
    RunningServer,
    browser_fixture,
    needs_browser,
    server_fixture,
    violations,
)

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(120)]
SERVICE = "Servicepunkt Ramsjö Lanthandel"
KPI = "Besök i servicepunkten per månad"


def _tab_to(page: Any, element_id: str, most: int = 12) -> None:
    """Press Tab until the element has the focus (a date field takes a Tab per part)."""
    for _ in range(most):
        if page.evaluate("document.activeElement?.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} is not reached by Tab "
                         f"(focus on {page.evaluate('document.activeElement?.outerHTML')})")


def _open_service(anna: Person) -> Any:
    page = anna.page
    page.goto(f"{anna.server.url}/plans/{anna.server.plan_id}/services?lang=en")
    page.get_by_role("link", name=SERVICE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SERVICE)
    return page


def test_a_provider_is_added_by_keyboard(browser: Any, server: RunningServer) -> None:
    anna = Person(browser, server, "Anna Berg").sign_in(next_path=f"/plans/{server.plan_id}")
    try:
        page = _open_service(anna)
        choice = page.locator("#provider-org")
        page.get_by_role("heading", name="Provided by").evaluate(
            "h => { h.tabIndex = -1; h.focus(); }")  # start above the form, as a reader would
        _tab_to(page, "provider-org")
        first = choice.input_value()
        page.keyboard.press("ArrowDown")  # the next organisation, without opening the list
        chosen = choice.input_value()
        assert chosen != first
        name = choice.locator(f"option[value='{chosen}']").inner_text()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Add as a provider")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status").first).to_contain_text(
            "The organisation now provides the service.")
        expect(page.locator("ul.providers-list")).to_contain_text(name)
        assert violations(page) == ""
        assert not anna.errors
    finally:
        anna.close()


def test_a_measurement_split_by_gender_is_recorded_by_keyboard(
        browser: Any, server: RunningServer) -> None:
    anna = Person(browser, server, "Anna Berg").sign_in(next_path=f"/plans/{server.plan_id}")
    try:
        page = _open_service(anna)
        kpi = page.locator("li[data-kpi]").filter(has_text=KPI)
        kid = "kpi-" + kpi.get_attribute("data-kpi")[:8]
        kpi.locator("summary").focus()
        page.keyboard.press("Enter")  # opens the form
        _tab_to(page, f"{kid}-value")
        page.keyboard.type("545")
        _tab_to(page, f"{kid}-women")
        page.keyboard.type("300")
        _tab_to(page, f"{kid}-men")
        page.keyboard.type("245")
        page.keyboard.press("Enter")  # sends the form
        expect(page.get_by_role("status").first).to_contain_text("The measurement is recorded.")
        kpi = page.locator("li[data-kpi]").filter(has_text=KPI)
        expect(kpi).to_contain_text("545 besök")
        expect(kpi).to_contain_text("women 300, men 245")
        assert violations(page) == ""
        assert not anna.errors
    finally:
        anna.close()
