"""JSON for the live budget page (and, later, the REST API)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import Schema, fields

from projections import queries
from web.app import system
from web.auth import current_person_id, require
from web.schemas import SheetSchema

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
    name = system().people.display_names([person_id])[person_id]
    return MeSchema().dump({"person_id": person_id, "name": name, "plans": plans})
