"""A plan's decisions: the list, the facilitator's form, and each decision printable (HTML, PDF).

A decision that names a proposed budget adopts it (the only way a budget is adopted), so the
form first shows what will happen — a confirmation step, no script needed: the values travel
on as hidden fields, with a button to record and one to go back and change them. A printed
decision carries the figures of the budget as decided and the history digest at its moment
(web/decision_document.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError, fields

from adapters.pdf import render_pdf
from domain.access import DECIDE_BUDGET
from domain.decisions import MAX_ATTENDEES, MAX_TEXT, MAX_TITLE
from domain.errors import DomainError
from domain.plans import Plan
from projections import queries
from projections.decisions import plan_decisions
from web.app import system
from web.auth import acting, require
from web.decision_document import decision_document
from web.decision_print import (
    adopted_budget,
    budget_heading,
    budget_label,
    printed,
    superseded_revision,
    tables,
)
from web.errors import status_for, translated
from web.forms import echo
from web.forms_decisions import DecisionSchema
from web.people import display_names
from web.query import QuerySchema, query, takes_query
from web.request_limits import FORM_BODY, body_limit
from web.views.members import wait_for

bp = Blueprint("decisions", __name__)
DECIDABLE = ("proposed", "adopted")


@bp.get("/plans/<plan_id>/decisions")
def index(plan_id: str) -> Any:
    me = require(plan_id)
    with system().engine.connect() as conn:
        overview = queries.plan_overview(conn, plan_id)
        decisions = plan_decisions(conn, overview["plan_id"])
    return render_template("decisions.html", plan=overview, decisions=decisions,
                           budgets={b["budget_id"]: b for b in overview["budgets"]},
                           can_decide=DECIDE_BUDGET.allows(me["role"]) and not overview["archived"])


def _form(plan_id: str, status: int = 200, template: str = "decision_form.html",
          **context: Any) -> Any:
    require(plan_id, DECIDE_BUDGET)
    with system().engine.connect() as conn:
        overview = queries.plan_overview(conn, plan_id)
    names = display_names({m["person_id"] for m in overview["members"]})
    members = sorted(overview["members"], key=lambda m: names[m["person_id"]].casefold())
    budgets = [b for b in overview["budgets"] if b["status"] in DECIDABLE]
    form = context.pop("form", None) or {"decided_on": date.today().isoformat()}
    chosen = next((b for b in budgets if b["budget_id"] == form.get("budget_id")), None)
    revises = chosen and next((b for b in overview["budgets"]
                               if b["budget_id"] == chosen["revision_of"]), None)
    return render_template(template, plan=overview, members=members, names=names,
                           budgets=budgets, form=form, chosen=chosen, revises=revises,
                           **context), status, {"Cache-Control": "no-store"}


class NewDecisionQuerySchema(QuerySchema):
    #: The budget to decide on, chosen already (the budget page's "Adopt" leads here with it).
    budget = fields.UUID(load_default=None)


@bp.get("/plans/<plan_id>/decisions/new")
@takes_query(NewDecisionQuerySchema)
def new(plan_id: str) -> Any:
    budget = query()["budget"]
    form = {"decided_on": date.today().isoformat(), "budget_id": budget and str(budget)}
    return _form(plan_id, form=form)


# The longest decision a browser can send: every character of the text and title as 4 UTF-8
# bytes, each percent-encoded (12 bytes), and every attendee ticked.
DECISION_BODY = 12 * (MAX_TEXT + MAX_TITLE) + 64 * MAX_ATTENDEES + FORM_BODY


@bp.post("/plans/<plan_id>/decisions/new")
@body_limit(DECISION_BODY)
def create(plan_id: str) -> Any:
    require(plan_id, DECIDE_BUDGET)
    plan = system().app.load(Plan, plan_id, copy=False)
    with system().engine.connect() as conn:
        budgets = {b["budget_id"]: b for b in queries.plan_overview(conn, plan.plan_id)["budgets"]
                   if b["status"] in DECIDABLE}
    schema = DecisionSchema(plan.members, budgets)
    sent = echo(schema, request.form)  # shown again if refused: never more than a field holds
    if request.form.get("edit"):  # back from the confirmation, to change something
        return _form(plan_id, form=sent)
    try:
        data = schema.load(request.form)
    except ValidationError as error:
        return _form(plan_id, 400, errors=error.messages, form=sent)
    adopting = data["budget_id"] and budgets[data["budget_id"]]["status"] == "proposed"
    if adopting and request.form.get("confirmed") != "yes":
        return _form(plan_id, template="decision_confirm.html", form=sent,
                     attendees=data["attendees"])
    try:
        with acting():
            saved = system().app.record_decision(plan.plan_id, data["decided_on"], data["title"],
                                                 data["text"], data["attendees"], data["budget_id"])
    except DomainError as error:
        return _form(plan_id, status_for(error), alert=translated(error), form=sent)
    wait_for(saved)
    flash(gettext("The decision is recorded and the budget adopted.") if adopting
          else gettext("The decision is recorded."))
    return redirect(url_for("decisions.show", decision_id=str(saved.aggregate_id)))


@bp.get("/decisions/<decision_id>")
def show(decision_id: str) -> Any:
    doc = decision_document(decision_id)
    return render_template("decision.html", adopted_budget=adopted_budget,
                           tables=tables(doc["figures"]) if doc["figures"] else [],
                           budget_label=budget_label(doc), budget_heading=budget_heading(doc),
                           superseded=superseded_revision(doc), **doc)


class PdfQuerySchema(QuerySchema):
    uncompressed = fields.Boolean(load_default=False)  # for reading the PDF's text in tests


@bp.get("/decisions/<decision_id>.pdf")
@takes_query(PdfQuerySchema)
def pdf(decision_id: str) -> Any:
    uncompressed = query()["uncompressed"]
    doc = decision_document(decision_id)
    body = render_pdf(printed(doc), compress=not uncompressed)
    filename = f"decision-{doc['decision']['decided_on'].isoformat()}-{decision_id[:8]}.pdf"
    return body, 200, {"Content-Type": "application/pdf", "Cache-Control": "no-store",
                       "Content-Disposition": f'inline; filename="{filename}"'}
