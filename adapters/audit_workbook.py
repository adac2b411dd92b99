"""The audit trail as an .xlsx workbook, written a row at a time in flat memory.

openpyxl's write-only mode keeps no cells: each row goes to a temporary file as it is
appended, and `save` zips the sheet into a second temporary file that the response then
streams. A sheet holds at most 1 048 576 rows (Excel's limit), so a longer trail goes on
in a second sheet, and so on, each with the head row. Text cells go through `safe_cell`
(neutralised: "=HYPERLINK(…)" is written as "'=HYPERLINK(…)"), numbers stay numbers, and the
kronor columns carry the same number format as the budget workbook.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from adapters.budget_workbook import money_format
from adapters.spreadsheet import safe_cell, sheet_title

EXCEL_ROWS = 1_048_576
CHUNK = 64 * 1024


def _clean(value: Any) -> Any:
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


class AuditWorkbook:
    """Rows in, an .xlsx file out. `money_columns`: indexes of the kronor columns."""

    def __init__(self, title: str, heads: Sequence[str], money_columns: Iterable[int],
                 unit: str, rows_per_sheet: int = EXCEL_ROWS) -> None:
        self._book = Workbook(write_only=True)
        self._title, self._heads = sheet_title(title), list(heads)
        self._money, self._format = set(money_columns), money_format(unit)
        self._per_sheet = rows_per_sheet
        self._sheet: WriteOnlyWorksheet | None = None
        self._rows = 0
        self._sheets = 0

    def _new_sheet(self) -> WriteOnlyWorksheet:
        self._sheets += 1
        name = self._title if self._sheets == 1 else sheet_title(f"{self._title} {self._sheets}")
        sheet = self._book.create_sheet(name)
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        head = []
        for text in self._heads:
            cell = WriteOnlyCell(sheet, _clean(safe_cell(text)))
            cell.font = bold
            head.append(cell)
        sheet.append(head)
        self._rows = 1
        return sheet

    def append(self, values: Sequence[Any]) -> None:
        if self._sheet is None or self._rows >= self._per_sheet:
            self._sheet = self._new_sheet()
        sheet, row = self._sheet, []
        for i, value in enumerate(values):
            if i in self._money and value is not None:
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = self._format
                row.append(cell)
            else:
                row.append(_clean(safe_cell(value)) if value is not None else None)
        sheet.append(row)
        self._rows += 1

    def save(self) -> IO[bytes]:
        """The finished workbook, as a temporary file read from its start."""
        if self._sheet is None:
            self._sheet = self._new_sheet()
        self._book.properties.creator = "Samverkan"
        out = tempfile.TemporaryFile()  # noqa: SIM115 - the caller streams and closes it
        self._book.save(out)
        out.seek(0)
        return out


def xlsx_chunks(book: AuditWorkbook, batches: Iterable[Iterable[Sequence[Any]]]) -> Iterator[bytes]:
    """Fill the workbook batch by batch, then stream the file (nothing is sent until it is
    finished: a zip's directory comes last)."""
    for batch in batches:
        for values in batch:
            book.append(values)
    with book.save() as out:
        while chunk := out.read(CHUNK):
            yield chunk
