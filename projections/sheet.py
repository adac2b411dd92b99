"""A budget sheet as the grid, pages and exports show it, and every total derived from its lines.

Lines are costs or incomes; amounts are never negative, so a line's `net` is its total for a
cost and minus its total for an income. Totals come as costs, income and net (= costs −
income) per year, per organisation (its shares of each line) and per sector. The funding gap
is on the net: net − confirmed commitments (money, and in-kind pledges at their value) toward
the budget's lines, never below 0. Per year, a commitment counts in the year it is due (one
due before the budget's first year in the first, after its last in the last).

`sheet.total`, `totals_by_year`, `by_actor[…]["total"]`/`["by_year"]` and `by_sector` keep the
shapes they had before incomes existed and hold net amounts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.shares import split_amount

Figures = dict[str, int]  # {"costs": öre, "income": öre, "net": öre}


def figures() -> Figures:
    return {"costs": 0, "income": 0, "net": 0}


@dataclass
class BudgetSheet:
    """A budget as the grid shows it, with every total derived from the lines.

    - `lines`: rows in order, each with `line_id`, `position`, `label`/`label_version`,
      `category`/`category_version`, `service_id`/`service_version`, `kind` ("cost" |
      "income")/`kind_version`, `amounts` {year: {amount, version, set_by, set_for}},
      `shares` {actor_id: {share, version, set_by, set_for}}, `total` (the line's amounts
      summed), `net` (± total), `shared` (basis points), `unallocated` (öre of the line's
      amounts no organisation has a share of), `committed` (öre), `gap` (max(net −
      committed, 0); 0 for an income), `committed_by_year` {year: öre} and `gaps` {year: öre}.
    - `by_year` {year: {costs, income, net, committed, gap}}; `costs`, `income`, `net`.
    - `by_actor` {actor_id: {name, sector, left, costs, income, net, years {year: Figures},
      committed, total (= net), by_year {year: net}}}; `sectors` {sector: Figures}.
    - `unallocated` / `unallocated_income`: costs / income no organisation has a share of.
    """

    budget: dict[str, Any]
    years: list[int]
    actors: list[dict[str, Any]]
    lines: list[dict[str, Any]] = field(default_factory=list)
    costs: int = 0
    income: int = 0
    net: int = 0
    by_year: dict[int, dict[str, int]] = field(default_factory=dict)
    by_actor: dict[str, dict[str, Any]] = field(default_factory=dict)
    sectors: dict[str, Figures] = field(default_factory=dict)
    unallocated: int = 0
    unallocated_income: int = 0
    committed: int = 0

    @property
    def total(self) -> int:
        """The net (costs − income): what the organisations have to fund together."""
        return self.net

    @property
    def totals_by_year(self) -> dict[int, int]:
        return {year: entry["net"] for year, entry in self.by_year.items()}

    @property
    def by_sector(self) -> dict[str, int]:
        return {sector: entry["net"] for sector, entry in self.sectors.items()}

    @property
    def funding_gap(self) -> int:
        """The net not yet covered by confirmed commitments toward this budget's lines."""
        return max(self.net - self.committed, 0)


def new_sheet(head: dict[str, Any], actors: list[dict[str, Any]]) -> BudgetSheet:
    years = list(head["years"])
    sheet = BudgetSheet(head, years, actors)
    sheet.by_year = {y: {**figures(), "committed": 0, "gap": 0} for y in years}
    sheet.by_actor = {a["actor_id"]: {
        "name": a["name"], "sector": a["sector"], "left": bool(a.get("left")), **figures(),
        "years": {y: figures() for y in years}, "committed": 0} for a in actors}
    return sheet


def add_line(sheet: BudgetSheet, row: dict[str, Any],
             commitments: Iterable[tuple[date, int]] = ()) -> None:
    """Add one line (with `amounts`, `shares`, `kind`) and the confirmed commitments toward it
    ((due, value) pairs) to the sheet and its totals."""
    income = row["kind"] == "income"
    sign, key = (-1, "income") if income else (1, "costs")
    shares = {a: s["share"] for a, s in row["shares"].items()}
    row["total"] = sum(cell["amount"] for cell in row["amounts"].values())
    row["net"] = sign * row["total"]
    row["shared"] = sum(shares.values())
    row["unallocated"] = 0
    row["committed_by_year"] = dict.fromkeys(sheet.years, 0)
    for due, value in commitments:
        row["committed_by_year"][_year_of(due, sheet.years)] += value
    row["committed"] = sum(row["committed_by_year"].values())
    row["gap"] = 0 if income else max(row["net"] - row["committed"], 0)
    row["gaps"] = {y: 0 if income else max(row["amounts"].get(y, {"amount": 0})["amount"]
                                           - row["committed_by_year"][y], 0)
                   for y in sheet.years}
    sheet.lines.append(row)
    sheet.committed += row["committed"]
    for year, cell in row["amounts"].items():
        _add(_year(sheet, year), key, cell["amount"])
        _year(sheet, year)["committed"] += row["committed_by_year"].get(year, 0)
        parts, rest = split_amount(cell["amount"], shares)
        row["unallocated"] += rest
        if income:
            sheet.unallocated_income += rest
        else:
            sheet.unallocated += rest
        for actor_id, part in parts.items():
            entry = sheet.by_actor.get(actor_id)
            if entry is not None:
                _add(entry, key, part)
                _add(entry["years"].setdefault(year, figures()), key, part)


def finish(sheet: BudgetSheet, committed_by_actor: dict[str, int] | None = None) -> BudgetSheet:
    """Work out what follows from the lines: each year's gap, sector totals, the legacy
    per-organisation keys (net), and each organisation's confirmed commitments."""
    sheet.costs = sum(e["costs"] for e in sheet.by_year.values())
    sheet.income = sum(e["income"] for e in sheet.by_year.values())
    sheet.net = sheet.costs - sheet.income
    for entry in sheet.by_year.values():
        entry["gap"] = max(entry["net"] - entry["committed"], 0)
    for actor_id, entry in sheet.by_actor.items():
        entry["total"] = entry["net"]
        entry["by_year"] = {y: f["net"] for y, f in entry["years"].items()}
        entry["committed"] = (committed_by_actor or {}).get(actor_id, 0)
        sector = sheet.sectors.setdefault(entry["sector"], figures())
        for key in ("costs", "income", "net"):
            sector[key] += entry[key]
    return sheet


def _year(sheet: BudgetSheet, year: int) -> dict[str, int]:
    if year not in sheet.by_year:
        sheet.by_year[year] = {**figures(), "committed": 0, "gap": 0}
    return sheet.by_year[year]


def _add(entry: dict[str, int], key: str, amount: int) -> None:
    entry[key] += amount
    entry["net"] += -amount if key == "income" else amount


def _year_of(due: date, years: list[int]) -> int:
    return min(max(due.year, years[0]), years[-1])
