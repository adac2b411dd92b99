"""The live grid on the screens people bring: cost and income lines with costs, income and net
as the server counts them, each line's shared part, six organisations on a 1366 px laptop
(sticky line names and header, collapsible sector groups) and a 390 px phone."""

from __future__ import annotations

from collections.abc import Iterator
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
    money,
    needs_browser,
    people_fixture,
    server_fixture,
)
from tests.e2e.demo_years import Y1, Y2
from tests.e2e.test_browser_live import _actor_id, _eventually, _line

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(90)]


def _plain(ore: int) -> str:
    return money(ore, "en", unit=False)


def _footer_matches_the_server(page: BudgetPage, server: Server) -> None:
    """Costs, income and net per year, in total and per organisation, as the server has them."""
    totals = server.sheet()["totals"]
    for row in ("costs", "income", "net"):
        for year, entry in totals["by_year"].items():
            expect(page.footer(f"amount:{year}", row)).to_have_text(_plain(entry[row]))
        expect(page.footer("total", row)).to_have_text(_plain(totals[row]))
        for actor_id, entry in totals["by_actor"].items():
            expect(page.footer(f"share:{actor_id}", row)).to_have_text(_plain(entry[row]))
    for year, entry in totals["by_year"].items():
        expect(page.footer(f"amount:{year}", "gap")).to_have_text(_plain(entry["gap"]))
    expect(page.footer("total", "gap")).to_have_text(_plain(totals["funding_gap"]))
    for figure, key in (("costs", "costs"), ("income", "income"), ("total", "net"),
                        ("committed", "committed"), ("gap", "funding_gap")):
        expect(page.figure(figure)).to_have_text(money(totals[key]))
    cost_lines = [i for i in page.line_ids()
                  if page.value(i, "kind").inner_text() != "Income"]
    expect(page.page.locator("[data-line-gap]")).to_have_count(len(cost_lines))
    for line_id in cost_lines:
        row = page.page.locator(f"[data-line-gap='{line_id}'] td")
        entry = totals["lines"][line_id]
        expect(row).to_have_text([money(entry[k]) for k in ("net", "committed", "gap")])


def test_an_income_line_is_added_and_a_line_turned_into_income_and_the_totals_follow_the_server(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    before = server.sheet()["totals"]  # the demo has incomes of its own
    kommun = _actor_id(server, "Ljusdals kommun")
    lines = len(erik.line_ids())
    anna.part("add").click()
    anna.page.get_by_label("Name of the line").fill("Paketavgifter")
    anna.page.get_by_label("Cost or income").select_option("income")
    anna.page.get_by_role("button", name="Add", exact=True).click()
    expect(erik.rows()).to_have_count(lines + 1)
    expect(erik.rows().last.locator("[data-field='label'] .value")).to_have_text("Paketavgifter")
    expect(erik.rows().last.locator("[data-field='kind'] .value")).to_have_text("Income")
    new_id = erik.line_ids()[-1]
    anna.edit(new_id, f"amount:{Y1}", "8 000")
    anna.edit(new_id, f"share:{kommun}", "100")
    # Both edits in the server's views (the share's too) before the footers are compared.
    _eventually(lambda: server.sheet()["totals"]["income"] == before["income"] + 800_000
                and server.sheet()["totals"]["by_actor"][kommun]["income"]
                == before["by_actor"][kommun]["income"] + 800_000)
    line = next(ln for ln in server.sheet()["lines"] if ln["line_id"] == new_id)
    assert line["kind"] == "income"
    _footer_matches_the_server(erik, server)

    # Erik turns a cost into an income from the keyboard: Enter opens the choice, ↓ picks it.
    fees = _line(server, 2)["line_id"]
    erik.cell(fees, "kind").click()
    erik.page.keyboard.press("Enter")
    choice = erik.cell(fees, "kind").locator("select")
    expect(choice).to_be_focused()
    expect(choice).to_have_accessible_name(f"{_line(server, 2)['label']}, Type")
    erik.page.keyboard.press("ArrowDown")
    expect(erik.cell(fees, "kind").locator("select")).to_have_count(0)
    expect(anna.value(fees, "kind")).to_have_text("Income")
    _eventually(lambda: _line(server, 2)["kind"] == "income")
    assert _line(server, 2)["kind_version"] == 2
    _footer_matches_the_server(anna, server)
    _footer_matches_the_server(erik, server)
    assert erik.focused()["field"] == "kind"  # back on the cell, as after any edit


def test_cost_or_income_chosen_by_two_people_at_once_asks_the_second_like_any_field(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    line = _line(server, 5)
    erik.cell(line["line_id"], "kind").dblclick()  # Erik sees "Cost" and starts choosing …
    for kind in ("income", "cost"):  # … while Anna makes it an income and a cost again
        anna.cell(line["line_id"], "kind").dblclick()
        anna.cell(line["line_id"], "kind").locator("select").select_option(kind)
        _eventually(lambda kind=kind: _line(server, 5)["kind"] == kind)
    expect(erik.announcer()).to_contain_text("Type to Cost")
    erik.cell(line["line_id"], "kind").locator("select").select_option("income")
    dialog = erik.page.locator("dialog[open]")
    expect(dialog.locator("[data-conflict='mine']")).to_have_text("Income")
    expect(dialog.locator("[data-conflict='theirs']")).to_have_text("Cost")
    expect(dialog.locator("[data-conflict='who']")).to_contain_text("Anna Berg (Ljusdals kommun)")
    dialog.locator("[data-choice='mine']").click()
    for page in (anna, erik):
        expect(page.value(line["line_id"], "kind")).to_have_text("Income")
    _eventually(lambda: _line(server, 5)["kind"] == "income")


def test_a_representative_sets_only_their_own_share_and_removes_only_lines_no_one_else_pays(
        people: dict[str, Person], server: Server) -> None:
    erik = people["Erik Lindqvist"].open_budget()
    shared, alone = _line(server, 0), _line(server, 21)  # 50/30/20 %; nobody's yet
    region, kommun = _actor_id(server, "Region Gävleborg"), _actor_id(server, "Ljusdals kommun")
    expect(erik.cell(shared["line_id"], f"share:{region}")).to_have_attribute("data-editable", "true")
    expect(erik.cell(shared["line_id"], f"share:{kommun}")).not_to_have_attribute("data-editable", "true")
    erik.cell(shared["line_id"], f"share:{kommun}").dblclick()
    expect(erik.cell(shared["line_id"], f"share:{kommun}").locator("input")).to_have_count(0)
    expect(erik.cell(shared["line_id"], "remove").get_by_role("button")).to_have_attribute(
        "aria-disabled", "true")
    expect(erik.cell(alone["line_id"], "remove").get_by_role("button")).not_to_have_attribute(
        "aria-disabled", "true")


def test_each_line_shows_the_sum_of_its_shares_and_what_is_left_unallocated(
        people: dict[str, Person], server: Server) -> None:
    anna, erik = people["Anna Berg"].open_budget(), people["Erik Lindqvist"].open_budget()
    staffing = _line(server, 3)  # the municipality and the shop, 40 % each
    total = sum(cell["amount"] for cell in staffing["amounts"].values())
    shared = erik.value(staffing["line_id"], "shared")
    expect(shared.locator(".shared-sum")).to_have_text("80\u00a0%")
    expect(shared.locator(".shared-rest")).to_have_text(f"{money(total // 5)} unallocated")
    expect(erik.cell(staffing["line_id"], "shared")).to_have_attribute(
        "aria-label", f"{staffing['label']}, Shared: 80\u00a0%, {money(total // 5)} unallocated")
    expect(erik.value(_line(server, 4)["line_id"], "shared")).to_have_text("100\u00a0%")

    anna.edit(staffing["line_id"], f"share:{_actor_id(server, 'Ljusdals kommun')}", "55")
    expect(shared).to_have_text(f"95\u00a0% {money(total // 20)} unallocated")
    anna.edit(staffing["line_id"], f"share:{_actor_id(server, 'Ljusdals kommun')}", "60")
    expect(shared).to_have_text("100\u00a0%")
    expect(erik.figure("unallocated")).to_have_text(money(server.sheet()["totals"]["unallocated"]))


@pytest.fixture(name="anna")
def anna_fixture(browser: Any, server: Server) -> Iterator[Person]:
    person = Person(browser, server, "Anna Berg")
    person.page.set_viewport_size(LAPTOP)
    try:
        yield person.sign_in()
    finally:
        person.close()


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box, locator
    return box


def test_on_a_1366_laptop_six_organisations_fit_and_names_and_header_stay_in_view(
        anna: Person, server: Server) -> None:
    budget = anna.open_budget()
    page, region = anna.page, anna.page.locator("[data-part='scroll']")
    actors = server.sheet()["actors"]
    assert len(actors) == 6
    assert region.evaluate("r => r.scrollWidth <= r.clientWidth + 1"), "the grid scrolls sideways"
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    for actor in actors:  # every share column in view, its header short, its full name said
        head = page.locator(f"thead th[data-field='share:{actor['actor_id']}']")
        assert _box(head)["x"] + _box(head)["width"] <= LAPTOP["width"]
        expect(head).to_have_attribute("title", actor["name"])
        expect(head).to_have_accessible_name(actor["name"])
    expect(page.locator("[data-part='legend']")).to_contain_text("HiG: Högskolan i Gävle")

    # Scrolled down, the header rows stay at the top of the grid.
    first = budget.line_ids()[0]
    region.evaluate("r => { r.scrollTop = r.scrollHeight; }")
    head = page.locator("thead tr[data-row='head'] th").first
    assert abs(_box(head)["y"] - _box(region)["y"]) < 60
    # Narrower (a window beside another): it scrolls sideways, the line names stay.
    page.set_viewport_size({"width": 1000, "height": 768})
    region.evaluate("r => { r.scrollTop = 0; r.scrollLeft = r.scrollWidth; }")
    label = budget.cell(first, "label")
    assert region.evaluate("r => r.scrollLeft > 100")
    assert _box(label)["x"] >= _box(region)["x"] - 1
    assert _box(label)["x"] + _box(label)["width"] <= 1000

    # The keyboard's cell is always shown, never hidden under the line names.
    label.click()
    page.keyboard.press("Home")
    region.evaluate("r => { r.scrollLeft = 0; }")
    page.keyboard.press("End")  # the line's last cell: its remove button
    button = budget.cell(first, "remove").get_by_role("button")
    expect(button).to_be_focused()
    assert _box(button)["x"] + _box(button)["width"] <= _box(region)["x"] + _box(region)["width"] + 1
    for _ in range(6):
        page.keyboard.press("ArrowLeft")
    focused = page.evaluate("document.activeElement.getBoundingClientRect().left")
    assert focused >= _box(label)["x"] + _box(label)["width"] - 1


def test_a_sector_group_collapses_to_its_sum_and_the_choice_is_remembered(
        anna: Person, server: Server) -> None:
    budget = anna.open_budget()
    page = anna.page
    kommun, region = _actor_id(server, "Ljusdals kommun"), _actor_id(server, "Region Gävleborg")
    toggle = page.get_by_role("button", name="Show Public sector as one column")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(page.locator(f"[data-field='share:{kommun}']")).to_have_count(0)
    expect(page.locator(f"[data-field='share:{region}']")).to_have_count(0)
    first = _line(server, 0)  # 50 % + 30 %
    expect(budget.value(first["line_id"], "sector:public")).to_have_text("80\u00a0%")
    public = server.sheet()["totals"]["by_sector"]["public"]
    expect(budget.footer("sector:public")).to_have_text(_plain(public["net"]))
    expand = page.get_by_role("button", name="Show each organisation of Public sector")
    expect(expand).to_be_focused()
    expect(expand).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("button", name="Show Private sector as one column")).to_be_visible()

    page.reload()
    budget.wait_until_live()
    expect(page.locator(f"[data-field='share:{kommun}']")).to_have_count(0)  # remembered
    expand.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"thead [data-field='share:{kommun}']")).to_have_count(1)
    expect(page.get_by_role("button", name="Show Public sector as one column")).to_be_focused()


def test_on_a_phone_nothing_overflows_and_one_tap_starts_editing(browser: Any, server: Server) -> None:
    person = Person(browser, server, "Anna Berg")
    person.context.close()
    person.context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True,
                                         locale="sv-SE")
    person.page = person.context.new_page()
    try:
        budget = person.sign_in().open_budget()
        page = person.page
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for part in ("status", "presence", "toolbar", "notices"):
            box = page.locator(f"[data-part='{part}']").bounding_box()
            assert box is None or box["x"] + box["width"] <= PHONE["width"], part
        line = _line(server, 1)
        cell = budget.cell(line["line_id"], f"amount:{Y2}")
        style = cell.evaluate("c => [parseFloat(getComputedStyle(c).fontSize), "
                              "getComputedStyle(c).fontVariantNumeric]")
        assert style[0] >= 14 and "tabular-nums" in style[1]
        cell.scroll_into_view_if_needed()
        cell.tap()
        editor = cell.locator("input")
        expect(editor).to_be_focused()
        editor.fill("4 200")
        editor.press("Enter")
        _eventually(lambda: _line(server, 1)["amounts"][str(Y2)]["amount"] == 420_000)
        region = page.locator("[data-part='scroll']")
        region.evaluate("r => { r.scrollLeft = r.scrollWidth; }")
        label = budget.cell(line["line_id"], "label")
        assert _box(label)["x"] >= _box(region)["x"] - 1 and _box(label)["x"] < PHONE["width"] / 2
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert not person.errors
    finally:
        person.close()
