"""JSON for the live budget page (and, later, the REST API)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from projections import queries
from web.app import system
from web.auth import require
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
