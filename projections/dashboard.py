"""The figures of a plan's dashboard, each as a small table (the charts draw these very tables,
and each is downloadable as CSV): funding by sector per year, cost, income and funding gap per
year, commitments by organisation and status, KPI measurements against their targets, the open
risks by score, and the services per stage.

The budget figures are those of the budgets that say what is asked (projections/ledger.py:
the budgets in force, or every budget not superseded before any is adopted), summed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from domain.plans import SECTORS
from domain.services import STAGES
from projections import ledger, queries

Table = dict[str, Any]  # {"columns": [...], "rows": [[...], ...]}; money in öre


def figures(conn: Connection, overview: dict[str, Any], today: date) -> dict[str, Any]:
    budgets, adopted = ledger.asked_budgets(overview)
    sheets = [queries.budget_sheet(conn, b["budget_id"]) for b in budgets]
    years = sorted({y for sheet in sheets for y in sheet.years})
    entries = ledger.entries(conn, overview["plan_id"], today)
    return {
        "adopted": adopted, "budgets": budgets, "years": years,
        "sectors": _sectors(sheets, years), "gap": _gap(sheets, years),
        "commitments": _commitments(overview, entries),
        "kpis": _kpis(overview["services"]), "risks": _risks(overview),
        "stages": {stage: [s for s in overview["services"] if s["stage"] == stage]
                   for stage in STAGES},
    }


def _sectors(sheets: list[Any], years: list[int]) -> Table:
    """Net cost per sector (rows) and year (columns)."""
    cells = {sector: dict.fromkeys(years, 0) for sector in SECTORS}
    for sheet in sheets:
        for entry in sheet.by_actor.values():
            for year, of_year in entry["years"].items():
                cells.setdefault(entry["sector"], dict.fromkeys(years, 0))[year] += of_year["net"]
    return {"columns": years, "rows": [[sector, *cells[sector].values()] for sector in cells]}


def _gap(sheets: list[Any], years: list[int]) -> Table:
    """Per year (rows): costs, income, net, confirmed commitments and the funding gap."""
    keys = ("costs", "income", "net", "committed", "gap")
    rows = []
    for year in years:
        rows.append([year, *(sum(s.by_year.get(year, {}).get(k, 0) for s in sheets)
                             for k in keys)])
    return {"columns": list(keys), "rows": rows}


def _commitments(overview: dict[str, Any], entries: list[dict[str, Any]]) -> Table:
    """Per organisation (rows): the value of its commitments in each status (öre; in-kind
    commitments at the value given with them) and how many of them are overdue."""
    statuses = list(ledger.STATUS_ORDER)
    cells = {a["actor_id"]: dict.fromkeys([*statuses, "overdue"], 0) for a in overview["actors"]}
    for c in entries:
        row = cells.get(c["actor_id"])
        if row is None:
            continue
        row[c["status"]] += c["value"] or 0
        row["overdue"] += 1 if c["overdue"] else 0
    return {"columns": [*statuses, "overdue"],
            "rows": [[a["actor_id"], *cells[a["actor_id"]].values()] for a in overview["actors"]]}


def _kpis(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each KPI with its service, target and measurements in date order (with the split)."""
    found = []
    for s in services:
        for k in s["kpis"]:
            found.append({"service": s["name"], "service_id": s["service_id"], "id": k["id"],
                          "name": k["name"], "unit": k["unit"], "target": k["target"],
                          "by_gender": k["by_gender"],
                          "measurements": sorted(k["measurements"], key=lambda m: m["on"])})
    return found


def _risks(overview: dict[str, Any]) -> list[dict[str, Any]]:
    """Every risk of a service that has not ended, highest score first."""
    risks = [{**r, "service": s["name"], "service_id": s["service_id"]}
             for s in overview["services"] if s["stage"] != "ended" for r in s["risks"]]
    return sorted(risks, key=lambda r: (-r["score"], r["title"]))
