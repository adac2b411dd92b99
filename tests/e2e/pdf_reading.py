"""Reading printed documents back: the PDF's text per page (pypdf), its characters' boxes
(pdfminer.six) to find text printed over other text, and an HTML page's tables as rows."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from html.parser import HTMLParser
from itertools import combinations
from typing import Any

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTTextContainer, LTTextLine
from pypdf import PdfReader

SPACES = re.compile(r"[\s\u00a0\u202f]+")


def plain(text: str) -> str:
    """Whitespace (also no-break spaces) as single spaces."""
    return SPACES.sub(" ", text).strip()


def pdf_pages(body: bytes) -> list[str]:
    """Each page's text, line by line, with whitespace made plain."""
    return ["\n".join(plain(line) for line in page.extract_text().splitlines())
            for page in PdfReader(io.BytesIO(body)).pages]


def pdf_lines(body: bytes) -> list[str]:
    return [line for page in pdf_pages(body) for line in page.splitlines()]


def overlapping_text(body: bytes, tolerance: float = 0.25) -> list[tuple[int, str, str]]:
    """Pairs of characters printed over each other (their boxes share more than `tolerance`
    of the smaller one's area), as (page, one, other) — e.g. a label running into its value."""
    found = []
    for number, page in enumerate(extract_pages(io.BytesIO(body)), start=1):
        chars = [c for c in _chars(page) if c.get_text().strip() and c.width > 0 and c.height > 0]
        cells: dict[tuple[int, int], list[LTChar]] = defaultdict(list)
        for char in chars:  # a coarse grid: only characters in the same cell can overlap
            for gx in range(int(char.x0 // 10), int(char.x1 // 10) + 1):
                for gy in range(int(char.y0 // 10), int(char.y1 // 10) + 1):
                    cells[(gx, gy)].append(char)
        seen: set[tuple[int, int]] = set()
        for group in cells.values():
            for a, b in combinations(group, 2):
                key = (id(a), id(b)) if id(a) < id(b) else (id(b), id(a))
                if key in seen:
                    continue
                seen.add(key)
                if _shared(a, b) > tolerance * min(a.width * a.height, b.width * b.height):
                    found.append((number, a.get_text(), b.get_text()))
    return found


def _shared(a: LTChar, b: LTChar) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width * height if width > 0 and height > 0 else 0.0


def _chars(item: Any) -> list[LTChar]:
    if isinstance(item, LTChar):
        return [item]
    return [c for child in getattr(item, "_objs", []) for c in _chars(child)]


def text_boxes(body: bytes) -> list[list[tuple[str, float, float, float, float]]]:
    """Per page, each run of text (a cell's line) as (text, x0, y0, x1, y1) in points; runs
    further apart than a character's width are separate (so table cells stay apart)."""
    pages = []
    params = LAParams(char_margin=1.0, word_margin=0.1, line_margin=0.2)
    for page in extract_pages(io.BytesIO(body), laparams=params):
        runs = []
        for box in page:
            if isinstance(box, LTTextContainer):
                for line in box:
                    if isinstance(line, LTTextLine) and line.get_text().strip():
                        runs.append((plain(line.get_text()), line.x0, line.y0, line.x1, line.y1))
        pages.append(runs)
    return pages


class TableRows(HTMLParser):
    """Every table row of a page as the texts of its cells."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None and self.rows:
            self.rows[-1].append(plain("".join(self._cell)))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_rows(page: str) -> list[list[str]]:
    parser = TableRows()
    parser.feed(page)
    return parser.rows
