"""In a real browser: a facilitator invites someone, who opens the link in another browser,
sets a password and lands on the plan page as a member."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

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


def test_an_invitee_opens_the_link_sets_a_password_and_lands_on_the_plan(
        browser: Any, server: RunningServer) -> None:
    members = f"/plans/{server.plan_id}/members"
    anna = Person(browser, server, "Anna Berg").sign_in(next_path=members + "?lang=en")
    newcomer = Person(browser, server, "nobody")
    try:
        page = anna.page
        page.get_by_label("E-mail address", exact=True).fill("ny.person@example.se")
        page.get_by_label("Role", exact=True).select_option("representative")
        page.get_by_label("Organisation", exact=True).select_option(label="Ramsjö Byalag")
        page.get_by_role("button", name="Create an invitation link").click()
        link = page.get_by_label("Invitation link", exact=True).input_value()
        assert urlparse(link).path.startswith("/invitations/")
        assert page.locator("[data-invitation] th").first.inner_text() == "ny.person@example.se"
        assert violations(page) == "", members

        visitor = newcomer.page
        visitor.goto(link + "?lang=en")
        assert violations(visitor) == "", "invitation page"
        visitor.get_by_label("Your name").fill("Ny Person")
        visitor.get_by_label("Password", exact=True).fill("a-long-new-password")
        visitor.get_by_label("Password again").fill("a-long-new-password!")
        visitor.get_by_role("button", name="Set the password and join").click()
        error = visitor.locator("#repeat_password-error")  # a mistake first: told, and where
        assert "not the same" in error.inner_text()
        assert "repeat_password-error" in visitor.get_by_label("Password again").get_attribute(
            "aria-describedby")
        assert violations(visitor) == "", "invitation page with errors"

        visitor.get_by_label("Password", exact=True).fill("a-long-new-password")
        visitor.get_by_label("Password again").fill("a-long-new-password")
        visitor.get_by_role("button", name="Set the password and join").click()
        visitor.wait_for_url(lambda url: urlparse(url).path == f"/plans/{server.plan_id}")
        assert re.search("Ny Person – representative, Ramsjö Byalag",
                         visitor.locator("main").inner_text())

        page.reload()  # the facilitator sees the new member, and the invitation used up
        row = page.locator("tr", has=page.locator("th", has_text="Ny Person"))
        assert row.get_by_label("Role of Ny Person", exact=True).input_value() == "representative"
        assert page.locator("[data-invitation]").count() == 0
        assert newcomer.errors == [] and anna.errors == []
    finally:
        newcomer.close()
        anna.close()
