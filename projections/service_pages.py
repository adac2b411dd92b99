"""Shared services as their pages show them: the board by lifecycle stage, and one service with
the budget lines that pay for it (each organisation's part per year) and the commitments made
toward it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from domain.services import STAGES
from domain.shares import split_amount
from projections import ledger, queries


def board(services: list[dict[str, Any]], actors: dict[str, dict[str, Any]],
          organisation: str | None = None, sector: str | None = None
          ) -> dict[str, list[dict[str, Any]]]:
    """The services by stage, in stage order; only those an organisation (or a sector's
    organisations) provides, when one is given."""
    columns: dict[str, list[dict[str, Any]]] = {stage: [] for stage in STAGES}
    for s in services:
        providers = s["providers"]
        if organisation and organisation not in providers:
            continue
        if sector and not any(actors.get(a, {}).get("sector") == sector for a in providers):
            continue
        columns[s["stage"]].append(s)
    return columns


def next_stages(stage: str) -> list[str]:
    """Where a service at `stage` may go: the next stage, or ended (none once ended)."""
    if stage == "ended":
        return []
    following = STAGES[STAGES.index(stage) + 1]
    return [following] if following == "ended" else [following, "ended"]


def paid_lines(conn: Connection, overview: dict[str, Any], service_id: str) -> dict[str, Any]:
    """The lines of the plan's budgets (those that say what is asked: ledger.asked_budgets)
    linked to the service: per line its amount per year and each organisation's part of it;
    and the parts summed per organisation and year."""
    budgets, adopted = ledger.asked_budgets(overview)
    lines, by_actor = [], {}
    years: set[int] = set()
    for head in budgets:
        sheet = queries.budget_sheet(conn, head["budget_id"])
        for line in sheet.lines:
            if line["service_id"] != service_id:
                continue
            amounts = {int(y): cell["amount"] for y, cell in line["amounts"].items()}
            shares = {a: cell["share"] for a, cell in line["shares"].items()}
            parts: dict[str, dict[int, int]] = {}
            for year, amount in amounts.items():
                split, _rest = split_amount(amount, shares)
                for actor_id, part in split.items():
                    parts.setdefault(actor_id, {})[year] = part
                    total = by_actor.setdefault(actor_id, {})
                    sign = -1 if line["kind"] == "income" else 1
                    total[year] = total.get(year, 0) + sign * part
            years.update(amounts)
            lines.append({"budget": head, "line": line, "amounts": amounts, "parts": parts})
    return {"lines": lines, "by_actor": by_actor, "years": sorted(years), "adopted": adopted}


def toward(conn: Connection, plan_id: str, service_id: str, today: date) -> list[dict[str, Any]]:
    """The commitments made toward the service."""
    return [c for c in ledger.entries(conn, plan_id, today) if c["service_id"] == service_id]
