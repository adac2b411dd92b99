"""The plan's gender-split setting and the KPI form's "About people" in a real browser: the
facilitator switches the setting by keyboard alone; a KPI about people defined before it was on
is marked as lacking the split; a KPI about people without the split is refused next to its
field. axe finds nothing in sv, nb and en, and nothing runs off the side on a laptop or a phone,
the refused form included."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from playwright.sync_api import expect

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

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(240)]


def _tab_to(page: Any, selector: str, most: int = 80) -> None:
    """Press Tab until the element is focused, as a keyboard user does."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _switch_by_keyboard(page: Any, url: str, plan_id: str) -> None:
    """On the plan's details page: Tab to the setting, Space to switch it, Enter to save."""
    page.goto(f"{url}/plans/{plan_id}/details?lang=en")
    _tab_to(page, "#plan-gender-split")
    page.keyboard.press("Space")
    _tab_to(page, "form[action$='/gender-split'] [type='submit']")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: urllib.parse.urlparse(u).path == f"/plans/{plan_id}")


def _clean(page: Any, what: str) -> None:
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        assert violations(page) == "", (what, size)
        assert overflow(page) <= 0, (what, size)


def test_the_gender_split_setting_and_the_kpi_form_by_keyboard_with_no_violations(
        browser: Any, server: RunningServer) -> None:
    anna = Person(browser, server, "Anna Berg").sign_in(next_path=f"/plans/{server.plan_id}")
    erik = Person(browser, server, "Erik Lindqvist").sign_in(next_path=f"/plans/{server.plan_id}")
    try:
        page = anna.page
        _switch_by_keyboard(page, server.url, server.plan_id)  # the demo requires it: now off
        page.goto(f"{server.url}/plans/{server.plan_id}/details?lang=en")
        expect(page.locator("#plan-gender-split")).not_to_be_checked()
        page.goto(f"{server.url}/plans/{server.plan_id}/services?lang=en")
        service = page.locator("li.board-card h3 a").first.get_attribute("href")

        # While off, Erik defines a KPI about people without the split.
        rep = erik.page
        rep.goto(f"{server.url}{service}?lang=en")
        rep.locator("details:has(#kpi-name) summary").click()
        rep.locator("#kpi-name").fill("Deltagare i drop-in")
        rep.locator("#kpi-unit").fill("personer")
        rep.locator("#kpi-about-people").check()
        rep.locator("form[action$='/kpis'] [type='submit']").click()
        expect(rep.locator("li[data-kpi]").filter(has_text="Deltagare i drop-in")).to_be_visible()

        _switch_by_keyboard(page, server.url, server.plan_id)  # on again
        page.goto(f"{server.url}/plans/{server.plan_id}/details?lang=en")
        expect(page.locator("#plan-gender-split")).to_be_checked()

        for lang in ("sv", "nb", "en"):
            page.goto(f"{server.url}/plans/{server.plan_id}/details?lang={lang}")
            _clean(page, f"details {lang}")
            rep.goto(f"{server.url}{service}?lang={lang}")
            kpi = rep.locator("li[data-kpi]").filter(has_text="Deltagare i drop-in")
            expect(kpi.locator(".notice")).to_be_visible()  # it lacks the split now required
            for details in rep.locator("details").all():
                details.evaluate("d => { d.open = true; }")
            expect(kpi.locator("input[name='women']")).to_be_visible()
            _clean(rep, f"service {lang}")
            # Refused: a KPI about people without the split, the error next to its checkbox.
            rep.locator("#kpi-name").fill("Besökare på caféet")
            rep.locator("#kpi-unit").fill("personer")
            rep.locator("#kpi-about-people").check()
            rep.locator("form[action$='/kpis'] [type='submit']").click()
            rep.wait_for_selector("#kpi-errors")
            assert rep.locator("#kpi-by-gender").get_attribute("aria-invalid") == "true"
            expect(rep.locator("#kpi-by-gender-error")).to_be_visible()
            _clean(rep, f"refused kpi {lang}")
        assert not anna.errors and not erik.errors
    finally:
        anna.close()
        erik.close()
