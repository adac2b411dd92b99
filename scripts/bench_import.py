"""Importing a 1 000-line budget from an .xlsx file: from the file's bytes to the budget stored
(read, checked cell by cell, one save) and to it projected (the sheet, history and audit read
models caught up), on a SQLite file as a server runs it. The HTTP upload itself (a 5 MB
multipart body at most) is not timed."""

from __future__ import annotations

import io
import statistics
import time
from pathlib import Path
from uuid import uuid4

from openpyxl import Workbook

from adapters.bootstrap import bootstrap
from adapters.budget_import import Organisation, Vocabulary, read_budget
from adapters.settings import Settings
from domain.context import acting_as
from domain.plans import Plan

YEARS = [2027, 2028, 2029]
WORDS = Vocabulary(costs={"kostnad"}, incomes={"intäkt"}, totals={"totalt", "delat"},
                   end={"kostnader", "intäkter", "nettokostnad"}, budget={"budget"})


def _workbook(lines: int, organisations: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Budgetpost", "Kategori", "Typ", *YEARS, "Totalt", *organisations, "Delat"])
    for i in range(lines):
        sheet.append([f"Rad {i}", "Drift", "Intäkt" if i % 10 == 0 else "Kostnad",
                      10_000 + i, 12_500.5, 0, None, 0.25, 0.25, 0.5, 0, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_1000_lines(workdir: Path, lines: int = 1_000, runs: int = 5) -> dict:
    system = bootstrap(Settings(data_dir=workdir / "import"))
    system.start()
    person = str(uuid4())
    names = ["Kommunen", "Butiken", "Byalaget", "Regionen"]
    try:
        with acting_as(person):
            plan_id = str(system.app.start_plan("Bench", "Här", YEARS[0], YEARS[-1]).aggregate_id)
            for name, sector in zip(names, ("public", "private", "voluntary", "public"), strict=True):
                system.app.add_actor(plan_id, name, sector)
        plan = system.app.load(Plan, plan_id)
        organisations = [Organisation(a, v["name"], v["left"]) for a, v in plan.actors.items()]
        data = _workbook(lines, names)
        stored, projected = [], []
        for run in range(runs):
            started = time.perf_counter()
            budget = read_budget(data, "budget.xlsx", organisations, range(YEARS[0], YEARS[-1] + 1),
                                 WORDS)
            with acting_as(person):
                saved = system.app.import_budget(plan_id, f"Import {run}", budget.years,
                                                 budget.lines, "budget.xlsx")
            stored.append(time.perf_counter() - started)
            system.projections.wait(saved.positions[-1], timeout=60)
            projected.append(time.perf_counter() - started)
            assert len(budget.lines) == lines
    finally:
        system.close()
    value = statistics.median(projected)
    return {"metric": "budget_import_1000_lines", "value": round(value, 2), "unit": "s",
            "stored_s": round(statistics.median(stored), 2), "lines": lines,
            "file_kb": len(data) // 1024, "target": "<= 5", "runs": runs, "met": value <= 5}
