"""Printable documents as PDF (fpdf2, pure Python): a title, labelled facts, paragraphs, tables.

The web layer decides the words and formats the figures (in the reader's language); this
module only lays them out on A4: facts as a two-column grid (a long label wraps inside its own
column, never over its value), tables whose headings repeat on every page they run onto, with
figures right-aligned. A document whose widest table does not fit a portrait page is laid out
in landscape; one that does not fit that either gets a smaller type size.

Fonts: a PDF reader needs the glyphs, so the font is embedded. DejaVu Sans covers å ä ö æ ø
and most scripts people's names are written in; it is used where the machine has it (Debian:
fonts-dejavu-core, which `scripts/test` installs; no PyPI package ships it on its own). Without
it the PDF falls back to the PDF core font Helvetica in Windows-1252, which still has every
Swedish and Norwegian letter; characters outside it are transliterated (ł → l, → → ->) or
shown as "?", so a PDF is always produced.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TableBordersLayout, VAlign
from fpdf.fonts import FontFace

DEJAVU_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/TTF"),
               Path("/usr/share/fonts/dejavu"), Path("/usr/local/share/fonts"))
CORE_ENCODING = "windows-1252"
_REPLACEMENTS = {"→": "->", "←": "<-", "≥": ">=", "≤": "<=", "−": "-", "≠": "!=", "\u00a0": " ",
                 "\u202f": " ", "\u2009": " ", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "\u0131": "i"}
MARGIN = 18  # mm on every side
LABEL_WIDTH = 42  # mm: the facts' label column
TABLE_SIZES = (8.5, 7.5, 6.5)  # pt: the table type size, the largest that fits
MIN_LABEL = 38  # mm: the narrowest first (label) column a table gets before a smaller size
PADDING = 1.2  # mm left and right inside a table cell


@dataclass(frozen=True)
class PrintedTable:
    """A table: a heading above it, column headings, rows of text. `numeric` columns are
    right-aligned; the last `total_rows` rows are set in bold (sums)."""

    heading: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: Sequence[bool] = ()
    total_rows: int = 0
    note: str = ""  # a line under the heading ("Amounts in kr")


@dataclass(frozen=True)
class PrintedDocument:
    title: str
    facts: Sequence[tuple[str, str]] = ()  # (label, value) lines under the title
    sections: Sequence[tuple[str, str]] = ()  # (heading, text) blocks
    footer: str = ""
    language: str = "sv"
    author: str = "Samverkan"
    created: datetime | None = None
    links: dict[str, str] = field(default_factory=dict)  # fact label → URL
    tables: Sequence[PrintedTable] = ()  # after the sections
    tables_heading: str = ""  # one heading over all the tables


def dejavu_fonts(dirs: Sequence[Path] = DEJAVU_DIRS) -> tuple[Path, Path] | None:
    """(regular, bold) DejaVu Sans files, if the machine has them."""
    for directory in dirs:
        regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def transliterate(text: str) -> str:
    """Text the core fonts can show: Windows-1252, with the rest spelled in Latin letters."""
    out = []
    for char in text:
        char = _REPLACEMENTS.get(char, char)
        try:
            char.encode(CORE_ENCODING)
        except UnicodeEncodeError:
            bare = "".join(c for c in unicodedata.normalize("NFKD", char)
                           if not unicodedata.combining(c))
            try:
                bare.encode(CORE_ENCODING)
                char = bare or "?"
            except UnicodeEncodeError:
                char = "?"
        out.append(char)
    return "".join(out)


def render_pdf(doc: PrintedDocument, *, compress: bool = True,
               fonts: tuple[Path, Path] | bool | None = True) -> bytes:
    """The document as PDF bytes. `fonts=True` finds DejaVu Sans; None/False uses the core font."""
    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    found = dejavu_fonts() if fonts is True else fonts or None
    if found:
        pdf.add_font("DejaVu", "", str(found[0]))
        pdf.add_font("DejaVu", "B", str(found[1]))
        family, shown = "DejaVu", str
    else:
        pdf.core_fonts_encoding = CORE_ENCODING
        family, shown = "Helvetica", transliterate
    pdf.set_title(shown(doc.title))
    pdf.set_author(doc.author)
    pdf.set_creator("Samverkan")
    pdf.set_lang(doc.language)
    if doc.created is not None:
        pdf.set_creation_date(doc.created)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    layout = _Layout(pdf, family, shown)
    landscape, size = layout.fit(doc.tables)
    pdf.add_page(orientation="L" if landscape else "P")

    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 8, shown(doc.title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    layout.facts(doc.facts, doc.links)
    for heading, text in doc.sections:
        layout.heading(heading, 12)
        pdf.set_font(family, "", 10)
        pdf.multi_cell(0, 5.5, shown(text), new_x="LMARGIN", new_y="NEXT")
    if doc.tables and doc.tables_heading:
        layout.heading(doc.tables_heading, 12)
    for table in doc.tables:
        layout.table(table, size)
    if doc.footer:
        pdf.ln(6)
        pdf.set_font(family, "", 8)
        pdf.multi_cell(0, 4.5, shown(doc.footer), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


class _Layout:
    def __init__(self, pdf: FPDF, family: str, shown: Callable[[str], str]) -> None:
        self.pdf, self.family, self.shown = pdf, family, shown

    def fit(self, tables: Sequence[PrintedTable]) -> tuple[bool, float]:
        """(landscape?, type size): portrait at the largest size every table fits, else
        landscape, else the smallest size (the label column then wraps more)."""
        for landscape in (False, True):
            width = (297 if landscape else 210) - 2 * MARGIN
            for size in TABLE_SIZES:
                if all(sum(self.widths(t, size)[1:]) + MIN_LABEL <= width for t in tables):
                    return landscape, size
        return True, TABLE_SIZES[-1]

    def widths(self, table: PrintedTable, size: float) -> list[float]:
        """Each column's natural width (its widest cell, or heading word, plus padding)."""
        first_total = len(table.rows) - table.total_rows
        result = []
        for j, heading in enumerate(table.columns):
            self.pdf.set_font(self.family, "B", size)
            widest = max((self.pdf.get_string_width(self.shown(w)) for w in heading.split()),
                         default=0)
            for i, row in enumerate(table.rows):
                self.pdf.set_font(self.family, "B" if i >= first_total else "", size)
                widest = max(widest, self.pdf.get_string_width(self.shown(row[j])))
            result.append(widest + 2 * PADDING + 0.6)
        return result

    def heading(self, text: str, size: float) -> None:
        self.pdf.ln(4)
        self.pdf.set_font(self.family, "B", size)
        self.pdf.multi_cell(0, size * 0.55, self.shown(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def facts(self, facts: Sequence[tuple[str, str]], links: dict[str, str]) -> None:
        if not facts:
            return
        pdf = self.pdf
        pdf.set_font(self.family, "", 10)
        with pdf.table(col_widths=(LABEL_WIDTH, pdf.epw - LABEL_WIDTH), width=pdf.epw,
                       borders_layout=TableBordersLayout.NONE, first_row_as_headings=False,
                       text_align=("LEFT", "LEFT"), v_align=VAlign.T, line_height=5.2,
                       padding=(0.8, PADDING, 0.8, 0)) as grid:
            for label, value in facts:
                row = grid.row()
                row.cell(self.shown(label), style=FontFace(emphasis="BOLD"))
                row.cell(self.shown(value), link=links.get(label) or None)
        pdf.ln(1)

    def table(self, table: PrintedTable, size: float) -> None:
        pdf = self.pdf
        self.heading(table.heading, 11)
        if table.note:
            pdf.set_font(self.family, "", 8)
            pdf.multi_cell(0, 4, self.shown(table.note), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        natural = self.widths(table, size)
        rest = sum(natural[1:])
        first = min(max(natural[0], MIN_LABEL), max(pdf.epw - rest, MIN_LABEL))
        widths = [first, *natural[1:]]
        numeric = list(table.numeric) + [False] * (len(table.columns) - len(table.numeric))
        pdf.set_font(self.family, "", size)
        bold = FontFace(emphasis="BOLD")
        with pdf.table(col_widths=tuple(widths), width=min(sum(widths), pdf.epw), align="LEFT",
                       text_align=tuple("RIGHT" if n else "LEFT" for n in numeric),
                       borders_layout=TableBordersLayout.HORIZONTAL_LINES, headings_style=bold,
                       line_height=size * 0.5, padding=(0.9, PADDING), v_align=VAlign.T,
                       repeat_headings=1) as grid:
            grid.row([self.shown(c) for c in table.columns])
            for i, cells in enumerate(table.rows):
                total = i >= len(table.rows) - table.total_rows
                grid.row([self.shown(c) for c in cells], style=bold if total else None)
