"""Starting and shaping a plan: the new-plan form, the plan's details, archiving (with a
confirmation page) and new budgets.

Each form posts (CSRF like every form) to one application call as the signed-in person, then
goes back (to the form's `next`, else the new thing's page) with a message. The application
decides who may (anyone signed in starts a plan and becomes its facilitator; the rest is a
facilitator's); a refusal shows the form again with the reason next to its field, nothing
stored. Organisations have their own page (web/views/organisations.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext

from domain.access import MANAGE_PLAN, SHAPE_BUDGET
from domain.plans import MAX_DESCRIPTION
from projections import queries
from web.app import system
from web.auth import require
from web.form_pages import require_open, submit
from web.forms_plans import (
    ArchiveSchema,
    BudgetSchema,
    GenderSplitSchema,
    PlanDetailsSchema,
    PlanSchema,
)
from web.request_limits import FORM_BODY, body_limit

bp = Blueprint("plans_admin", __name__)
#: A description at its longest: every character 4 UTF-8 bytes, percent-encoded (12 bytes).
PLAN_BODY = 12 * MAX_DESCRIPTION + FORM_BODY
NO_STORE = {"Cache-Control": "no-store"}


def _overview(plan_id: str, right: Any) -> dict[str, Any]:
    require(plan_id, right)
    with system().engine.connect() as conn:
        return queries.plan_overview(conn, plan_id)


def _plan_page(plan_id: str) -> Any:
    return lambda _: url_for("plans.plan", plan_id=plan_id)


# ---- a new plan, and its details ---------------------------------------------------------------

def _plan_form(status: int = 200, errors: dict[str, list[str]] | None = None,
               alert: str | None = None, form: dict[str, Any] | None = None,
               plan: dict[str, Any] | None = None, settings: dict[str, Any] | None = None) -> Any:
    """The new-plan form, or a plan's details and settings (`settings`: what the settings
    form says, with its `errors` and `alert` when it was refused)."""
    if plan is not None and form is None:
        form = {k: plan[k] for k in ("name", "place", "description")}
    settings = settings or {"form": {"gender_split_required": plan and
                                     plan["gender_split_required"]}}
    return render_template("plan_form.html", errors=errors or {}, alert=alert, form=form or {},
                           plan=plan, settings=settings), status, NO_STORE


@bp.get("/plans/new")
def new_plan() -> Any:
    return _plan_form()


@bp.post("/plans")
@body_limit(PLAN_BODY)
def create() -> Any:
    return submit(PlanSchema(), request.form,
                  lambda status, errors, alert, sent: _plan_form(status, errors, alert, sent),
                  lambda app, d: app.start_plan(d["name"], d["place"], d["start_year"],
                                                d["end_year"], d["description"]),
                  gettext("The plan is started. You are its facilitator."),
                  lambda saved: url_for("plans.plan", plan_id=str(saved.aggregate_id)))


@bp.get("/plans/<plan_id>/details")
def details_form(plan_id: str) -> Any:
    plan = _overview(plan_id, MANAGE_PLAN)
    require_open(plan)
    return _plan_form(plan=plan)


@bp.post("/plans/<plan_id>/details")
@body_limit(PLAN_BODY)
def change_details(plan_id: str) -> Any:
    plan = _overview(plan_id, MANAGE_PLAN)
    return submit(PlanDetailsSchema(), request.form,
                  lambda status, errors, alert, sent: _plan_form(status, errors, alert, sent, plan),
                  lambda app, d: app.change_plan_details(plan_id, d["name"], d["place"],
                                                         d["description"]),
                  gettext("The plan's details are saved."), _plan_page(plan_id))


@bp.post("/plans/<plan_id>/gender-split")
def change_gender_split(plan_id: str) -> Any:
    """Whether the plan's KPIs about people must be followed up by gender."""
    plan = _overview(plan_id, MANAGE_PLAN)

    def refused(status: int, errors: Any, alert: str | None, sent: dict[str, Any]) -> Any:
        return _plan_form(status, plan=plan,
                          settings={"form": sent, "errors": errors, "alert": alert})

    return submit(GenderSplitSchema(), request.form, refused,
                  lambda app, d: app.require_gender_split(plan_id, d["gender_split_required"]),
                  gettext("The plan's settings are saved."), _plan_page(plan_id))


# ---- archiving --------------------------------------------------------------------------------

def _archive_page(plan: dict[str, Any], status: int = 200, errors: Any = None,
                  alert: str | None = None, form: dict[str, Any] | None = None) -> Any:
    return render_template("archive_confirm.html", plan=plan, errors=errors or {}, alert=alert,
                           form=form or {}), status, NO_STORE


@bp.get("/plans/<plan_id>/archive")
def archive_form(plan_id: str) -> Any:
    """The confirmation step: what archiving means, before anything happens."""
    plan = _overview(plan_id, MANAGE_PLAN)
    require_open(plan)
    return _archive_page(plan)


@bp.post("/plans/<plan_id>/archive")
def archive(plan_id: str) -> Any:
    plan = _overview(plan_id, MANAGE_PLAN)
    return submit(ArchiveSchema(), request.form,
                  lambda status, errors, alert, sent: _archive_page(plan, status, errors, alert, sent),
                  lambda app, d: app.archive_plan(plan_id, d["reason"]),
                  gettext("The plan is archived: it can still be read, but no longer changed."),
                  _plan_page(plan_id))


# ---- budgets ----------------------------------------------------------------------------------

def _budget_form(plan: dict[str, Any], status: int = 200, errors: Any = None,
                 alert: str | None = None, form: dict[str, Any] | None = None) -> Any:
    form = form or {"start_year": plan["start_year"], "end_year": plan["end_year"]}
    return render_template("budget_form.html", plan=plan, errors=errors or {}, alert=alert,
                           form=form), status, NO_STORE


@bp.get("/plans/<plan_id>/budgets/new")
def new_budget(plan_id: str) -> Any:
    plan = _overview(plan_id, SHAPE_BUDGET)
    require_open(plan)
    return _budget_form(plan)


@bp.post("/plans/<plan_id>/budgets")
def create_budget(plan_id: str) -> Any:
    plan = _overview(plan_id, SHAPE_BUDGET)
    return submit(BudgetSchema(), request.form,
                  lambda status, errors, alert, sent: _budget_form(plan, status, errors, alert, sent),
                  lambda app, d: app.create_budget(plan_id, d["title"], d["start_year"],
                                                   d["end_year"]),
                  gettext("The budget is created as a draft."),
                  lambda saved: url_for("plans.budget", budget_id=str(saved.aggregate_id)))
