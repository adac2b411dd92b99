"""Pages: the person's plans, a plan's overview and a budget sheet (all from read models).

Only the plan's members see a plan (web.auth.require asks the application, as commands do).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import get_locale

from projections import queries
from projections.decisions import plan_decisions
from web.app import system
from web.auth import current_person_id, require
from web.decision_document import superseding_decision
from web.formatting import CURRENCY_SUFFIX
from web.people import display_names

bp = Blueprint("plans", __name__)


@bp.get("/")
def index() -> str:
    with system().engine.connect() as conn:
        plans = queries.list_plans(conn, member=current_person_id())
    return render_template("plans.html", plans=plans)


@bp.get("/plans/<plan_id>")
def plan(plan_id: str) -> str:
    me = require(plan_id)
    with system().engine.connect() as conn:
        overview = queries.plan_overview(conn, plan_id)
        decisions = {d["decision_id"]: d for d in plan_decisions(conn, overview["plan_id"])}
    names = display_names({m["person_id"] for m in overview["members"]})
    budgets = {b["budget_id"]: b for b in overview["budgets"]}
    return render_template("plan.html", plan=overview, names=names, my_role=me["role"],
                           decisions=decisions, budgets=budgets,
                           manage=me["role"] == "facilitator" and not overview["archived"])


@bp.get("/budgets/<budget_id>")
def budget(budget_id: str) -> str:
    """The budget sheet: a plain table, which the live grid (static/js) takes over."""
    with system().engine.connect() as conn:
        sheet = queries.budget_sheet(conn, budget_id)
        me = require(sheet.budget["plan_id"])
        overview = queries.plan_overview(conn, sheet.budget["plan_id"])
        decisions = {d["decision_id"]: d for d in plan_decisions(conn, overview["plan_id"])}
        superseded = (superseding_decision(conn, overview["plan_id"], sheet.budget,
                                           overview["budgets"])
                      if sheet.budget["status"] == "superseded" else None)
    locale = str(get_locale() or "sv")
    categories = sorted({line["category"] for line in sheet.lines if line["category"]})
    return render_template("budget.html", sheet=sheet, plan=overview, locale=locale,
                           currency=CURRENCY_SUFFIX.get(locale.split("_")[0], "kr"),
                           categories=categories, my_role=me["role"], my_org=me.get("org_id"),
                           superseded=superseded,
                           adopted_by=decisions.get(sheet.budget["decision_id"] or ""))
