"""The live budget page in a real browser: two people editing one budget together."""

from __future__ import annotations

import re
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from domain.shares import split_amount
from tests.e2e.auth_helpers import DEMO_PASSWORD
from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    BudgetPage,
    Person,
    RunningServer,
    Server,
    browser_fixture,
    money,
    needs_browser,
    people_fixture,
    server_fixture,
)
from tests.e2e.demo_years import Y1, Y2, Y3

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(60)]


def _line(server: Server, index: int) -> dict[str, Any]:
    return server.sheet()["lines"][index]


def _actor_id(server: Server, name: str) -> str:
    return next(a["actor_id"] for a in server.sheet()["actors"] if a["name"] == name)


def _eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """The read models follow the log a moment after the browsers hear of a change."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def _expected_footer(server: Server) -> dict[str, int]:
    """Each organisation's total as the server splits it (domain.budgets.split_amount)."""
    sheet = server.sheet()
    totals = {a["actor_id"]: 0 for a in sheet["actors"]}
    for line in sheet["lines"]:
        shares = {a: s["share"] for a, s in line["shares"].items()}
        for cell in line["amounts"].values():
            parts, _ = split_amount(cell["amount"], shares)
            for actor, part in parts.items():
                if actor in totals:
                    totals[actor] += part
    return totals


def test_an_edit_appears_in_the_other_grid_with_who_made_it_and_new_totals(
        people: dict[str, Person], server: Server) -> None:
    anna = people["Anna Berg"].open_budget("sv")
    erik = people["Erik Lindqvist"].open_budget("sv")
    line = _line(server, 0)
    before = server.sheet()
    year_total = sum(ln["amounts"][str(Y2)]["amount"] for ln in before["lines"])

    anna.edit(line["line_id"], f"amount:{Y2}", "12 345,67")  # öre that split unevenly

    def sv(ore: int, unit: bool = False) -> str:
        return money(ore, "sv", unit)

    expect(erik.value(line["line_id"], f"amount:{Y2}")).to_have_text(sv(1_234_567))
    expect(erik.cell(line["line_id"], f"amount:{Y2}").locator(".by-tag")).to_have_text("Anna Berg")
    expect(erik.footer(f"amount:{Y2}")).to_have_text(sv(year_total + 1_234_567))
    for part in ("Anna Berg", "Ljusdals kommun", line["label"], str(Y2), sv(1_234_567, unit=True)):
        expect(erik.announcer()).to_contain_text(part)  # read out politely, in any language
    expect(erik.announcer()).to_have_attribute("aria-live", "polite")
    expect(anna.value(line["line_id"], f"amount:{Y2}")).to_have_text(sv(1_234_567))
    expect(anna.cell(line["line_id"], f"amount:{Y2}")).not_to_have_attribute("data-state", "pending")
    _eventually(lambda: _line(server, 0)["amounts"][str(Y2)]["amount"] == 1_234_567)
    for actor_id, total in _expected_footer(server).items():  # the same rounding as the server
        expect(erik.footer(f"share:{actor_id}")).to_have_text(sv(total))
    grand_total = sum(c["amount"] for ln in server.sheet()["lines"] for c in ln["amounts"].values())
    expect(erik.figure("total")).to_have_text(sv(grand_total, unit=True))
    expect(erik.cell(line["line_id"], f"amount:{Y2}")).to_have_attribute(  # (Region pays part)
        "aria-label", f"{line['label']}, {Y2}: {sv(1_234_567, unit=True)}"
                      " (ändrad av Anna Berg (Ljusdals kommun), inte markerad som sedd ännu)")
    assert not people["Anna Berg"].errors and not people["Erik Lindqvist"].errors


def test_two_edits_of_one_cell_ask_the_second_person_and_keep_mine_lands_in_both_grids(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    line_id = _line(server, 2)["line_id"]
    erik.cell(line_id, f"amount:{Y1}").dblclick()  # Erik starts on the value he sees …
    anna.edit(line_id, f"amount:{Y1}", "11 000")  # … Anna saves first
    expect(erik.page.locator("[data-part='announcer']")).to_contain_text(f"to {money(1_100_000)}")
    editor = erik.cell(line_id, f"amount:{Y1}").locator("input")
    editor.fill("22 000")
    editor.press("Enter")

    dialog = erik.page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-conflict='mine']")).to_have_text(money(2_200_000))
    expect(dialog.locator("[data-conflict='theirs']")).to_have_text(money(1_100_000))
    expect(dialog.locator("[data-conflict='who']")).to_contain_text("Anna Berg (Ljusdals kommun)")
    assert erik.focused()["inDialog"]
    erik.page.keyboard.press("Escape")  # closes without choosing: the conflict waits
    expect(dialog).to_have_count(0)
    expect(erik.cell(line_id, f"amount:{Y1}")).to_have_attribute("data-state", "conflict")
    erik.page.locator("[data-status='resolve']").click()
    erik.page.locator("dialog [data-choice='mine']").click()

    for page in (anna, erik):
        expect(page.value(line_id, f"amount:{Y1}")).to_have_text(money(2_200_000, unit=False))
    expect(erik.cell(line_id, f"amount:{Y1}")).not_to_have_attribute("data-state", re.compile("."))
    _eventually(lambda: _line(server, 2)["amounts"][str(Y1)]["amount"] == 2_200_000)


def test_take_theirs_shows_their_value_and_sends_nothing(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    line_id = _line(server, 3)["line_id"]
    erik.cell(line_id, "label").dblclick()
    anna.edit(line_id, "label", "Bemanning, kvällar")
    expect(erik.page.locator("[data-part='announcer']")).to_contain_text("Bemanning, kvällar")
    erik.cell(line_id, "label").locator("input").fill("Bemanning, helger")
    erik.cell(line_id, "label").locator("input").press("Enter")
    erik.page.locator("dialog [data-choice='theirs']").click()
    expect(erik.page.locator("dialog[open]")).to_have_count(0)
    expect(erik.status()).to_contain_text("All edits saved")
    for page in (anna, erik):
        expect(page.value(line_id, "label")).to_have_text("Bemanning, kvällar")
    assert erik.focused()["line"] == line_id  # focus is back on the cell


def test_edits_made_offline_are_kept_and_land_in_both_grids_when_back(
        people: dict[str, Person], server: Server) -> None:
    anna_person = people["Anna Berg"]
    anna, erik = anna_person.open_budget(), people["Erik Lindqvist"].open_budget()
    line_id = _line(server, 4)["line_id"]

    anna_person.context.set_offline(True)
    expect(anna.status()).to_have_attribute("data-connection", "offline")
    anna.edit(line_id, f"amount:{Y2}", "4,321")
    anna.edit(line_id, "category", "IT och data")
    expect(anna.value(line_id, f"amount:{Y2}")).to_have_text("4,321")
    expect(anna.cell(line_id, f"amount:{Y2}")).to_have_attribute("data-state", "pending")
    expect(anna.status()).to_contain_text("2 edits not yet saved")
    stored = anna.page.evaluate("() => Object.entries(localStorage)"
                                ".filter(([k]) => k.startsWith('samverkan:outbox:'))")
    assert len(stored) == 1 and "change_amount" in stored[0][1] and "expected_version" in stored[0][1]
    expect(erik.value(line_id, f"amount:{Y2}")).not_to_have_text("4,321")

    anna_person.context.set_offline(False)
    expect(anna.status()).to_have_attribute("data-connection", "connected")
    for page in (anna, erik):
        expect(page.value(line_id, f"amount:{Y2}")).to_have_text("4,321")
        expect(page.value(line_id, "category")).to_have_text("IT och data")
    expect(anna.status()).to_contain_text("All edits saved")
    assert anna.page.evaluate("() => Object.keys(localStorage)"
                              ".filter(k => k.startsWith('samverkan:outbox:')).length") == 0


def test_an_offline_edit_of_a_value_changed_meanwhile_comes_back_as_a_conflict(
        people: dict[str, Person], server: Server) -> None:
    anna_person = people["Anna Berg"]
    anna, erik = anna_person.open_budget(), people["Erik Lindqvist"].open_budget()
    line_id = _line(server, 10)["line_id"]
    anna_person.context.set_offline(True)
    expect(anna.status()).to_have_attribute("data-connection", "offline")
    anna.edit(line_id, f"amount:{Y2}", "10,500")
    erik.edit(line_id, f"amount:{Y2}", "11,000")
    expect(erik.status()).to_contain_text("All edits saved")

    anna_person.context.set_offline(False)
    dialog = anna.page.locator("dialog[open]")
    expect(dialog.locator("[data-conflict='mine']")).to_have_text(money(1_050_000))
    expect(dialog.locator("[data-conflict='theirs']")).to_have_text(money(1_100_000))
    expect(dialog.locator("[data-conflict='who']")).to_contain_text("Erik Lindqvist (Region Gävleborg)")
    dialog.locator("[data-choice='mine']").click()
    for page in (anna, erik):
        expect(page.value(line_id, f"amount:{Y2}")).to_have_text("10,500")


def test_someone_who_was_away_catches_up_on_what_changed_when_back(
        people: dict[str, Person], server: Server) -> None:
    erik_person = people["Erik Lindqvist"]
    anna, erik = people["Anna Berg"].open_budget(), erik_person.open_budget()
    line_id = _line(server, 6)["line_id"]
    erik_person.context.set_offline(True)
    expect(erik.status()).to_have_attribute("data-connection", "offline")
    anna.edit(line_id, f"amount:{Y3}", "3 100")
    anna.edit(line_id, "label", "Paketutlämning: hyllor")
    expect(anna.status()).to_contain_text("All edits saved")

    erik_person.context.set_offline(False)  # joins with its position: the catch-up has both
    expect(erik.status()).to_have_attribute("data-connection", "connected")
    expect(erik.value(line_id, f"amount:{Y3}")).to_have_text("3,100")
    expect(erik.value(line_id, "label")).to_have_text("Paketutlämning: hyllor")
    expect(erik.page.locator("[data-part='announcer']")).to_contain_text(
        "2 changes made while you were away")


def test_an_edit_queued_offline_is_sent_after_a_reload(
        people: dict[str, Person], server: Server) -> None:
    anna_person = people["Anna Berg"]
    anna, erik = anna_person.open_budget(), people["Erik Lindqvist"].open_budget()
    line_id = _line(server, 7)["line_id"]
    anna_person.context.set_offline(True)
    expect(anna.status()).to_have_attribute("data-connection", "offline")
    anna.edit(line_id, f"amount:{Y1}", "15 500")
    expect(anna.status()).to_contain_text("1 edit not yet saved")
    anna.page.close()  # the queue is in localStorage, keyed by budget and person

    anna_person.context.set_offline(False)
    anna_person.page = anna_person.context.new_page()
    again = anna_person.open_budget()
    for page in (again, erik):
        expect(page.value(line_id, f"amount:{Y1}")).to_have_text("15,500")
    expect(again.status()).to_contain_text("All edits saved")
    _eventually(lambda: _line(server, 7)["amounts"][str(Y1)]["amount"] == 1_550_000)


def test_both_reconnect_by_themselves_after_the_server_restarts(
        people: dict[str, Person], server: RunningServer) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    line_id = _line(server, 8)["line_id"]
    server.restart(pause=0.5)  # no offline event: the sockets just drop
    for page in (anna, erik):
        expect(page.status()).to_have_attribute("data-connection", "connected", timeout=15_000)
    anna.edit(line_id, f"amount:{Y2}", "2 500")
    expect(erik.value(line_id, f"amount:{Y2}")).to_have_text("2,500")


def test_a_lost_session_makes_the_grid_read_only_instead_of_retrying(
        people: dict[str, Person], server: RunningServer) -> None:
    anna = people["Anna Berg"].open_budget()
    line_id = _line(server, 9)["line_id"]
    server.restart(secret="another-key")  # every session ends
    expect(anna.status()).to_have_attribute("data-connection", "signed_out", timeout=15_000)
    expect(anna.part("toolbar")).to_be_hidden()
    anna.cell(line_id, f"amount:{Y1}").dblclick()
    expect(anna.cell(line_id, f"amount:{Y1}").locator("input")).to_have_count(0)


def test_presence_lists_both_people_and_marks_the_cell_each_is_on(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    presence = anna.page.locator("[data-part='presence-list']")
    expect(presence.locator("li")).to_have_count(2)
    expect(presence).to_contain_text("Anna Berg (you), Ljusdals kommun")
    expect(presence).to_contain_text("Erik Lindqvist, Region Gävleborg")

    line = _line(server, 1)
    erik.cell(line["line_id"], f"amount:{Y3}").click()
    marked = anna.cell(line["line_id"], f"amount:{Y3}")
    expect(marked).to_have_attribute("data-presence", "public")
    expect(marked.locator(".presence-tag")).to_have_text("EL")
    expect(presence).to_contain_text(f"on {line['label']}, {Y3}")

    people["Erik Lindqvist"].close()
    expect(presence.locator("li")).to_have_count(1)
    expect(anna.page.locator("[data-presence]")).to_have_count(0)


def test_keyboard_alone_moves_edits_saves_and_cancels(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    first, second = _line(server, 0), _line(server, 1)
    keyboard = anna.page.keyboard
    anna.part("undo").focus()
    keyboard.press("Tab")  # one tab stop into the grid
    assert anna.focused() == {**anna.focused(), "inGrid": True, "line": first["line_id"],
                              "field": "label"}
    for _ in range(4):
        keyboard.press("ArrowRight")  # label → category → cost or income → first year → second
    assert anna.focused()["field"] == f"amount:{Y2}"
    keyboard.press("Enter")
    assert anna.focused() == {**anna.focused(), "tag": "INPUT",
                              "label": f"{first['label']}, {Y2}"}
    keyboard.type("7 000")
    keyboard.press("Enter")
    expect(erik.value(first["line_id"], f"amount:{Y2}")).to_have_text("7,000")
    assert anna.focused() == {**anna.focused(), "tag": "TD", "field": f"amount:{Y2}"}

    keyboard.press("ArrowDown")
    assert anna.focused()["line"] == second["line_id"]
    keyboard.type("9")  # typing starts editing with what was typed
    keyboard.press("Escape")
    expect(anna.value(second["line_id"], f"amount:{Y2}")).to_have_text(
        money(second["amounts"][str(Y2)]["amount"], unit=False))
    keyboard.press("F2")
    keyboard.press("Control+a")
    keyboard.type("8 000")
    keyboard.press("Tab")  # saves and moves right
    expect(erik.value(second["line_id"], f"amount:{Y2}")).to_have_text("8,000")
    assert anna.focused() == {**anna.focused(), "tag": "TD", "field": f"amount:{Y3}"}

    keyboard.press("Tab")  # and out of the grid
    assert not anna.focused()["inGrid"]
    keyboard.press("Shift+Tab")  # back to the cell we left
    assert anna.focused() == {**anna.focused(), "inGrid": True, "field": f"amount:{Y3}"}


def test_lines_are_added_renamed_moved_and_removed_for_everyone(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    count = len(server.sheet()["lines"])
    anna.part("add").click()
    anna.page.get_by_label("Name of the line").fill("Julmarknad")
    anna.page.get_by_label("Category", exact=True).fill("Aktiviteter")
    anna.page.get_by_role("button", name="Add", exact=True).click()
    expect(erik.rows()).to_have_count(count + 1)
    expect(erik.rows().last.locator(".value").first).to_have_text("Julmarknad")
    new_id = erik.line_ids()[-1]
    assert anna.focused()["line"] == new_id  # the new line's name cell has the focus

    anna.edit(new_id, "label", "Julmarknad i byn")
    anna.page.keyboard.press("End")  # to the line's "remove" button, then back to "move up"
    anna.page.keyboard.press("ArrowLeft")
    anna.page.keyboard.press("ArrowLeft")
    anna.page.keyboard.press("Enter")  # move up
    expect(erik.rows().nth(count - 1)).to_have_attribute("data-line", new_id)
    expect(erik.value(new_id, "label")).to_have_text("Julmarknad i byn")
    assert anna.focused()["field"] == "up"  # focus follows the moved line

    anna.cell(new_id, "remove").get_by_role("button").click()
    for page in (anna, erik):
        expect(page.rows()).to_have_count(count)
    _eventually(lambda: [ln["line_id"] for ln in server.sheet()["lines"]] == erik.line_ids())


def test_undo_with_ctrl_z_and_the_button_reverts_my_last_change_everywhere(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    line = _line(server, 5)
    share = f"share:{_actor_id(server, 'Ljusdals kommun')}"
    anna.edit(line["line_id"], f"amount:{Y1}", "1 000")
    anna.edit(line["line_id"], share, "40")
    expect(erik.value(line["line_id"], share)).to_have_text("40\u00a0%")

    anna.page.keyboard.press("Control+z")  # focus is on a cell, not in an input
    expect(erik.value(line["line_id"], share)).to_have_text("100\u00a0%")
    anna.part("undo").click()
    original = money(line["amounts"][str(Y1)]["amount"], unit=False)
    for page in (anna, erik):
        expect(page.value(line["line_id"], f"amount:{Y1}")).to_have_text(original)
    expect(anna.page.locator("[data-part='announcer']")).to_contain_text("undone")


def test_a_refused_edit_shows_the_reason_and_the_cell_goes_back(
        people: dict[str, Person], server: Server) -> None:
    anna = people["Anna Berg"].open_budget()
    line = _line(server, 0)  # shared 50 % + 30 % + 20 %
    share = f"share:{_actor_id(server, 'Ljusdals kommun')}"
    anna.edit(line["line_id"], share, "90")
    expect(anna.page.locator("[data-message]")).to_contain_text("Not saved:")
    expect(anna.page.locator("[data-message]")).to_contain_text("100 %")
    expect(anna.value(line["line_id"], share)).to_have_text("50\u00a0%")
    anna.edit(line["line_id"], f"amount:{Y1}", "tio kronor")  # not an amount: the editor stays
    expect(anna.cell(line["line_id"], f"amount:{Y1}").locator("input")).to_have_attribute(
        "aria-invalid", "true")
    expect(anna.cell(line["line_id"], f"amount:{Y1}").locator(".cell-error")).to_be_visible()


def test_the_page_runs_under_the_servers_strict_content_security_policy(
        browser: Any, server: Server) -> None:
    person = Person(browser, server, "Anna Berg")
    try:
        person.context.add_init_script("""
            window.__violations = [];
            document.addEventListener('securitypolicyviolation',
                e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
        """)
        policies = []
        person.page.on("response", lambda r: policies.append(r.headers.get("content-security-policy"))
                       if "/budgets/" in r.url and r.request.resource_type == "document" else None)
        person.sign_in()
        budget = person.open_budget()
        assert policies and all(p and "'unsafe-inline'" not in p and "script-src 'self'" in p
                                and "style-src 'self'" in p for p in policies), policies
        anna_line = _line(server, 0)["line_id"]
        budget.edit(anna_line, f"amount:{Y3}", "5")
        expect(budget.value(anna_line, f"amount:{Y3}")).to_have_text("5")
        expect(budget.cell(anna_line, f"amount:{Y3}")).not_to_have_attribute("data-state", "pending")
        assert person.page.evaluate("window.__violations") == []
        assert not person.errors
    finally:
        person.close()


def test_a_visitor_who_has_not_signed_in_is_sent_to_sign_in_and_then_back_to_the_budget(
        browser: Any, server: Server) -> None:
    person = Person(browser, server, "Gunnar Persson")
    try:
        person.page.goto(server.url + server.budget_path("en"))
        assert urllib.parse.urlparse(person.page.url).path == "/sign-in"
        assert person.page.locator("[data-budget-app]").count() == 0  # nothing of the budget
        person.fill_in_sign_in(person.email, DEMO_PASSWORD)
        person.page.wait_for_url(re.compile(re.escape(server.budget_path("en"))))
        person.page.wait_for_selector("[data-budget-app][data-ready='true']")
    finally:
        person.close()


def test_an_observer_reads_the_budget_but_cannot_edit_it(browser: Any, server: Server) -> None:
    person = Person(browser, server, "Gunnar Persson").sign_in(server.budget_path("en"))
    try:
        person.page.wait_for_selector("[data-budget-app][data-ready='true']")
        page = BudgetPage(person.page)
        expect(page.part("grid")).to_have_attribute("aria-readonly", "true")
        expect(person.page.get_by_role("button", name="Add line")).to_be_hidden()
        line = _line(server, 0)
        page.cell(line["line_id"], f"amount:{Y1}").dblclick()
        expect(page.cell(line["line_id"], f"amount:{Y1}").locator("input")).to_have_count(0)
        expect(page.figure("total")).to_have_text(re.compile(r"^[\d,]+\u00a0SEK$"))
    finally:
        person.close()


def test_signing_out_in_another_tab_makes_the_grid_read_only(
        people: dict[str, Person], server: Server) -> None:
    anna = people["Anna Berg"]
    budget = anna.open_budget()
    other_tab = anna.context.new_page()
    other_tab.goto(server.url + "/")
    other_tab.locator("form[action='/sign-out'] button").click()
    other_tab.wait_for_url(re.compile("/sign-in"))
    expect(budget.status()).to_have_attribute("data-connection", "signed_out")
    expect(budget.part("toolbar")).to_be_hidden()
