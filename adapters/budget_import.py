"""A budget read from a file: an .xlsx workbook or a CSV in the export's layout
(adapters/budget_workbook.py), or the hand-filled template (the same columns, without the
header block). README, "Excel", describes both.

The file is checked as a whole first (`Refused`): at most MAX_FILE bytes; a zip (an .xlsx) that
unpacks to at most MAX_UNZIPPED bytes in at most MAX_PARTS parts, holds no macros (no
vbaProject.bin, no macro-enabled content type) and is not encrypted (an encrypted workbook is an
OLE compound file, not a zip); else a CSV in UTF-8 (or Windows-1252, as Excel saves "CSV"),
separated by commas or semicolons. Then every cell is read and every problem collected
(`Invalid`, each naming its sheet, row and cell), so that a person sees them all at once; only a
file without any becomes an `ImportedBudget`. The domain's own limits (MAX_LINES, MAX_AMOUNT,
the years a budget may cover, text lengths, shares up to 100 %) are checked here cell by cell
with the domain's own words, and again by the domain when the budget is made.

The first sheet is read: its head row is the first row whose column D holds a year; below it one
line a row until the totals rows (costs, income, net cost) or the end. Formulas are never
evaluated: a total or "shared" column is ignored (the budget recomputes them), a formula where an
amount or a share belongs is a problem. A text cell the export neutralised ("'=HYPERLINK(…)",
adapters/spreadsheet.py) reads as the text it was.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from adapters.spreadsheet import FORMULA_LEADS
from domain.base import require_text
from domain.budget_import import ImportLine
from domain.budget_years import MAX_YEARS
from domain.budgets import MAX_AMOUNT, MAX_LINES
from domain.errors import RuleViolated, translatable
from domain.shares import FULL_SHARE

MIB = 1024 * 1024
MAX_FILE = 5 * MIB
MAX_UNZIPPED = 50 * MIB  # a zip bomb unpacks to far more
MAX_PARTS = 200
MAX_COLUMNS = 3 + MAX_YEARS + 1 + 200 + 1  # line, category, type, years, total, shares, shared
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx, or an old .xls


@dataclass(frozen=True)
class Vocabulary:
    """The words a file may use, in any of the app's languages, case-folded."""

    costs: Collection[str]  # the type column's "cost"
    incomes: Collection[str]  # its "income"
    totals: Collection[str]  # the heads "total" and "shared", ignored
    end: Collection[str]  # the totals rows' first cells: "costs", "income", "net cost"
    budget: Collection[str]  # the header block's label of the budget's title


@dataclass(frozen=True)
class Organisation:
    actor_id: str
    name: str
    left: bool


@dataclass(frozen=True)
class Problem:
    """What is wrong where: row and cell are None for the sheet as a whole."""

    sheet: str
    row: int | None
    cell: str | None
    error: RuleViolated


@dataclass(frozen=True)
class ImportedBudget:
    title: str | None  # from the header block, if the file has one
    years: list[int]
    lines: list[ImportLine]
    sheet: str


class Refused(Exception):
    """The file as a whole cannot be read (too large, encrypted, macros, not a workbook)."""

    def __init__(self, error: RuleViolated) -> None:
        super().__init__(error.message)
        self.error = error


class Invalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class _Sheet:
    name: str
    rows: list[list[Any]]  # each cell's value; a formula is a Formula
    problems: list[Problem] = field(default_factory=list)

    def problem(self, row: int | None, column: int | None, error: RuleViolated) -> None:
        cell = f"{get_column_letter(column)}{row}" if row and column else None
        self.problems.append(Problem(self.name, row, cell, error))


class Formula(str):
    """A cell's formula (never evaluated)."""


def read_budget(data: bytes, filename: str, organisations: list[Organisation],
                plan_years: range, words: Vocabulary) -> ImportedBudget:
    """The budget the file holds, or Refused / Invalid (nothing is half read)."""
    sheet = _sheet(data, filename)
    return _Reader(sheet, organisations, plan_years, words).budget()


# ---- the file ------------------------------------------------------------------------------

def _sheet(data: bytes, filename: str) -> _Sheet:
    if len(data) > MAX_FILE:
        raise Refused(RuleViolated(
            "The file is larger than {size} MB. Import at most {size} MB; a budget of 1 000 "
            "lines is far smaller.", size=MAX_FILE // MIB, field="file"))
    if not data:
        raise Refused(RuleViolated("The file is empty. Choose the budget's .xlsx or CSV file.",
                                   field="file"))
    if data.startswith(OLE_SIGNATURE):
        raise Refused(RuleViolated(
            "The file is encrypted or in the old Excel format (.xls). Save it as an Excel "
            "workbook (.xlsx) without a password, or as CSV, and import that.", field="file"))
    if data.startswith(b"PK"):
        return _workbook(data)
    if filename.lower().endswith(".csv"):
        return _csv(data, filename)
    raise _unreadable()


def _unreadable() -> Refused:
    return Refused(RuleViolated(
        "The file could not be read as an Excel workbook (.xlsx) or CSV. Export the budget "
        "again, or save the file as .xlsx or CSV, and import that.", field="file"))


def _workbook(data: bytes) -> _Sheet:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in archive.namelist() else b""
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, RuntimeError):
        raise _unreadable() from None
    if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > MAX_UNZIPPED:
        raise Refused(RuleViolated(
            "The file unpacks to more than {size} MB, far more than any budget needs; it is "
            "not imported.", size=MAX_UNZIPPED // MIB, field="file"))
    if (any(p.filename.lower().endswith("vbaproject.bin") for p in parts)
            or b"macroenabled" in types.lower()):
        raise Refused(RuleViolated(
            "The file contains macros, which are never imported. Save it as an Excel workbook "
            "(.xlsx) without macros and import that.", field="file"))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            ws = book.worksheets[0]
            rows = [[Formula(c.value) if c.data_type == "f" else c.value for c in row]
                    for row in ws.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_LINES + 20)]
            return _Sheet(ws.title, rows)
        finally:
            book.close()
    except Exception:  # any failure to parse a stranger's file means "unreadable"
        raise _unreadable() from None


def _csv(data: bytes, filename: str) -> _Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        rows = [row[:MAX_COLUMNS] for _, row in zip(range(MAX_LINES + 20), reader, strict=False)]
    except csv.Error:
        raise _unreadable() from None
    return _Sheet(filename.rsplit("/", 1)[-1][:80] or "CSV",
                  [[v if v != "" else None for v in row] for row in rows])


# ---- the cells -----------------------------------------------------------------------------

def _text(value: Any) -> str:
    """A text cell as it was written: without the quote the export put before a formula lead."""
    if value is None:
        return ""
    text = str(value) if not isinstance(value, float) or not value.is_integer() else str(int(value))
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_LEADS) else text


def _year(value: Any) -> int | None:
    if isinstance(value, bool | Formula):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) == 4 else None


def _number(value: Any) -> Decimal | None:
    """A number cell, or a number written as text ("52 000", "52 000,50", "52000.5 kr")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    for unit in ("kr", "sek", "nok"):
        if text.lower().endswith(unit):
            text = text[:-len(unit)]
    if "," in text and "." in text:
        return None
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


AMOUNT_HELP = translatable("Write an amount in kronor, for example 52 000.")
SHARE_HELP = translatable("Write the share as per cent, for example 25 %, or leave the cell empty.")


def _ore(value: Any) -> int | RuleViolated:
    number = None if isinstance(value, Formula) else _number(value)
    if number is None or number < 0 or number != number.quantize(Decimal("0.01")):
        return RuleViolated(AMOUNT_HELP, field="amount")
    ore = int(number * 100)
    if ore > MAX_AMOUNT:
        return RuleViolated("Write an amount of at most {most} kr.", most=f"{MAX_AMOUNT // 100:,}"
                            .replace(",", " "), field="amount")
    return ore


def _bps(value: Any) -> int | RuleViolated:
    """A share: a fraction (0.25, as the export writes it) or per cent text ("25 %")."""
    if isinstance(value, str) and not isinstance(value, Formula) and value.strip().endswith("%"):
        number = _number(value.strip()[:-1])
        scale = 100
    else:
        number = None if isinstance(value, Formula) else _number(value)
        scale = 10_000
    if number is None or number < 0:
        return RuleViolated(SHARE_HELP, field="share")
    bps = number * scale
    if bps != bps.to_integral_value() or bps > FULL_SHARE:
        return RuleViolated(SHARE_HELP, field="share")
    return int(bps)


# ---- the sheet -----------------------------------------------------------------------------

class _Reader:
    def __init__(self, sheet: _Sheet, organisations: list[Organisation], plan_years: range,
                 words: Vocabulary) -> None:
        self.sheet, self.words, self.plan_years = sheet, words, plan_years
        self.by_name = {o.name.casefold(): o for o in organisations}

    def budget(self) -> ImportedBudget:
        s = self.sheet
        head = next((r for r, row in enumerate(s.rows, start=1)
                     if len(row) > 3 and _year(row[3]) is not None), None)
        if head is None:
            s.problem(None, None, RuleViolated(
                "No row of column heads with the budget's years from column D was found. Use "
                "the layout of an exported budget or of the template.", field="file"))
            raise Invalid(s.problems)
        years, shares = self._heads(head, s.rows[head - 1])
        lines = [line for r, row in self._line_rows(head)
                 if (line := self._line(r, row, years, shares)) is not None]
        if s.problems:
            raise Invalid(s.problems)
        return ImportedBudget(self._title(head), years, lines, s.name)

    def _title(self, head: int) -> str | None:
        for row in self.sheet.rows[:head - 1]:
            if len(row) > 1 and _text(row[0]).strip().casefold() in self.words.budget:
                return _text(row[1]).strip() or None
        return None

    def _heads(self, head: int, row: list[Any]) -> tuple[list[int], dict[int, Organisation]]:
        """The years (columns D…) and the organisation of each share column."""
        s, years = self.sheet, []
        c = 3
        while c < len(row) and (year := _year(row[c])) is not None:
            if year not in self.plan_years:
                s.problem(head, c + 1, RuleViolated(
                    "The plan covers {first}–{last}; a budget's years lie within them.",
                    first=self.plan_years[0], last=self.plan_years[-1], field="years"))
            elif years and year != years[-1] + 1:
                s.problem(head, c + 1, RuleViolated("A budget covers consecutive years.",
                                                    field="years"))
            years.append(year)
            c += 1
        if len(years) > MAX_YEARS:
            s.problem(head, 4 + MAX_YEARS, RuleViolated(
                "A budget covers at most {max_years} years.", max_years=MAX_YEARS, field="years"))
        shares: dict[int, Organisation] = {}
        for c in range(len(years) + 3, len(row)):
            name = _text(row[c]).strip()
            if not name or name.casefold() in self.words.totals:
                continue
            org = self.by_name.get(name.casefold())
            if org is None:
                s.problem(head, c + 1, RuleViolated(
                    "“{name}” is not an organisation of this plan. Correct the name, or add the "
                    "organisation to the plan first.", name=name, field="actor_id"))
            else:
                shares[c] = org
        return years, shares

    def _line_rows(self, head: int) -> Iterator[tuple[int, list[Any]]]:
        count = 0
        for r, row in enumerate(self.sheet.rows[head:], start=head + 1):
            first = _text(row[0]).strip().casefold() if row else ""
            if first in self.words.end and all(v is None for v in row[1:3]):
                return  # the totals rows: recomputed, never read
            if all(v is None or _text(v).strip() == "" for v in row):
                continue
            count += 1
            if count > MAX_LINES:
                self.sheet.problem(r, 1, RuleViolated("A budget has at most {max_lines} lines.",
                                                      max_lines=MAX_LINES))
                return
            yield r, row

    def _line(self, r: int, row: list[Any], years: list[int],
              shares: dict[int, Organisation]) -> ImportLine | None:
        s, before = self.sheet, len(self.sheet.problems)

        def cell(c: int) -> Any:
            return row[c] if c < len(row) else None

        label = self._checked_text(r, 1, cell(0), "label", 200)
        category = self._checked_text(r, 2, cell(1), "category", 80, optional=True)
        kind_word = _text(cell(2)).strip().casefold()
        kind = ("cost" if kind_word in self.words.costs or not kind_word
                else "income" if kind_word in self.words.incomes else None)
        if kind is None:
            s.problem(r, 3, RuleViolated("Write the type as cost or income (empty means a cost).",
                                         field="kind"))
        amounts: dict[int, int] = {}
        for i, year in enumerate(years):
            value = cell(3 + i)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            ore = _ore(value)
            if isinstance(ore, RuleViolated):
                s.problem(r, 4 + i, ore)
            else:
                amounts[year] = ore
        parts: dict[str, int] = {}
        last = 0
        for c, org in shares.items():
            value = cell(c)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            bps = _bps(value)
            if isinstance(bps, RuleViolated):
                s.problem(r, c + 1, bps)
            elif bps and org.left:
                s.problem(r, c + 1, RuleViolated(
                    "{name} has left the plan: it takes no new shares, pledges or members.",
                    name=org.name, actor_id=org.actor_id))
            elif bps:
                parts[org.actor_id], last = bps, c
        if sum(parts.values()) > FULL_SHARE:  # named at the last share of the row
            total = sum(parts.values())
            s.problem(r, last + 1, RuleViolated(
                "The shares of “{label}” would add up to {percent} %; together they can be at "
                "most 100 %.", label=label, percent=f"{total / 100:g}", total=total))
        if len(s.problems) > before:
            return None
        return ImportLine(label, category, kind or "cost", amounts, parts)

    def _checked_text(self, r: int, c: int, value: Any, name: str, most: int,
                      optional: bool = False) -> str:
        if isinstance(value, Formula):
            self.sheet.problem(r, c, RuleViolated(
                "Write text here, not a formula.", field=name))
            return ""
        try:
            return require_text(_text(value), name, max_length=most, optional=optional)
        except RuleViolated as error:
            self.sheet.problem(r, c, error)
            return ""


def organisations_of(actors: Iterable[Mapping[str, Any]]) -> list[Organisation]:
    """The plan's organisations (its overview's `actors`) as the reader needs them."""
    return [Organisation(str(a["actor_id"]), str(a["name"]), bool(a.get("left"))) for a in actors]
