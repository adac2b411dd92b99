"""The risk register in a real browser: a representative moves a risk on the matrix with the
arrow keys and Enter, Escape puts a moved risk back; axe finds nothing in sv, nb and en, and
nothing runs off the side of a laptop or a phone."""

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
RISK = "Butikens lönsamhet sviktar och butiken stänger"




@pytest.mark.parametrize("lang", ["sv", "nb", "en"])
def test_the_register_has_no_violations_and_fits_a_phone(
        browser: Any, shared_server: Server, lang: str) -> None:
    erik = Person(browser, shared_server, "Erik Lindqvist").sign_in(
        next_path=f"/plans/{shared_server.plan_id}/risks?lang={lang}")
    try:
        page = erik.page
        for details in page.locator("details").all():
            details.evaluate("d => { d.open = true; }")
        for size in (LAPTOP, PHONE):
            page.set_viewport_size(size)
            assert violations(page) == "", size
            assert overflow(page) <= 0, size
        assert not erik.errors
    finally:
        erik.close()


def test_a_risk_is_moved_on_the_matrix_by_keyboard(browser: Any, server: RunningServer) -> None:
    erik = Person(browser, server, "Erik Lindqvist").sign_in(
        next_path=f"/plans/{server.plan_id}/risks?lang=en")
    try:
        page = erik.page
        cell = lambda li, im: page.locator(  # noqa: E731
            f"td[data-likelihood='{li}'][data-impact='{im}']")
        chip = page.locator("a.risk-chip", has_text=RISK)
        expect(cell(3, 5).locator("a.risk-chip", has_text=RISK)).to_have_count(1)
        chip.focus()
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowDown")
        expect(cell(2, 4).locator("a.risk-chip", has_text=RISK)).to_have_count(1)
        # What a screen reader hears: the focused risk's new score, and the move in words.
        expect(chip).to_be_focused()
        expect(chip).to_have_accessible_name(re.compile(r"\(8\)$"))
        expect(page.locator("[data-matrix-status]")).to_have_text(
            f"{RISK}: likelihood 2, impact 4, score 8. Enter saves, Escape puts it back.")
        page.keyboard.press("Escape")  # put back
        expect(cell(3, 5).locator("a.risk-chip", has_text=RISK)).to_have_count(1)
        expect(chip).to_have_accessible_name(re.compile(r"\(15\)$"))
        expect(page.locator("[data-matrix-status]")).to_have_text(
            f"{RISK} is back at likelihood 3, impact 5.")
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")  # saved: the page comes back with the new scores
        expect(page.get_by_role("status").first).to_contain_text("The risk is reassessed.")
        expect(cell(2, 4).locator("a.risk-chip", has_text=RISK)).to_have_count(1)
        expect(cell(3, 5).locator("a.risk-chip", has_text=RISK)).to_have_count(0)
        card = page.locator("li[data-risk]").filter(has_text=RISK)
        expect(card).to_contain_text("likelihood 2 × impact 4 = 8")
        assert not erik.errors
    finally:
        erik.close()
