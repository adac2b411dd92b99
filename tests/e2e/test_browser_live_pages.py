"""In a real browser: the plan and organisations pages follow the plan live — what a facilitator
changes elsewhere appears without a reload, and never takes away what someone is typing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    Person,
    RunningServer,
    browser_fixture,
    needs_browser,
    server_fixture,
    violations,
)

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(90)]


def _add_organisation(anna: Person, name: str) -> None:
    page = anna.page
    page.goto(f"{anna.server.url}/plans/{anna.server.plan_id}/organisations?lang=en")
    form = page.locator("section.add-organisation")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Sector").select_option("voluntary")
    form.get_by_role("button").click()
    page.wait_for_url(lambda url: "/organisations" in url)


@pytest.mark.parametrize("lang", ["sv", "nb", "en"])
def test_the_plan_page_shows_a_new_organisation_without_a_reload(
        browser: Any, server: RunningServer, lang: str) -> None:
    anna = Person(browser, server, "Anna Berg").sign_in(next_path=f"/plans/{server.plan_id}")
    erik = Person(browser, server, "Erik Lindqvist").sign_in(
        next_path=f"/plans/{server.plan_id}?lang={lang}")
    try:
        page = erik.page
        page.wait_for_function("document.querySelector('[data-live-page]') !== null")
        page.evaluate("window.__marker = 'not reloaded'")
        _add_organisation(anna, f"Skoterklubben {lang}")
        page.get_by_text(f"Skoterklubben {lang}").first.wait_for()
        assert page.evaluate("window.__marker") == "not reloaded"  # swapped in, not reloaded
        assert page.locator("[data-live-status]").inner_text() != ""
        assert violations(page) == ""
        assert not erik.errors
    finally:
        anna.close()
        erik.close()


def test_what_someone_is_typing_stays_and_a_notice_offers_the_changes(
        browser: Any, server: RunningServer) -> None:
    anna = Person(browser, server, "Anna Berg").sign_in(
        next_path=f"/plans/{server.plan_id}/organisations?lang=en")
    other = Person(browser, server, "Anna Berg").sign_in(next_path=f"/plans/{server.plan_id}")
    try:
        page = anna.page
        page.wait_for_function("document.querySelector('[data-live-page]') !== null")
        typing = page.locator("section.add-organisation").get_by_label("Name", exact=True)
        typing.fill("Halvskrivet nam")
        _add_organisation(other, "Bygdegårdsföreningen")
        page.locator("[data-live-stale]").wait_for(state="visible")
        assert typing.input_value() == "Halvskrivet nam"
        assert page.get_by_text("Bygdegårdsföreningen").count() == 0  # held back, not lost
        assert violations(page) == ""
        page.locator("[data-live-stale] button").click()
        page.get_by_text("Bygdegårdsföreningen").first.wait_for()
    finally:
        anna.close()
        other.close()
