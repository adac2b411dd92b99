"""The grid's totals (web/static/js/totals.js, in chromium) are the server's
(projections/sheet.py, as the sheet JSON carries them): costs, income and net per year,
organisation and sector, each line's net, shared part and unallocated amount, confirmed
commitments and the funding gap — for cost and income lines alike."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from projections.sheet import add_line, finish, new_sheet
from tests.e2e.browser_support import (  # noqa: F401 (fixtures)
    Person,
    Server,
    browser_fixture,
    needs_browser,
    shared_server_fixture,
)
from web.schemas import totals as sheet_totals

pytestmark = [needs_browser, pytest.mark.slow, pytest.mark.timeout(60)]
YEARS = [2027, 2028, 2029]
ACTORS = [{"actor_id": f"00000000-0000-4000-8000-00000000000{i}", "name": f"Org {i}",
           "sector": sector} for i, sector in enumerate(["public", "public", "private", "academic"])]


@pytest.fixture(scope="module")
def page(browser: Any, shared_server: Server) -> Iterator[Any]:
    person = Person(browser, shared_server, "nobody")
    person.page.goto(shared_server.url + "/sign-in")  # any page of the site: the modules are public
    try:
        yield person.page
    finally:
        person.close()


def _sheet(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """A random budget: the lines as the grid has them, and the server's totals of them."""
    sheet = new_sheet({"years": YEARS}, ACTORS)
    lines = []
    for n in range(rng.randint(0, 8)):
        left, shares = 10_000, {}
        for actor in rng.sample(ACTORS, rng.randint(0, len(ACTORS))):
            bps = min(left, rng.choice([0, 1, 2500, 3333, 5000, rng.randint(0, left)]))
            shares[actor["actor_id"]] = {"share": bps, "version": 1}
            left -= bps
        row = {"line_id": f"line-{n}", "kind": rng.choice(["cost", "income"]),
               "amounts": {y: {"amount": rng.choice([0, 1, 99, rng.randint(0, 10**9)]), "version": 1}
                           for y in YEARS},
               "shares": shares}
        pledges = [(date(rng.choice([2026, *YEARS, 2030]), 6, 1), rng.randint(0, 10**8))
                   for _ in range(rng.randint(0, 2))]
        lines.append({"line_id": row["line_id"], "kind": row["kind"],
                      "amounts": {str(y): dict(c) for y, c in row["amounts"].items()},
                      "shares": {a: dict(s) for a, s in shares.items()}})
        add_line(sheet, row, pledges)
    server = sheet_totals(finish(sheet))
    return {"years": YEARS, "actors": ACTORS, "lines": lines}, server


def test_the_grids_totals_are_the_servers_for_costs_and_incomes(page: Any) -> None:
    rng = random.Random(20270611)
    cases = [_sheet(rng) for _ in range(300)]
    got = page.evaluate("""async cases => {
        const { sheetTotals } = await import('/static/js/totals.js');
        const text = (f) => ({costs: String(f.costs), income: String(f.income), net: String(f.net)});
        return cases.map(([view, server]) => {
            const commitments = new Map(Object.entries(server.lines).map(([id, l]) => [
                id, { committed: l.committed, byYear: l.committed_by_year }]));
            const t = sheetTotals(view, commitments);
            return {
                ...text(t), committed: String(t.committed), funding_gap: String(t.gap),
                unallocated: String(t.unallocated), unallocated_income: String(t.unallocatedIncome),
                by_year: Object.fromEntries([...t.byYear].map(([y, f]) => [y, {...text(f),
                    committed: String(f.committed), gap: String(f.gap)}])),
                by_actor: Object.fromEntries([...t.byActor].map(([a, f]) => [a, text(f)])),
                by_sector: Object.fromEntries([...t.bySector].map(([s, f]) => [s, text(f)])),
                lines: Object.fromEntries([...t.lines].map(([id, l]) => [id, {net: String(l.net),
                    committed: String(l.committed), gap: String(l.gap)}])),
            };
        });
    }""", cases)
    for (_, server), client in zip(cases, got, strict=True):
        as_text = {k: str(v) for k, v in server.items() if isinstance(v, int)}
        for key in ("costs", "income", "net", "committed", "funding_gap", "unallocated",
                    "unallocated_income"):
            assert client[key] == as_text[key], key
        assert client["by_year"] == {y: {k: str(v) for k, v in e.items()}
                                     for y, e in server["by_year"].items()}
        assert client["by_actor"] == {a: {k: str(e[k]) for k in ("costs", "income", "net")}
                                      for a, e in server["by_actor"].items()}
        assert client["by_sector"] == {s: {k: str(v) for k, v in e.items()}
                                       for s, e in server["by_sector"].items()}
        assert client["lines"] == {i: {k: str(e[k]) for k in ("net", "committed", "gap")}
                                   for i, e in server["lines"].items()}
