"""What others do, as each person sees it: a change to a line one's organisation pays part of
is marked with who did it (live, and on the next visit) until marked as seen; a removed line
is told to everyone, with Undo for whoever removed it; undo skips what others changed since
and says so; redo with Ctrl+Y and Ctrl+Shift+Z."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    Person,
    Server,
    browser_fixture,
    money,
    needs_browser,
    people_fixture,
    server_fixture,
)
from tests.e2e.demo_years import Y1, Y2
from tests.e2e.test_browser_live import _eventually, _line

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(90)]
MARK = "changed by Anna Berg (Ljusdals kommun), not yet marked as seen"


def test_the_paying_organisation_sees_the_facilitators_change_marked_with_who_until_seen(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    shared = _line(server, 0)  # the region pays 30 %
    municipal = _line(server, 4)  # the municipality alone
    anna.edit(shared["line_id"], f"amount:{Y2}", "7 500")
    anna.edit(municipal["line_id"], f"amount:{Y2}", "1 500")
    expect(erik.value(municipal["line_id"], f"amount:{Y2}")).to_have_text("1,500")

    cell = erik.cell(shared["line_id"], f"amount:{Y2}")
    expect(cell).to_have_attribute("data-others", "public")
    expect(cell.locator(".others-tag")).to_have_text("AB")
    expect(cell).to_have_attribute("aria-label", re.compile(re.escape(f"({MARK})") + "$"))
    expect(erik.announcer()).to_contain_text("Your organisation pays part of this line")
    expect(erik.cell(municipal["line_id"], f"amount:{Y2}")).not_to_have_attribute("data-others", "public")
    listed = erik.part("others").locator("li")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(f"Anna Berg (Ljusdals kommun) changed {shared['label']} {Y2} "
                                   f"to {money(750_000)}")
    time.sleep(3.5)  # longer than the flash: the mark lasts
    expect(cell).to_have_attribute("data-others", "public")
    expect(anna.part("others")).to_be_hidden()  # her own changes are no news to her

    erik.page.reload()  # still there on the next visit, until marked as seen
    erik.wait_until_live()
    expect(erik.cell(shared["line_id"], f"amount:{Y2}")).to_have_attribute("data-others", "public")
    erik.part("others").get_by_role("button", name=re.compile("^Show in the grid")).click()
    assert erik.focused() == {**erik.focused(), "line": shared["line_id"], "field": f"amount:{Y2}"}
    erik.part("others").get_by_role("button", name="Mark as seen").click()
    expect(erik.page.locator("td[data-others], th[data-others]")).to_have_count(0)
    expect(erik.part("others")).to_be_hidden()
    erik.page.reload()
    erik.wait_until_live()
    expect(erik.page.locator("td[data-others], th[data-others]")).to_have_count(0)


def test_what_others_changed_while_one_was_away_is_marked_on_the_next_visit(
        people: dict[str, Person], server: Server) -> None:
    erik_person = people["Erik Lindqvist"]
    anna, erik = people["Anna Berg"].open_budget(), erik_person.open_budget()
    signage, survey, research = _line(server, 9), _line(server, 15), _line(server, 16)
    erik.page.goto(server.url + "/")  # away
    anna.edit(signage["line_id"], "label", "Skyltar vid infarterna")
    anna.edit(survey["line_id"], f"amount:{Y1}", "41 000")
    anna.cell(research["line_id"], "remove").get_by_role("button").click()
    expect(anna.cell(research["line_id"], "label")).to_have_count(0)
    _eventually(lambda: all(ln["line_id"] != research["line_id"] for ln in server.sheet()["lines"]))

    erik = erik_person.open_budget()
    expect(erik.announcer()).to_contain_text(
        "3 changes by others to lines Region Gävleborg pays part of since your last visit")
    expect(erik.cell(signage["line_id"], "label")).to_have_attribute("data-others", "public")
    expect(erik.cell(survey["line_id"], f"amount:{Y1}")).to_have_attribute("data-others", "public")
    listed = erik.part("others")
    expect(listed.locator("li")).to_have_count(3)
    expect(listed).to_contain_text(f"Anna Berg (Ljusdals kommun) renamed {signage['label']} "
                                   "to Skyltar vid infarterna")
    expect(listed).to_contain_text(f"Anna Berg (Ljusdals kommun) removed the line {research['label']}")


def test_a_removed_line_is_told_to_everyone_and_only_the_remover_can_undo_it_there(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    line = _line(server, 12)
    anna.cell(line["line_id"], "remove").get_by_role("button").click()
    told = f"Anna Berg (Ljusdals kommun) removed the line {line['label']}"
    for page in (anna, erik):
        expect(page.part("notices")).to_contain_text(told)
    expect(erik.announcer()).to_contain_text(told)
    expect(erik.part("notices").get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)
    undo = anna.part("notices").get_by_role("button", name=f"Undo the removal of {line['label']}")
    undo.click()  # the reply must say it undid that very removal, or the notice does not say so
    expect(anna.part("notices")).to_contain_text(
        f"Your removal of the line {line['label']} was undone: the line is back.")
    expect(erik.part("notices")).to_contain_text(
        f"Anna Berg (Ljusdals kommun) restored the line {line['label']}")
    for page in (anna, erik):
        expect(page.cell(line["line_id"], "label")).to_have_count(1)
    _eventually(lambda: any(ln["line_id"] == line["line_id"] for ln in server.sheet()["lines"]))


def test_undo_skips_a_change_someone_else_changed_since_and_says_who(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    first, second = _line(server, 5), _line(server, 6)
    anna.edit(first["line_id"], f"amount:{Y1}", "6 100")
    anna.edit(second["line_id"], f"amount:{Y2}", "2 100")
    expect(erik.value(second["line_id"], f"amount:{Y2}")).to_have_text("2,100")
    erik.edit(second["line_id"], f"amount:{Y2}", "2 200")
    expect(anna.value(second["line_id"], f"amount:{Y2}")).to_have_text("2,200")

    anna.page.keyboard.press("Control+z")
    notice = anna.part("notices")
    expect(notice).to_contain_text(f"Your change of {first['label']}, {Y1} was undone.")
    expect(notice).to_contain_text(f"Skipped your change of {second['label']}, {Y2} "
                                   "because Erik Lindqvist changed it since.")
    original = money(first["amounts"][str(Y1)]["amount"], unit=False)
    for page in (anna, erik):
        expect(page.value(first["line_id"], f"amount:{Y1}")).to_have_text(original)
        expect(page.value(second["line_id"], f"amount:{Y2}")).to_have_text("2,200")
    expect(anna.announcer()).to_contain_text("undone")


def test_redo_with_ctrl_y_and_ctrl_shift_z_does_again_what_was_undone(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    line = _line(server, 7)
    undo, redo = anna.part("undo"), anna.part("redo")
    expect(undo).to_have_accessible_name("Undo my last change")
    expect(redo).to_have_accessible_name("Redo my last undo")
    expect(redo).to_have_attribute("aria-keyshortcuts", "Control+Y Control+Shift+Z")
    expect(redo).to_be_disabled()  # nothing undone yet
    anna.edit(line["line_id"], f"amount:{Y1}", "16 000")
    anna.edit(line["line_id"], "label", "Apoteksombud med kylskåp")
    expect(erik.value(line["line_id"], "label")).to_have_text("Apoteksombud med kylskåp")

    anna.page.keyboard.press("Control+z")
    expect(erik.value(line["line_id"], "label")).to_have_text(line["label"])
    anna.page.keyboard.press("Control+z")
    expect(erik.value(line["line_id"], f"amount:{Y1}")).to_have_text(
        money(line["amounts"][str(Y1)]["amount"], unit=False))
    expect(redo).to_be_enabled()
    anna.page.keyboard.press("Control+y")
    expect(erik.value(line["line_id"], f"amount:{Y1}")).to_have_text("16,000")
    expect(anna.part("notices")).to_contain_text(f"Your change of {line['label']}, {Y1} was redone.")
    anna.page.keyboard.press("Control+Shift+z")
    expect(erik.value(line["line_id"], "label")).to_have_text("Apoteksombud med kylskåp")
    expect(redo).to_be_disabled()  # both undos done again
    _eventually(lambda: _line(server, 7)["label"] == "Apoteksombud med kylskåp")
    assert _line(server, 7)["amounts"][str(Y1)]["amount"] == 1_600_000
