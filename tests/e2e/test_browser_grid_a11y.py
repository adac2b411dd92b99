"""axe finds nothing in the grid's new states — a collapsed sector group, a change by others
marked and listed, notices of a removed line and of an undo that skipped a change, the choice
of cost or income being edited, a conflict — in sv, nb and en, on a laptop and on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    LAPTOP,
    PHONE,
    BudgetPage,
    Person,
    Server,
    browser_fixture,
    needs_browser,
    server_fixture,
    violations,
)
from tests.e2e.demo_years import Y1, Y3
from tests.e2e.test_browser_live import _line

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(120)]
SCREENS = {"laptop": LAPTOP, "phone": PHONE}


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("lang", ["sv", "nb", "en"])
def test_the_grids_new_states_have_no_violations(
        browser: Any, server: Server, lang: str, screen: str) -> None:
    anna, erik = Person(browser, server, "Anna Berg"), Person(browser, server, "Erik Lindqvist")
    try:
        for person in (anna, erik):
            person.page.set_viewport_size(SCREENS[screen])
            person.sign_in(server.budget_path(lang))
        mine, theirs = anna.open_budget(lang), erik.open_budget(lang)
        shared, spare = _line(server, 0), _line(server, 13)

        # Erik folds the private sector's columns; Anna changes a line the region pays part of.
        erik.page.locator("button[data-group-toggle='private']").click()
        expect(erik.page.locator("thead [data-field='sector:private']")).to_have_count(1)
        mine.edit(shared["line_id"], f"amount:{Y1}", "51 000")
        expect(theirs.cell(shared["line_id"], f"amount:{Y1}")).to_have_attribute("data-others", "public")
        expect(theirs.part("others")).to_be_visible()
        # Erik changes it again (Anna's undo will skip it); Anna removes a line.
        theirs.edit(shared["line_id"], f"amount:{Y1}", "52 000")
        expect(mine.value(shared["line_id"], f"amount:{Y1}")).not_to_have_text("51,000")
        mine.cell(spare["line_id"], "remove").get_by_role("button").click()
        expect(theirs.part("notices").locator("li.notice-item")).to_have_count(1)
        expect(mine.part("notices").locator("button[data-notice-action='undo']")).to_have_count(1)
        theirs.cell(shared["line_id"], "kind").dblclick()  # the choice being made
        expect(theirs.cell(shared["line_id"], "kind").locator("select")).to_be_focused()
        assert violations(erik.page) == "", "collapsed group, marks, notice, choice"
        erik.page.keyboard.press("Escape")
        assert violations(anna.page) == "", "the removal notice with Undo"

        anna.page.keyboard.press("Control+z")  # the removal
        expect(theirs.cell(spare["line_id"], "label")).to_have_count(1)
        anna.page.keyboard.press("Control+z")  # skips the change Erik made since
        expect(mine.part("notices").locator(".notice-details li").first).to_be_visible()
        assert violations(anna.page) == "", "an undo that skipped a change"

        theirs.cell(shared["line_id"], f"amount:{Y3}").dblclick()  # a conflict
        mine.edit(shared["line_id"], f"amount:{Y3}", "300")
        expect(theirs.announcer()).to_contain_text("300")
        editor = theirs.cell(shared["line_id"], f"amount:{Y3}").locator("input")
        editor.fill("400")
        editor.press("Enter")
        erik.page.wait_for_selector("dialog[open]")
        assert violations(erik.page) == "", "the conflict dialog"
        assert BudgetPage(erik.page).focused()["inDialog"]
        assert not anna.errors and not erik.errors
    finally:
        anna.close()
        erik.close()
