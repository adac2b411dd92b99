"""JSON for the live budget page (and, later, the REST API)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import Schema, fields

from projections import queries
from web.app import system
from web.auth import current_person_id, require
from web.people import display_names
from web.schemas import ActorSchema, BudgetHeadSchema, SheetSchema

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/budgets/<budget_id>/sheet")
def budget_sheet(budget_id: str) -> dict[str, Any]:
    """The budget as the grid shows it, with the log position it includes."""
    with system().engine.connect() as conn:
        position = queries.view_position(conn, "budget_sheet")  # read before the rows
        sheet = queries.budget_sheet(conn, budget_id)
    require(sheet.budget["plan_id"])
    return SheetSchema().dump({"position": position, "sheet": sheet})


class MyPlanSchema(Schema):
    plan_id = fields.String()
    name = fields.String()
    role = fields.String()


class PlanListItemSchema(MyPlanSchema):
    place = fields.String()
    start_year = fields.Integer()
    end_year = fields.Integer()
    budgets = fields.Integer()


class PlanListSchema(Schema):
    plans = fields.List(fields.Nested(PlanListItemSchema))


class PlanHeadSchema(Schema):
    plan_id = fields.String()
    name = fields.String()
    place = fields.String()
    start_year = fields.Integer()
    end_year = fields.Integer()
    description = fields.String()
    archived = fields.Boolean()
    gender_split_required = fields.Boolean()  # KPIs about people must be split by gender


class MembershipSchema(Schema):
    role = fields.String()
    org_id = fields.String(allow_none=True)


class PlanDetailSchema(Schema):
    plan = fields.Nested(PlanHeadSchema)
    you = fields.Nested(MembershipSchema)
    organisations = fields.List(fields.Nested(ActorSchema))
    budgets = fields.List(fields.Nested(BudgetHeadSchema))


class MeSchema(Schema):
    person_id = fields.String()
    name = fields.String()
    plans = fields.List(fields.Nested(MyPlanSchema))


@bp.get("/me")
def me() -> dict[str, Any]:
    """Who the request is made as (a page session or an API token), and their plans and roles."""
    person_id = current_person_id() or ""
    with system().engine.connect() as conn:
        plans = queries.list_plans(conn, member=person_id)
    name = display_names([person_id])[person_id]
    return MeSchema().dump({"person_id": person_id, "name": name, "plans": plans})


@bp.get("/plans")
def my_plans() -> dict[str, Any]:
    """The plans the person is a member of, with their role and how many budgets each has."""
    with system().engine.connect() as conn:
        plans = queries.list_plans(conn, member=current_person_id() or "")
    return PlanListSchema().dump({"plans": plans})


@bp.get("/plans/<plan_id>")
def plan_detail(plan_id: str) -> dict[str, Any]:
    """One plan for its members: its organisations and budgets (status, revision, version)."""
    membership = require(plan_id)  # from the plan itself: 404 unknown, 403 not a member
    with system().engine.connect() as conn:
        plan = queries.plan_overview(conn, plan_id)
    return PlanDetailSchema().dump({"plan": plan, "you": membership,
                                    "organisations": plan["actors"], "budgets": plan["budgets"]})
