"""The budget file reader on its own: each cell's problem where it is, shares as fractions or
per cent text, amounts as numbers or Swedish-written text, and the sheet's own problems."""

from __future__ import annotations

import pytest

from adapters.budget_import import Invalid, Organisation, Vocabulary, read_budget

WORDS = Vocabulary(costs={"kostnad", "cost"}, incomes={"intäkt", "income"},
                   totals={"totalt", "delat"}, end={"kostnader", "intäkter", "nettokostnad"},
                   budget={"budget"})
ORGS = [Organisation("k", "Kommunen", False), Organisation("b", "Butiken", False),
        Organisation("gone", "Gamla föreningen", True)]


def _read(text: str, name: str = "b.csv") -> object:
    return read_budget(text.encode(), name, ORGS, range(2027, 2030), WORDS)


def _problems(text: str) -> list[tuple[str | None, str]]:
    with pytest.raises(Invalid) as caught:
        _read(text)
    return [(p.cell, p.error.message) for p in caught.value.problems]


def test_amounts_and_shares_are_read_in_the_ways_people_write_them() -> None:
    budget = _read("Budgetpost;Kategori;Typ;2027;2028;Totalt;Kommunen;BUTIKEN;Delat\r\n"
                   "Hyra;Lokal;;52 000;12 500,50;=SUM(D2:E2);25 %;0.5;\r\n"
                   "\r\n"
                   "Bidrag;;Intäkt;1000.5;;;;;\r\n"
                   "Kostnader;;;;;;;;\r\n"
                   "Ignored after the totals;;;x;;;;;\r\n")
    rent, grant = budget.lines
    assert budget.years == [2027, 2028]
    assert (rent.kind, rent.amounts, rent.shares) == ("cost", {2027: 5_200_000, 2028: 1_250_050},
                                                     {"k": 2_500, "b": 5_000})
    assert (grant.kind, grant.amounts, grant.shares) == ("income", {2027: 100_050}, {})


def test_every_wrong_cell_is_named() -> None:
    problems = _problems(
        "Budgetpost,Kategori,Typ,2027,2028,Kommunen,Butiken,Gamla föreningen\r\n"
        "Hyra,,,1.005,,60 %,50 %,\r\n"
        "Lön,,Gåva,,-1,1.5,,10 %\r\n")
    assert [cell for cell, _ in problems] == ["D2", "G2", "C3", "E3", "F3", "H3"]
    assert "at most 100 %" in problems[1][1] and "has left the plan" in problems[5][1]


def test_years_outside_the_plan_or_not_following_one_another_are_named_in_the_head_row() -> None:
    assert [c for c, _ in _problems("Budgetpost,Kategori,Typ,2026,2028\r\nHyra,,,1,1\r\n")] == [
        "D1", "E1"]


def test_a_sheet_without_a_head_row_says_what_it_needs() -> None:
    problems = _problems("Hello,world\r\n")
    assert problems[0][0] is None and "column D" in problems[0][1]
