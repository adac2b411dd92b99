"""A budget import for the reader: the words a file may use (in every language the app speaks,
since the export wrote it in its reader's), each problem as a sentence in the reader's language,
and the call that imports (adapters/budget_import.py reads the file, domain/budget_import.py
makes the budget in one save)."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, gettext

from adapters.budget_import import ImportedBudget, Problem, Vocabulary, organisations_of, read_budget
from adapters.offload import off_loop
from domain.application import Saved
from web.app import system
from web.auth import acting
from web.errors import translated

LANGUAGES = ("sv", "nb", "en")


def vocabulary() -> Vocabulary:
    costs, incomes, totals, end, budget = set(), set(), set(), set(), set()
    for language in LANGUAGES:
        with force_locale(language):
            costs.add(gettext("Cost").casefold())
            incomes.add(gettext("Income").casefold())
            totals.update(w.casefold() for w in (gettext("Total"), gettext("Shared")))
            end.update(w.casefold() for w in (gettext("Costs"), gettext("Income"),
                                              gettext("Net cost")))
            budget.add(gettext("Budget").casefold())
    # Plain words a person may type into the template too.
    costs.update(("cost", "kostnad", "kostnad"))
    incomes.update(("income", "intäkt", "inntekt"))
    return Vocabulary(costs=costs, incomes=incomes, totals=totals, end=end, budget=budget)


def read(data: bytes, filename: str, plan: dict[str, Any]) -> ImportedBudget:
    """The file's budget for this plan (Refused or Invalid if it cannot be imported)."""
    # A large workbook takes about a second to read: off the loop, so the meeting goes on.
    return off_loop(read_budget, data, filename, organisations_of(plan["actors"]),
                    range(plan["start_year"], plan["end_year"] + 1), vocabulary())


def store(plan_id: str, budget: ImportedBudget, title: str | None, filename: str) -> Saved:
    with acting():
        return system().app.import_budget(plan_id, title or budget.title or _stem(filename),
                                          budget.years, budget.lines, filename)


def _stem(filename: str) -> str:
    return filename.rsplit(".", 1)[0] or gettext("Imported budget")


def problem_text(problem: Problem) -> str:
    """"Sheet “Budget”, row 12, cell D12: Write an amount in kronor, for example 52 000.\""""
    message = translated(problem.error)
    if problem.cell:
        return gettext("Sheet “%(sheet)s”, row %(row)d, cell %(cell)s: %(message)s",
                       sheet=problem.sheet, row=problem.row, cell=problem.cell, message=message)
    return gettext("Sheet “%(sheet)s”: %(message)s", sheet=problem.sheet, message=message)


def file_name(name: str | None) -> str:
    """The uploaded file's name without any folder, as the audit trail shows it."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:200] or "budget"
