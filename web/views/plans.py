"""Pages: the list of plans, a plan's overview and a budget sheet (all from read models)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import get_locale

from projections import queries
from web.app import system
from web.formatting import CURRENCY_SUFFIX

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
    """The budget sheet: a plain table, which the live grid (static/js) takes over."""
    with system().engine.connect() as conn:
        sheet = queries.budget_sheet(conn, budget_id)
        overview = queries.plan_overview(conn, sheet.budget["plan_id"])
    locale = str(get_locale() or "sv")
    categories = sorted({line["category"] for line in sheet.lines if line["category"]})
    return render_template("budget.html", sheet=sheet, plan=overview, locale=locale,
                           currency=CURRENCY_SUFFIX.get(locale.split("_")[0], "kr"),
                           categories=categories)
