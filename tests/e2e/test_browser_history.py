"""The budget's history and the meeting replay in a real browser, in sv, nb and en: the history
grouped by day and person with its from/to picker (by keyboard, axe-clean, 390 px without
overflow), and the replay highlighting the cell each change touched."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from adapters.bootstrap import bootstrap
from domain.budgets import Budget
from domain.context import acting_as
from domain.plans import Plan
from tests.e2e.auth_helpers import DEMO_EMAILS
from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    PHONE,
    Person,
    browser_fixture,
    copy_demo,
    ensure_bundle,
    needs_browser,
    overflow,
    start_server,
    stop_server,
    violations,
)
from tests.stores import store_settings

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(120)]
LANGUAGES = ("sv", "nb", "en")
#: The replay's label, per language: "Change no. N of M – …" (the words of docs/audit.md).
CHANGE_NO = {"en": "Change no.", "sv": "Ändring nr", "nb": "Endring nr"}


@pytest.fixture(name="meeting", scope="module")
def meeting_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A server whose budget's three newest changes are: an amount, the last organisation's
    share of another line, and a line removed (made beside the running server, as
    `samverkan demo` appends)."""
    ensure_bundle()
    folder = tmp_path_factory.mktemp("history")
    copy_demo(folder, tmp_path_factory)
    process, server = start_server(folder)
    beside = bootstrap(store_settings(folder / "var"))
    try:
        anna = beside.people.by_email(DEMO_EMAILS["Anna Berg"]).id
        app = beside.app
        budget = app.load(Budget, server.budget_id)
        plan = app.load(Plan, budget.plan_id)
        last_actor = list(plan.actors)[-1]
        first = budget.order[0]
        second = next(line for line in budget.order[1:] if _room(budget, line, last_actor))
        third = next(line for line in budget.order[1:] if line != second)
        with acting_as(anna):
            app.change_amount(server.budget_id, first, budget.years[-1], 77_700_00)
            app.set_share(server.budget_id, second, last_actor, _room(budget, second, last_actor))
            app.remove_line(server.budget_id, third)
        facts = {"server": server, "amount": (first, f"amount:{budget.years[-1]}"),
                 "share": (second, f"share:{last_actor}"), "removed": third,
                 "removed_label": budget.lines[third]["label"]["value"],
                 "latest": app.load(Budget, server.budget_id).version}
    finally:
        beside.close()
    try:
        yield facts
    finally:
        stop_server(process)


def _room(budget: Budget, line: str, actor: str) -> int:
    """A new share for the organisation that keeps the line's shares within 100 % (0: none)."""
    shares = budget.lines[line]["shares"]
    others = sum(f["value"] or 0 for a, f in shares.items() if a != actor)
    current = (shares.get(actor) or {}).get("value") or 0
    wanted = min(10_000 - others, 1_500)
    return wanted if wanted > 0 and wanted != current else 0


@pytest.fixture(name="anna")
def anna_fixture(browser: Any, meeting: dict[str, Any]) -> Iterator[Person]:
    person = Person(browser, meeting["server"], "Anna Berg").sign_in()
    try:
        yield person
    finally:
        person.close()


def _history(anna: Person, meeting: dict[str, Any], lang: str) -> Any:
    server = meeting["server"]
    anna.page.goto(f"{server.url}/budgets/{server.budget_id}/changes?lang={lang}")
    return anna.page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_history_page_and_its_picker_have_no_violations_and_fit_a_phone(
        anna: Person, meeting: dict[str, Any], lang: str) -> None:
    page = _history(anna, meeting, lang)
    assert page.evaluate("document.documentElement.lang") == lang
    expect(page.locator("[data-part='history-list'] h2").first).to_be_visible()
    expect(page.locator("[data-part='history-list'] h3").first).to_have_text(
        re.compile(r"^Anna Berg \(Ljusdals kommun, "))
    assert violations(page) == ""
    page.set_viewport_size(PHONE)
    assert overflow(page) <= 0
    assert violations(page) == ""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_picker_chooses_two_changes_by_keyboard_and_opens_their_diff(
        anna: Person, meeting: dict[str, Any], lang: str) -> None:
    page, latest = _history(anna, meeting, lang), meeting["latest"]
    checked_to = page.locator("input[name='to']:checked")
    expect(checked_to).to_have_value(str(latest))
    # Tab from the link before the list reaches the picker: first the button, then a radio.
    page.locator("main a").first.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "radio"
    # Arrow keys move each choice along its column: "from" two changes older, "to" one.
    from_radio = page.locator("input[name='from']:checked")
    start = int(from_radio.input_value())
    from_radio.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    chosen_from = int(page.locator("input[name='from']:checked").input_value())
    assert chosen_from != start
    page.locator("input[name='to']:checked").focus()
    page.keyboard.press("ArrowDown")
    chosen_to = int(page.locator("input[name='to']:checked").input_value())
    assert chosen_to != latest
    page.locator(".history-compare button").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/diff\?"))
    low, high = sorted((chosen_from, chosen_to))
    assert page.locator("#diff-from").input_value() == str(low)
    assert page.locator("#diff-to").input_value() == str(high)
    assert violations(page) == ""
    page.set_viewport_size(PHONE)
    assert overflow(page) <= 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_replay_highlights_each_changed_cell_and_shows_a_removed_line(
        anna: Person, meeting: dict[str, Any], lang: str) -> None:
    latest, words = meeting["latest"], CHANGE_NO[lang]
    budget = anna.open_budget(lang)
    page = anna.page
    page.set_viewport_size(PHONE)  # the table is wider than the phone: cells must scroll into view
    page.locator("[data-replay='start']").click()
    label, table = page.locator("[data-replay='label']"), page.locator("[data-replay='table']")
    view = page.locator("[data-replay='view']")
    expect(label).to_have_attribute("aria-live", "polite")

    # The newest change removed a line: it is shown where it was, crossed out, and said.
    expect(label).to_have_text(re.compile(rf"^{words} {latest} "))
    removed = table.locator(f"tr[data-line='{meeting['removed']}']")
    expect(removed).to_have_attribute("data-diff", "removed")
    expect(removed).to_have_attribute("data-changed", "removed")
    expect(removed.locator("th")).to_contain_text(meeting["removed_label"])
    assert removed.evaluate("r => getComputedStyle(r.cells[0]).textDecorationLine") == "line-through"

    # One step back: the share set on the last organisation's column, far to the right.
    page.locator("[data-replay='previous']").click()
    expect(label).to_have_text(re.compile(rf"^{words} {latest - 1} "))
    line, field = meeting["share"]
    cell = table.locator(f"tr[data-line='{line}'] [data-field='{field}']")
    expect(cell).to_have_class(re.compile(r"\bchanged\b"))
    expect(table.locator(".changed")).to_have_count(1)
    expect(table.locator(f"tr[data-line='{meeting['removed']}']")).to_have_count(1)  # still there
    _within(cell, view)
    assert overflow(page) <= 0

    # And the amount before it, by keyboard on the slider.
    slider = page.locator("[data-replay='slider']")
    slider.focus()
    slider.press("ArrowLeft")
    expect(label).to_have_text(re.compile(rf"^{words} {latest - 2} "))
    line, field = meeting["amount"]
    cell = table.locator(f"tr[data-line='{line}'] [data-field='{field}']")
    expect(cell).to_have_class(re.compile(r"\bchanged\b"))
    expect(cell).to_contain_text("77")
    _within(cell, view)
    assert violations(page) == ""

    page.keyboard.press("Escape")
    expect(budget.part("scroll")).to_be_visible()
    assert anna.errors == []


def _within(cell: Any, view: Any) -> None:
    """The cell lies inside the scrolled view of the replay's table (it was scrolled to)."""
    box, frame = cell.bounding_box(), view.bounding_box()
    assert box and frame
    inside = frame["x"] - 1 <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
    assert inside, (box, frame)
