"""The meeting replay in a real browser: step through the budget's changes by keyboard."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    Person,
    Server,
    browser_fixture,
    needs_browser,
    shared_server_fixture,
)

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(60)]


def test_the_replay_slider_steps_edit_by_edit_and_returns_to_the_live_sheet(
        browser: Any, shared_server: Server) -> None:
    latest = json.loads(shared_server.get(f"/api/budgets/{shared_server.budget_id}/at"))["latest"]
    anna = Person(browser, shared_server, "Anna Berg").sign_in()
    try:
        budget = anna.open_budget("en")
        page = anna.page
        label = page.locator("[data-replay='label']")
        expect(label).to_have_attribute("aria-live", "polite")

        page.get_by_role("button", name="Replay the meeting").click()
        slider = page.get_by_role("slider", name="Change no.")
        expect(slider).to_be_focused()
        expect(label).to_have_text(re.compile(rf"^Change no. {latest} of {latest} – "))
        expect(budget.part("scroll")).to_be_hidden()

        page.get_by_role("button", name="Previous edit").click()
        expect(label).to_have_text(re.compile(rf"^Change no. {latest - 1} of {latest} – "))
        slider.focus()
        slider.press("Home")
        expect(label).to_have_text(re.compile(rf"^Change no. 1 of {latest} – Anna Berg.* created"))
        expect(page.locator("[data-replay='table'] tbody tr")).to_have_count(0)
        slider.press("ArrowRight")
        expect(label).to_have_text(re.compile(rf"^Change no. 2 of {latest} – "))

        page.keyboard.press("Escape")
        expect(budget.part("scroll")).to_be_visible()
        expect(page.locator("[data-replay='view']")).to_be_hidden()
        expect(page.get_by_role("button", name="Replay the meeting")).to_be_focused()
        assert anna.errors == []
    finally:
        anna.close()
