"""Pages: the list of plans, a plan's overview and a budget sheet (all from read models)."""

from __future__ import annotations

from flask import Blueprint, render_template

from projections import queries
from web import system

bp = Blueprint("plans", __name__)


@bp.get("/")
def index() -> str:
    with system().engine.connect() as conn:
        plans = queries.list_plans(conn)
    return render_template("plans.html", plans=plans)


@bp.get("/plans/<plan_id>")
def plan(plan_id: str) -> str:
    with system().engine.connect() as conn:
        overview = queries.plan_overview(conn, plan_id)
    names = system().people.display_names({m["person_id"] for m in overview["members"]})
    return render_template("plan.html", plan=overview, names=names)


@bp.get("/budgets/<budget_id>")
def budget(budget_id: str) -> str:
    with system().engine.connect() as conn:
        sheet = queries.budget_sheet(conn, budget_id)
        overview = queries.plan_overview(conn, sheet.budget["plan_id"])
    return render_template("budget.html", sheet=sheet, plan=overview)
