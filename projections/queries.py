"""Queries on the read models: what pages, exports and the API show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from domain.budgets import split_amount
from domain.errors import NotFound
from projections.tables import (
    audit_log,
    budget,
    budget_amount,
    budget_line,
    budget_share,
    commitment,
    plan,
    plan_actor,
    plan_member,
    service,
)

COUNTED_STATUSES = ("confirmed", "delivered", "verified")  # what reduces the funding gap


def list_plans(conn: Connection, member: str | None = None) -> list[dict[str, Any]]:
    """Every plan, or (with `member`) the plans that person is a member of, with their role."""
    budgets = (select(budget.c.plan_id, func.count().label("budgets"))
               .group_by(budget.c.plan_id).subquery())
    query = (select(plan, func.coalesce(budgets.c.budgets, 0).label("budgets"))
             .outerjoin(budgets, budgets.c.plan_id == plan.c.plan_id)
             .order_by(plan.c.updated_at.desc()))
    if member is not None:
        query = query.add_columns(plan_member.c.role).join(plan_member, (
            plan_member.c.plan_id == plan.c.plan_id) & (plan_member.c.person_id == member))
    return [dict(r) for r in conn.execute(query).mappings()]


def plan_overview(conn: Connection, plan_id: str) -> dict[str, Any]:
    found = conn.execute(select(plan).where(plan.c.plan_id == plan_id)).mappings().first()
    if found is None:
        raise NotFound("No such plan.", id=plan_id)
    return {
        **found,
        "actors": actors(conn, plan_id),
        "members": [dict(r) for r in conn.execute(
            select(plan_member).where(plan_member.c.plan_id == plan_id)).mappings()],
        "budgets": [dict(r) for r in conn.execute(
            select(budget).where(budget.c.plan_id == plan_id)
            .order_by(budget.c.revision.desc())).mappings()],
        "services": services_catalogue(conn, plan_id),
    }


def actors(conn: Connection, plan_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        select(plan_actor).where(plan_actor.c.plan_id == plan_id)
        .order_by(plan_actor.c.position)).mappings()]


def services_catalogue(conn: Connection, plan_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(service).where(service.c.plan_id == plan_id)
                        .order_by(service.c.name)).mappings()
    result = []
    for row in rows:
        risks = sorted(row["risks"].items(),
                       key=lambda kv: -kv[1]["likelihood"] * kv[1]["impact"])
        result.append({**row, "risks": [{"id": k, **v, "score": v["likelihood"] * v["impact"]}
                                        for k, v in risks],
                       "kpis": [{"id": k, **v} for k, v in row["kpis"].items()]})
    return result


def commitments_ledger(conn: Connection, plan_id: str,
                       actor_id: str | None = None) -> list[dict[str, Any]]:
    query = select(commitment).where(commitment.c.plan_id == plan_id)
    if actor_id:
        query = query.where(commitment.c.actor_id == actor_id)
    return [dict(r) for r in conn.execute(
        query.order_by(commitment.c.actor_id, commitment.c.due, commitment.c.pledged_at)).mappings()]


@dataclass
class BudgetSheet:
    """A budget as the grid shows it, with every total derived from the lines."""

    budget: dict[str, Any]
    years: list[int]
    actors: list[dict[str, Any]]
    lines: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    totals_by_year: dict[int, int] = field(default_factory=dict)
    by_actor: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_sector: dict[str, int] = field(default_factory=dict)
    unallocated: int = 0
    committed: int = 0

    @property
    def funding_gap(self) -> int:
        """Cost not yet covered by confirmed commitments toward this budget's lines."""
        return max(self.total - self.committed, 0)


def add_to_totals(sheet: BudgetSheet, amounts: dict[int, dict[str, Any]],
                  shares: dict[str, int]) -> None:
    """Add one line's yearly amounts to the sheet's totals, split by the line's cost shares."""
    for year, cell in amounts.items():
        sheet.totals_by_year[year] = sheet.totals_by_year.get(year, 0) + cell["amount"]
        parts, rest = split_amount(cell["amount"], shares)
        sheet.unallocated += rest
        for actor_id, part in parts.items():
            entry = sheet.by_actor.get(actor_id)
            if entry is not None:
                entry["total"] += part
                entry["by_year"][year] = entry["by_year"].get(year, 0) + part


def budget_sheet(conn: Connection, budget_id: str) -> BudgetSheet:
    head = conn.execute(select(budget).where(budget.c.budget_id == budget_id)).mappings().first()
    if head is None:
        raise NotFound("No such budget.", id=budget_id)
    years = list(head["years"])
    plan_actors = actors(conn, head["plan_id"])
    sheet = BudgetSheet(dict(head), years, plan_actors, totals_by_year=dict.fromkeys(years, 0))
    amounts: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in conn.execute(select(budget_amount).where(budget_amount.c.budget_id == budget_id)).mappings():
        amounts[row["line_id"]][row["year"]] = dict(row)
    shares: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in conn.execute(select(budget_share).where(budget_share.c.budget_id == budget_id)).mappings():
        shares[row["line_id"]][row["actor_id"]] = dict(row)
    committed = _committed(conn, head["plan_id"], "line_id")
    sector_of = {a["actor_id"]: a["sector"] for a in plan_actors}
    sheet.by_actor = {a["actor_id"]: {"name": a["name"], "sector": a["sector"], "total": 0,
                                      "by_year": dict.fromkeys(years, 0), "committed": 0}
                      for a in plan_actors}
    lines = conn.execute(select(budget_line).where(budget_line.c.budget_id == budget_id)
                         .order_by(budget_line.c.position)).mappings()
    for line in lines:
        line_id = line["line_id"]
        line_shares = {a: s["share"] for a, s in shares[line_id].items()}
        row = {**line, "amounts": amounts[line_id], "shares": shares[line_id],
               "total": sum(a["amount"] for a in amounts[line_id].values()),
               "shared": sum(line_shares.values()), "committed": committed.get(line_id, 0)}
        row["gap"] = max(row["total"] - row["committed"], 0)
        sheet.lines.append(row)
        sheet.total += row["total"]
        sheet.committed += row["committed"]
        add_to_totals(sheet, amounts[line_id], line_shares)
    line_ids = [ln["line_id"] for ln in sheet.lines]
    for actor_id, value in _committed(conn, head["plan_id"], "actor_id", line_ids).items():
        if actor_id in sheet.by_actor:
            sheet.by_actor[actor_id]["committed"] = value
    for actor_id, entry in sheet.by_actor.items():
        sector = sector_of[actor_id]
        sheet.by_sector[sector] = sheet.by_sector.get(sector, 0) + entry["total"]
    return sheet


def _committed(conn: Connection, plan_id: str, by: str, line_ids: list[str] | None = None
               ) -> dict[str, int]:
    """Confirmed commitments' value toward budget lines, summed per line or per actor."""
    column = commitment.c[by]
    lines = (commitment.c.line_id.is_not(None) if line_ids is None
             else commitment.c.line_id.in_(line_ids))
    rows = conn.execute(
        select(column, func.sum(commitment.c.value_ore))
        .where(and_(commitment.c.plan_id == plan_id, lines,
                    commitment.c.status.in_(COUNTED_STATUSES)))
        .group_by(column)).all()
    return {key: int(total or 0) for key, total in rows}


def audit_entries(conn: Connection, plan_id: str, *, limit: int = 50,
                  before: int | None = None, **filters: Any) -> list[dict[str, Any]]:
    """Newest first; page with `before` = the last position seen (keyset paging)."""
    query = select(audit_log).where(audit_log.c.plan_id == plan_id)
    if before is not None:
        query = query.where(audit_log.c.position < before)
    for column, value in filters.items():
        if value is not None:
            query = query.where(audit_log.c[column] == value)
    rows = conn.execute(query.order_by(audit_log.c.position.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]


def view_position(conn: Connection, projection: str) -> int:
    """How far in the log a projection's views are."""
    from projections.tables import view_tracking

    return conn.execute(select(func.coalesce(func.max(view_tracking.c.notification_id), 0))
                        .where(view_tracking.c.projection == projection)).scalar_one()
