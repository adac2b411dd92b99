"""Printable documents as PDF (fpdf2, pure Python): a title, labelled facts, paragraphs.

The web layer decides the words (in the reader's language); this module only lays them out.

Fonts: a PDF reader needs the glyphs, so the font is embedded. DejaVu Sans covers å ä ö æ ø
and most scripts people's names are written in; it is used where the machine has it (Debian:
fonts-dejavu-core, which `scripts/test` installs; no PyPI package ships it on its own). Without
it the PDF falls back to the PDF core font Helvetica in Windows-1252, which still has every
Swedish and Norwegian letter; characters outside it are transliterated (ł → l, → → ->) or
shown as "?", so a PDF is always produced.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

DEJAVU_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/TTF"),
               Path("/usr/share/fonts/dejavu"), Path("/usr/local/share/fonts"))
CORE_ENCODING = "windows-1252"
_REPLACEMENTS = {"→": "->", "←": "<-", "≥": ">=", "≤": "<=", "−": "-", "≠": "!=", "\u00a0": " ",
                 "\u202f": " ", "\u2009": " ", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "\u0131": "i"}


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
    pdf.set_title(doc.title)
    pdf.set_author(doc.author)
    pdf.set_creator("Samverkan")
    pdf.set_lang(doc.language)
    if doc.created is not None:
        pdf.set_creation_date(doc.created)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 8, shown(doc.title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for label, value in doc.facts:
        pdf.set_font(family, "B", 10)
        pdf.cell(45, 6, shown(label))
        pdf.set_font(family, "", 10)
        link = doc.links.get(label, "")
        pdf.multi_cell(0, 6, shown(value), link=link, new_x="LMARGIN", new_y="NEXT")
    for heading, text in doc.sections:
        pdf.ln(4)
        pdf.set_font(family, "B", 12)
        pdf.multi_cell(0, 7, shown(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 10)
        pdf.multi_cell(0, 5.5, shown(text), new_x="LMARGIN", new_y="NEXT")
    if doc.footer:
        pdf.ln(6)
        pdf.set_font(family, "", 8)
        pdf.multi_cell(0, 4.5, shown(doc.footer), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
