"""A budget's lifecycle from its page (propose, return to draft, start a revision), its years
and its exports (xlsx, CSV: any reader of the plan).

Each is one application call as the signed-in person; the application refuses anyone whose
role may not decide budgets (403), whatever the page showed them. Proposing and starting a
revision first show a confirmation page (GET) that says what will happen; its button posts.
A budget is adopted only by a recorded decision (web/views/decisions.py): there is no route
that adopts one by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from adapters.budget_workbook import csv_text, workbook_bytes
from domain.access import DECIDE_BUDGET
from domain.application import Saved
from domain.budgets import Budget
from domain.errors import RuleViolated
from domain.usecases import Samverkan
from projections import queries
from web.app import system
from web.auth import acting, require, safe_next, token_readable
from web.budget_export import budget_export, filename
from web.errors import payload_for, refusal
from web.form_pages import require_open
from web.formatting import money
from web.forms_plans import YearSchema
from web.views.members import wait_for
from web.vocabulary import term

bp = Blueprint("budgets", __name__, url_prefix="/budgets/<budget_id>")


def _decide(budget_id: str, command: Callable[[Samverkan], Saved], done: str,
            to_new: bool = False) -> Any:
    # The right first, so that anyone else hears "not allowed" (403), never how far the
    # budget is (start_revision checks the status before it checks who asks).
    require(system().app.load(Budget, budget_id, copy=False).plan_id, DECIDE_BUDGET)
    with acting():
        saved = command(system().app)
    wait_for(saved)
    flash(done)
    return redirect(url_for("plans.budget", budget_id=saved.aggregate_id if to_new else budget_id))


def _confirm(budget_id: str, action: str, wanted: str) -> Any:
    """The confirmation page of an action (`propose`, `revision`) on a budget in the status
    it needs (`wanted`); any other status is refused with the page that says why."""
    require(system().app.load(Budget, budget_id, copy=False).plan_id, DECIDE_BUDGET)
    with system().engine.connect() as conn:
        sheet = queries.budget_sheet(conn, budget_id)
        plan = queries.plan_overview(conn, sheet.budget["plan_id"])
    require_open(plan)
    if sheet.budget["status"] != wanted:  # a page left open after someone else went on
        flash(gettext("There is nothing to confirm: the budget is %(status)s.",
                      status=term(sheet.budget["status"])))
        return redirect(url_for("plans.budget", budget_id=budget_id))
    return render_template("budget_confirm.html", action=action, sheet=sheet, plan=plan,
                           lines=len(sheet.lines)), 200, {"Cache-Control": "no-store"}


@bp.get("/propose")
def confirm_propose(budget_id: str) -> Any:
    return _confirm(budget_id, "propose", "draft")


@bp.get("/revision")
def confirm_revision(budget_id: str) -> Any:
    return _confirm(budget_id, "revision", "adopted")


@bp.post("/propose")
def propose(budget_id: str) -> Any:
    return _decide(budget_id, lambda app: app.propose_budget(budget_id),
                   gettext("The budget is proposed for decision; it can no longer be edited."))


@bp.post("/return-to-draft")
def return_to_draft(budget_id: str) -> Any:
    return _decide(budget_id, lambda app: app.return_budget_to_draft(budget_id),
                   gettext("The budget is a draft again and can be edited."))


@bp.post("/revision")
def revision(budget_id: str) -> Any:
    return _decide(budget_id, lambda app: app.start_revision(budget_id),
                   gettext("A new draft revision is started from the adopted budget."), to_new=True)


@bp.get("/export.xlsx")
@token_readable
def export_xlsx(budget_id: str) -> Response:
    """The budget as an Excel workbook, for anyone who may read it (README, "Excel")."""
    export = budget_export(budget_id)
    return _download(workbook_bytes(export), XLSX, filename(export, "xlsx"))


@bp.get("/export.csv")
@token_readable
def export_csv(budget_id: str) -> Response:
    """The budget sheet as CSV (the workbook's first sheet, each total as its value)."""
    export = budget_export(budget_id)
    return _download(csv_text(export).encode("utf-8"), "text/csv; charset=utf-8",
                     filename(export, "csv"))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.post("/years")
def add_year(budget_id: str) -> Any:
    d = YearSchema().load(request.form)
    with acting():
        saved = system().app.add_budget_year(budget_id, d["year"])
    return _back(saved, d["next"], gettext("The year %(year)d is added to the budget.",
                                           year=d["year"]))


@bp.post("/years/<year>/remove")
def remove_year(budget_id: str, year: str) -> Any:
    d = YearSchema().load({**request.form.to_dict(), "year": year})  # a bad year: a 400 page
    try:
        with acting():
            saved = system().app.remove_budget_year(budget_id, d["year"])
    except RuleViolated as error:
        if not error.details.get("lines"):
            raise
        # Which lines still hold money that year, one a line, and the way back to them.
        lines = [f"{line['label']}: {money(line['amount'])}" for line in error.details["lines"]]
        return refusal(422, payload_for(error), lines, links=[
            (url_for("plans.budget", budget_id=budget_id), gettext("Back to the budget"))])
    return _back(saved, d["next"], gettext("The year %(year)d is removed from the budget.",
                                           year=d["year"]))


def _back(saved: Saved, next_page: str, done: str) -> Any:
    wait_for(saved)
    flash(done)
    return redirect(safe_next(next_page) if next_page else
                    url_for("plans.budget", budget_id=str(saved.aggregate_id)))
