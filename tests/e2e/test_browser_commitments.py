"""The commitments ledger in a real browser: a shop owner pledges, confirms and records the
delivery by keyboard alone, the facilitator's open ledger shows each step without a reload and
she verifies it; axe finds nothing in sv, nb and en, and on a 390 px phone nothing runs off the
side."""

from __future__ import annotations

import re
from datetime import date
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




def _ledger(server: Server, lang: str = "en") -> str:
    return f"/plans/{server.plan_id}/commitments?lang={lang}"


@pytest.mark.parametrize("lang", ["sv", "nb", "en"])
def test_the_ledger_has_no_violations_and_fits_a_laptop_and_a_phone(
        browser: Any, shared_server: Server, lang: str) -> None:
    for name in ("Maria Johansson", "Anna Berg"):  # the representative's and facilitator's forms
        person = Person(browser, shared_server, name).sign_in(next_path=_ledger(shared_server, lang))
        try:
            page = person.page
            for details in page.locator("li.commitment details").all():
                details.evaluate("d => { d.open = true; }")  # the closed forms are checked too
            for size in (LAPTOP, PHONE):
                page.set_viewport_size(size)
                assert violations(page) == "", (name, size)
                assert overflow(page) <= 0, (name, size)
            assert not person.errors
        finally:
            person.close()


def _card(page: Any, description: str) -> Any:
    return page.locator("li.commitment").filter(has_text=description)


def test_a_pledge_goes_from_pledged_to_verified_by_keyboard_and_the_facilitator_sees_it_live(
        browser: Any, server: RunningServer) -> None:
    maria = Person(browser, server, "Maria Johansson").sign_in(next_path=_ledger(server))
    anna = Person(browser, server, "Anna Berg").sign_in(next_path=_ledger(server))
    try:
        anna.page.wait_for_function("document.querySelector('[data-live-page]') !== null")
        anna.page.evaluate("window.__marker = 'not reloaded'")
        page = maria.page
        form = page.locator("section.pledge")
        form.get_by_label("What is pledged").select_option("money")
        form.get_by_label("How much").fill("8 000")
        form.get_by_label("Due", exact=True).fill(date.today().isoformat())
        form.get_by_label("Toward").select_option(label="Servicepunkt Ramsjö Lanthandel")
        form.get_by_label("Description").fill("Kassasystem till servicepunkten")
        form.get_by_label("Description").press("Enter")  # a form is sent by keyboard
        expect(page.get_by_role("status").first).to_contain_text("The pledge is recorded.")
        card = _card(page, "Kassasystem till servicepunkten")
        expect(card).to_have_attribute("data-status", "pledged")
        expect(_card(anna.page, "Kassasystem till servicepunkten")).to_have_attribute(
            "data-status", "pledged")  # live, in the facilitator's open ledger

        card.get_by_role("button", name="Confirm").focus()
        page.keyboard.press("Enter")
        card = _card(page, "Kassasystem till servicepunkten")
        expect(card).to_have_attribute("data-status", "confirmed")
        card.locator("summary", has_text="Record a delivery").focus()
        page.keyboard.press("Enter")  # opens the form
        card.get_by_label("Amount in kronor").fill("8 000")
        card.get_by_label("Amount in kronor").press("Enter")
        expect(page.get_by_role("status").first).to_contain_text("The delivery is recorded.")
        expect(_card(anna.page, "Kassasystem till servicepunkten")).to_have_attribute(
            "data-status", "delivered")
        assert anna.page.evaluate("window.__marker") == "not reloaded"

        verify = _card(anna.page, "Kassasystem till servicepunkten")
        verify.locator("summary", has_text="Verify").focus()
        anna.page.keyboard.press("Enter")
        verify.get_by_label("How it was checked (optional)").fill("Mot kvitto")
        verify.get_by_role("button", name="Verify the delivery").press("Enter")
        expect(_card(anna.page, "Kassasystem till servicepunkten")).to_have_attribute(
            "data-status", "verified")
        expect(_card(page, "Kassasystem till servicepunkten")).to_have_attribute(
            "data-status", "verified")  # and back to the shop owner, live
        assert not maria.errors and not anna.errors
    finally:
        maria.close()
        anna.close()


def test_a_refused_delivery_says_why_next_to_the_field_and_the_page_stays_clean(
        browser: Any, server: RunningServer) -> None:
    maria = Person(browser, server, "Maria Johansson").sign_in(next_path=_ledger(server))
    try:
        page = maria.page
        card = page.locator("li.commitment[data-status='confirmed']").filter(
            has=page.locator("summary", has_text="Record a delivery")).first
        card_id = card.get_attribute("id")
        card.locator("summary", has_text="Record a delivery").click()
        card.get_by_label(re.compile("^Quantity")).fill("99999")
        card.get_by_role("button", name="Record the delivery").click()
        again = page.locator(f"#{card_id}")
        expect(again.locator("[role='alert']")).to_contain_text("over-delivery")
        assert violations(page) == ""
        assert not maria.errors
    finally:
        maria.close()
