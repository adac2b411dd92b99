"""Queries on the read models: what pages, exports and the API show."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from domain.errors import NotFound
from projections.sheet import BudgetSheet, finish, new_sheet
from projections.sheet import add_line as add_to_sheet
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
    """A plan as its overview shows it: the plan's row (name, place, start_year, end_year,
    description, archived, created_at, updated_at) and

    - `actors`: its organisations in the order they were added ({actor_id, name, sector,
      position, left}; removed ones are gone, ones that left say so),
    - `members`: {person_id, role, org_id},
    - `budgets`: every budget row, newest revision first, each with `in_force` (adopted and
      not superseded),
    - `in_force`: those budgets that are in force (a revision in force supersedes the one it
      revises, so each chain of revisions has at most one),
    - `services`: as `services_catalogue`.
    """
    found = conn.execute(select(plan).where(plan.c.plan_id == plan_id)).mappings().first()
    if found is None:
        raise NotFound("No such plan.", id=plan_id)
    budgets = [{**r, "in_force": r["status"] == "adopted"} for r in conn.execute(
        select(budget).where(budget.c.plan_id == plan_id)
        .order_by(budget.c.revision.desc(), budget.c.title)).mappings()]
    return {
        **found,
        "actors": actors(conn, plan_id),
        "members": [dict(r) for r in conn.execute(
            select(plan_member).where(plan_member.c.plan_id == plan_id)).mappings()],
        "budgets": budgets,
        "in_force": [b for b in budgets if b["in_force"]],
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
                       # Rows written before KPIs said so: about people iff split by gender
                       # (as KpiDefined's upcast has it), until the view is next rebuilt.
                       "kpis": [{"id": k, "about_people": v["by_gender"], **v}
                                for k, v in row["kpis"].items()]})
    return result


def commitments_ledger(conn: Connection, plan_id: str,
                       actor_id: str | None = None) -> list[dict[str, Any]]:
    query = select(commitment).where(commitment.c.plan_id == plan_id)
    if actor_id:
        query = query.where(commitment.c.actor_id == actor_id)
    return [dict(r) for r in conn.execute(
        query.order_by(commitment.c.actor_id, commitment.c.due, commitment.c.pledged_at)).mappings()]


def budget_sheet(conn: Connection, budget_id: str) -> BudgetSheet:
    """The budget's sheet with its totals (see projections/sheet.py for the shape)."""
    head = conn.execute(select(budget).where(budget.c.budget_id == budget_id)).mappings().first()
    if head is None:
        raise NotFound("No such budget.", id=budget_id)
    sheet = new_sheet(dict(head), actors(conn, head["plan_id"]))
    amounts: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in conn.execute(select(budget_amount).where(budget_amount.c.budget_id == budget_id)).mappings():
        amounts[row["line_id"]][row["year"]] = dict(row)
    shares: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in conn.execute(select(budget_share).where(budget_share.c.budget_id == budget_id)).mappings():
        shares[row["line_id"]][row["actor_id"]] = dict(row)
    lines = list(conn.execute(select(budget_line).where(budget_line.c.budget_id == budget_id)
                              .order_by(budget_line.c.position)).mappings())
    toward_lines, by_actor = _confirmed_toward_lines(conn, head["plan_id"],
                                                     [ln["line_id"] for ln in lines])
    for line in lines:
        line_id = line["line_id"]
        add_to_sheet(sheet, {**line, "amounts": amounts[line_id], "shares": shares[line_id]},
                     toward_lines.get(line_id, []))
    return finish(sheet, by_actor)


def _confirmed_toward_lines(conn: Connection, plan_id: str, line_ids: list[str]
                            ) -> tuple[dict[str, list[tuple[date, int]]], dict[str, int]]:
    """Confirmed commitments' value toward these lines (a revision keeps its lines' ids, so
    a pledge toward a line counts in every revision of it): (due, value) per line, and the
    sum per organisation."""
    rows = conn.execute(
        select(commitment.c.line_id, commitment.c.actor_id, commitment.c.due,
               commitment.c.value_ore)
        .where(and_(commitment.c.plan_id == plan_id, commitment.c.line_id.in_(line_ids),
                    commitment.c.status.in_(COUNTED_STATUSES)))).all()
    per_line: dict[str, list[tuple[date, int]]] = defaultdict(list)
    per_actor: dict[str, int] = defaultdict(int)
    for line_id, actor_id, due, value in rows:
        per_line[line_id].append((due, int(value or 0)))
        per_actor[actor_id] += int(value or 0)
    return per_line, per_actor


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


def views_position(conn: Connection) -> int:
    """How far in the log every projection's views are (the slowest one's position)."""
    from projections.tables import view_tracking

    return conn.execute(select(func.coalesce(func.min(view_tracking.c.notification_id), 0))
                        ).scalar_one()


def view_position(conn: Connection, projection: str) -> int:
    """How far in the log a projection's views are."""
    from projections.tables import view_tracking

    return conn.execute(select(func.coalesce(func.max(view_tracking.c.notification_id), 0))
                        .where(view_tracking.c.projection == projection)).scalar_one()
