"""A budget sheet as a spreadsheet: an .xlsx workbook (openpyxl) and a CSV of its first sheet.

The layout is fixed, so that a person, an auditor's script or an import can find every figure
(README, "Excel"):

Sheet 1, the budget
  rows 1–6  the header block, a label in A and its value in B: plan, budget, revision, status,
            change no. (the budget's version) and the history digest at that change
  row 7     empty
  row 8     the column heads: line item, category, type (cost or income), one column per year,
            total, one column per organisation (its share of the line), shared
  row 9 …   one row per budget line, in the budget's order
  then      three totals rows: costs, income and net cost
Sheet 2, organisations and sectors
  rows 1–7  the same header block
  row 8     the heads: organisation, sector, one column per year (net), costs, income, net cost
  row 9 …   one row per organisation, one for what no organisation has a share of, a total row,
            an empty row, the heads again with "sector" first, and one row per sector

Money is in kronor (öre / 100) as numbers with a kronor number format; shares are fractions
(0.25) formatted as per cent. Every total is a formula over the cells above it (SUM, SUMIF over
the type or sector column, costs − income), so an auditor can recompute it; the CSV holds the
same first sheet with each formula's value as the budget computed it. Every text cell goes
through `safe_cell`: a line named "=HYPERLINK(…)" is written as the text "'=HYPERLINK(…)".
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from adapters.spreadsheet import CsvSheet, safe_cell, sheet_title
from projections.sheet import BudgetSheet, figures

HEAD_ROWS = 6  # the header block: rows 1–6
TABLE_ROW = 8  # the column heads
FIRST_ROW = 9  # the first budget line (or organisation)
SHARE_FORMAT = "0.00%"


@dataclass(frozen=True)
class Words:
    """The words of the file in the reader's language (the web layer translates them)."""

    budget_sheet: str
    organisations_sheet: str
    plan: str
    budget: str
    revision: str
    status: str
    change: str
    digest: str
    line_item: str
    category: str
    kind: str
    total: str
    shared: str
    costs: str
    income: str
    net: str
    organisation: str
    sector: str
    unshared: str
    kinds: Mapping[str, str]  # "cost" / "income" → the word in the type column
    sectors: Mapping[str, str]  # "public" … → the word in the sector column
    unit: str  # "kr" or "SEK", in the money format


@dataclass(frozen=True)
class BudgetExport:
    """What a budget export holds: the sheet, and the header's words already written out."""

    sheet: BudgetSheet
    plan_name: str
    status: str
    digest: str
    words: Words


@dataclass(frozen=True)
class Num:
    """A number cell: its value as the budget computed it, its format, and for a total the
    formula a spreadsheet computes it with (the xlsx holds the formula, the CSV the value)."""

    value: Decimal | int
    style: str  # "money" | "share" | "int"
    formula: str | None = None


Row = list[Any]  # text (str), Num or None (an empty cell)


def kronor(ore: int) -> Decimal:
    return Decimal(ore).scaleb(-2)


def fraction(bps: int) -> Decimal:
    return Decimal(bps).scaleb(-4)


def col(n: int) -> str:
    return get_column_letter(n)


def _header(e: BudgetExport) -> list[Row]:
    b, w = e.sheet.budget, e.words
    return [[w.plan, e.plan_name], [w.budget, b["title"]], [w.revision, Num(b["revision"], "int")],
            [w.status, e.status], [w.change, Num(b["version"], "int")], [w.digest, e.digest], []]


def _text(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def budget_rows(e: BudgetExport) -> tuple[list[Row], set[int]]:
    """Sheet 1 (see the module's doc), and the rows set in bold."""
    s, w = e.sheet, e.words
    years, actors = s.years, s.actors
    year_cols = [col(4 + i) for i in range(len(years))]
    total_col = col(4 + len(years))
    share_cols = [col(5 + len(years) + i) for i in range(len(actors))]
    rows = _header(e)
    rows.append([w.line_item, w.category, w.kind, *(Num(y, "int") for y in years), w.total,
                 *(a["name"] for a in actors), w.shared])
    for r, line in enumerate(s.lines, start=FIRST_ROW):
        shares = {a: v["share"] for a, v in line["shares"].items()}
        rows.append([
            line["label"], line["category"], w.kinds[line["kind"]],
            *(Num(kronor(line["amounts"][y]["amount"]), "money") if y in line["amounts"] else None
              for y in years),
            Num(kronor(line["total"]), "money", f"=SUM({year_cols[0]}{r}:{year_cols[-1]}{r})"),
            *(Num(fraction(shares.get(a["actor_id"], 0)), "share") for a in actors),
            Num(fraction(line["shared"]), "share",
                f"=SUM({share_cols[0]}{r}:{share_cols[-1]}{r})" if actors else None)])
    last = FIRST_ROW + len(s.lines) - 1
    costs_row, income_row = last + 1, last + 2

    def by_kind(kind: str, column: str, ore: int) -> Num:
        if not s.lines:
            return Num(kronor(ore), "money")
        return Num(kronor(ore), "money", f"=SUMIF($C${FIRST_ROW}:$C${last},{_text(w.kinds[kind])},"
                                         f"{column}{FIRST_ROW}:{column}{last})")

    def net(column: str, ore: int) -> Num:
        return Num(kronor(ore), "money", f"={column}{costs_row}-{column}{income_row}")

    # Each year's column with that year's figures, then the total column with the budget's.
    columns = [*((c, s.by_year[y]) for c, y in zip(year_cols, years, strict=True)),
               (total_col, {"costs": s.costs, "income": s.income, "net": s.net})]
    rows.append([w.costs, None, None, *(by_kind("cost", c, f["costs"]) for c, f in columns)])
    rows.append([w.income, None, None, *(by_kind("income", c, f["income"]) for c, f in columns)])
    rows.append([w.net, None, None, *(net(c, f["net"]) for c, f in columns)])
    return rows, {TABLE_ROW, costs_row, income_row, income_row + 1}


def organisation_rows(e: BudgetExport) -> tuple[list[Row], set[int]]:
    """Sheet 2 (see the module's doc), and the rows set in bold."""
    s, w = e.sheet, e.words
    years = s.years
    year_cols = [col(3 + i) for i in range(len(years))]
    costs_col, income_col, net_col = col(3 + len(years)), col(4 + len(years)), col(5 + len(years))
    heads = [*(Num(y, "int") for y in years), w.costs, w.income, w.net]
    rows = _header(e)
    rows.append([w.organisation, w.sector, *heads])

    def figures_row(r: int, by_year: list[int], costs: int, income: int, net: int) -> Row:
        return [*(Num(kronor(v), "money") for v in by_year), Num(kronor(costs), "money"),
                Num(kronor(income), "money"),
                Num(kronor(net), "money", f"={costs_col}{r}-{income_col}{r}")]

    r = FIRST_ROW
    for a in s.actors:
        entry = s.by_actor[a["actor_id"]]
        nets = [entry["years"].get(y, figures())["net"] for y in years]
        rows.append([a["name"], w.sectors.get(entry["sector"], entry["sector"]),
                     *figures_row(r, nets, entry["costs"], entry["income"], entry["net"])])
        r += 1
    unshared = [s.by_year[y]["net"] - sum(s.by_actor[a["actor_id"]]["years"].get(y, figures())["net"]
                                          for a in s.actors) for y in years]
    rows.append([w.unshared, None, *figures_row(r, unshared, s.unallocated, s.unallocated_income,
                                                s.unallocated - s.unallocated_income)])
    last = r
    totals = [*(s.by_year[y]["net"] for y in years), s.costs, s.income, s.net]
    rows.append([w.total, None, *(Num(kronor(v), "money", f"=SUM({c}{FIRST_ROW}:{c}{last})")
                                  for c, v in zip([*year_cols, costs_col, income_col, net_col], totals,
                                                  strict=True))])
    rows.append([])
    rows.append([w.sector, None, *heads])
    bold = {TABLE_ROW, last + 1, last + 3}
    org_sectors = f"$B${FIRST_ROW}:$B${last}"
    for sector, entry in s.sectors.items():
        word = w.sectors.get(sector, sector)
        members = [s.by_actor[a["actor_id"]] for a in s.actors
                   if s.by_actor[a["actor_id"]]["sector"] == sector]
        values = [*(sum(m["years"].get(y, figures())["net"] for m in members) for y in years),
                  entry["costs"], entry["income"], entry["net"]]
        rows.append([word, None, *(Num(kronor(v), "money",
                                       f"=SUMIF({org_sectors},{_text(word)},{c}{FIRST_ROW}:{c}{last})")
                                   for c, v in zip([*year_cols, costs_col, income_col, net_col], values,
                                                   strict=True))])
    return rows, bold


def workbook_bytes(e: BudgetExport) -> bytes:
    """The .xlsx file: the budget sheet, then organisations and sectors."""
    book = Workbook()
    first = book.worksheets[0]
    first.title = sheet_title(e.words.budget_sheet)
    _fill(first, *budget_rows(e), e.words.unit, text_columns=3)
    first.freeze_panes = f"B{FIRST_ROW}"
    second = book.create_sheet(sheet_title(e.words.organisations_sheet))
    _fill(second, *organisation_rows(e), e.words.unit, text_columns=2)
    book.properties.title = _clean(e.sheet.budget["title"])
    book.properties.creator = "Samverkan"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_bytes(w: Words, years: list[int], organisations: list[str]) -> bytes:
    """The hand-filled import template (README, "Excel"): the budget sheet's column heads in
    row 1 for these years and organisations, and nothing else to fill in but the lines."""
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = sheet_title(w.budget_sheet)
    heads: Row = [w.line_item, w.category, w.kind, *(Num(y, "int") for y in years), w.total,
                  *organisations, w.shared]
    _fill(sheet, [heads], {1}, w.unit, text_columns=3)
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(e: BudgetExport) -> str:
    """The budget sheet as CSV (with the BOM): each total as its value, text neutralised."""
    rows, _ = budget_rows(e)
    return CsvSheet().rows([v.value if isinstance(v, Num) else v for v in row] for row in rows)


def money_format(unit: str) -> str:
    return f'#,##0.00 "{unit}"'


def _fill(sheet: Worksheet, rows: list[Row], bold: set[int], unit: str, text_columns: int) -> None:
    """Write the rows; bold rows' heads over number columns are right-aligned, as the numbers
    below them, and wrap (an organisation's name is longer than its column)."""
    formats = {"money": money_format(unit), "share": SHARE_FORMAT, "int": "0"}
    over_numbers = Alignment(horizontal="right", wrap_text=True)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = sheet.cell(r, c)
            if isinstance(value, Num):
                cell.value = value.formula or value.value
                cell.number_format = formats[value.style]
            else:
                cell.value = _clean(safe_cell(value))
            if r in bold or (c == 1 and r <= HEAD_ROWS):
                cell.font = Font(bold=True)
            if r in bold and c > text_columns:
                cell.alignment = over_numbers
            elif r <= HEAD_ROWS:  # the header's numbers (revision, change no.) read as its words
                cell.alignment = Alignment(horizontal="left")
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 20
    for c in range(3, max((len(row) for row in rows), default=0) + 1):
        sheet.column_dimensions[col(c)].width = 16
    # Printed: landscape, every column on one page's width (as many pages down as it takes).
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0


def _clean(value: Any) -> Any:
    """Text without the control characters an .xlsx cannot hold (openpyxl refuses them)."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value
