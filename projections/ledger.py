"""The commitments ledger as people read it: each commitment with its value, what is delivered
and whether it is overdue, and per organisation and year what its share of the budget asks of
it beside what it has pledged, confirmed, delivered and had verified.

Values are öre. A money commitment is worth its amount; an in-kind one (hours, premises,
equipment) is worth the value given with it, or nothing countable when none was given (it is
still listed, described). What is delivered of an in-kind commitment is valued pro rata. A
commitment counts in the year it is due, clamped to the plan's years, as the budget sheet
counts it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from projections import queries
from projections.queries import COUNTED_STATUSES
from projections.tables import budget, budget_line

OPEN_STATUSES = ("pledged", "confirmed")  # still to be delivered: may be overdue
STATUS_ORDER = ("pledged", "confirmed", "delivered", "verified", "withdrawn")


def delivered_value(row: dict[str, Any]) -> int | None:
    """What the deliveries so far are worth (in-kind pro rata to the value given)."""
    if row["value_ore"] is None:
        return None
    if row["kind"] == "money":
        return int(row["delivered"])
    return int(row["value_ore"]) * int(row["delivered"]) // int(row["quantity"])


def entries(conn: Connection, plan_id: str, today: date,
            actor_id: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """The plan's commitments (one organisation's, one status's), each with `value`,
    `delivered_value`, `remaining` (quantity still to deliver) and `overdue`."""
    rows = queries.commitments_ledger(conn, plan_id, actor_id)
    found = []
    for row in rows:
        if status and row["status"] != status:
            continue
        found.append({**row, "value": row["value_ore"], "delivered_value": delivered_value(row),
                      "remaining": max(int(row["quantity"]) - int(row["delivered"]), 0),
                      "overdue": row["status"] in OPEN_STATUSES and row["due"] < today})
    return found


def asked_budgets(overview: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The budgets whose shares say what each organisation is asked to pay: those in force;
    before any is adopted, every budget not superseded (and False: not yet adopted)."""
    if overview["in_force"]:
        return overview["in_force"], True
    return [b for b in overview["budgets"] if b["status"] != "superseded"], False


def asked_sheets(conn: Connection, overview: dict[str, Any]) -> dict[str, Any]:
    """The sheets of the budgets that say what each organisation is asked to pay, by id."""
    return {b["budget_id"]: queries.budget_sheet(conn, b["budget_id"])
            for b in asked_budgets(overview)[0]}


def balance(conn: Connection, overview: dict[str, Any], today: date,
            sheets: dict[str, Any] | None = None,
            rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Per organisation and year: `asked` (its net share of the budgets), `pledged` (open
    pledges), `confirmed` (confirmed or further), `delivered` and `verified`, all in öre, and
    `unconfirmed` = max(asked − confirmed, 0); the same summed over the years as `total`.
    A page that has read the asked budgets' `sheets` or the plan's `entries` passes them."""
    years = list(range(overview["start_year"], overview["end_year"] + 1))
    budgets, adopted = asked_budgets(overview)
    if sheets is None:
        sheets = asked_sheets(conn, overview)
    if rows is None:
        rows = entries(conn, overview["plan_id"], today)
    table: dict[str, dict[int, dict[str, int]]] = {
        a["actor_id"]: {y: dict.fromkeys(("asked", "pledged", "confirmed", "delivered",
                                          "verified"), 0) for y in years}
        for a in overview["actors"]}
    for head in budgets:
        sheet = sheets[head["budget_id"]]
        for actor_id, figures in sheet.by_actor.items():
            for year, of_year in figures["years"].items():
                if actor_id in table and year in table[actor_id]:
                    table[actor_id][year]["asked"] += of_year["net"]
    for row in rows:
        cells = table.get(row["actor_id"])
        if cells is None or row["value"] is None or row["status"] == "withdrawn":
            continue
        cell = cells[min(max(row["due"].year, years[0]), years[-1])]
        if row["status"] == "pledged":
            cell["pledged"] += row["value"]
        if row["status"] in COUNTED_STATUSES:
            cell["confirmed"] += row["value"]
        cell["delivered"] += row["delivered_value"] or 0
        if row["status"] == "verified":
            cell["verified"] += row["value"]
    result: dict[str, Any] = {"years": years, "adopted": adopted, "budgets": budgets,
                              "actors": {}}
    for actor_id, by_year in table.items():
        total: dict[str, int] = defaultdict(int)
        for cell in by_year.values():
            cell["unconfirmed"] = max(cell["asked"] - cell["confirmed"], 0)
            for key, value in cell.items():
                total[key] += value
        result["actors"][actor_id] = {"years": by_year, "total": dict(total)}
    return result


def line_labels(conn: Connection, plan_id: str) -> dict[str, str]:
    """Each budget line's label by its id (a line keeps its id through revisions: the newest
    revision's label wins)."""
    rows = conn.execute(
        select(budget_line.c.line_id, budget_line.c.label)
        .join(budget, budget.c.budget_id == budget_line.c.budget_id)
        .where(budget.c.plan_id == plan_id).order_by(budget.c.revision)).all()
    return {line_id: label for line_id, label in rows}
