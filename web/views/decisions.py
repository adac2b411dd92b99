"""A plan's decisions: the list, the facilitator's form, and each decision printable (HTML, PDF).

A printed decision carries the history digest at its moment: the hash chain's link at the
decision's log position (projections.chain), so anyone holding the paper can later check that
the history up to the decision was not rewritten.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, get_locale, gettext
from marshmallow import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from adapters.pdf import PrintedDocument, render_pdf
from domain.access import DECIDE_BUDGET
from domain.errors import DomainError
from domain.plans import Plan
from projections import queries
from projections.decisions import decision_by_id, plan_decisions
from web.app import system
from web.auth import acting, require
from web.errors import status_for, translated
from web.forms_decisions import DecisionSchema
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
                           can_decide=DECIDE_BUDGET.allows(me["role"]))


def _form(plan_id: str, status: int = 200, **context: Any) -> Any:
    require(plan_id, DECIDE_BUDGET)
    with system().engine.connect() as conn:
        overview = queries.plan_overview(conn, plan_id)
    names = system().people.display_names({m["person_id"] for m in overview["members"]})
    members = sorted(overview["members"], key=lambda m: names[m["person_id"]].casefold())
    budgets = [b for b in overview["budgets"] if b["status"] in DECIDABLE]
    form = context.pop("form", None) or {"decided_on": date.today().isoformat()}
    return render_template("decision_form.html", plan=overview, members=members, names=names,
                           budgets=budgets, form=form, **context), status, {"Cache-Control": "no-store"}


@bp.get("/plans/<plan_id>/decisions/new")
def new(plan_id: str) -> Any:
    return _form(plan_id)


@bp.post("/plans/<plan_id>/decisions/new")
def create(plan_id: str) -> Any:
    require(plan_id, DECIDE_BUDGET)
    plan = system().app.load(Plan, plan_id, copy=False)
    with system().engine.connect() as conn:
        budgets = [b["budget_id"] for b in queries.plan_overview(conn, plan.plan_id)["budgets"]
                   if b["status"] in DECIDABLE]
    sent = {**request.form.to_dict(), "attendees": request.form.getlist("attendees")}
    try:
        data = DecisionSchema(plan.members, budgets).load(request.form)
    except ValidationError as error:
        return _form(plan_id, 400, errors=error.messages, form=sent)
    try:
        with acting():
            saved = system().app.record_decision(plan.plan_id, data["decided_on"], data["title"],
                                                 data["text"], data["attendees"], data["budget_id"])
    except DomainError as error:
        return _form(plan_id, status_for(error), alert=translated(error), form=sent)
    wait_for(saved)
    flash(gettext("The decision is recorded."))
    return redirect(url_for("decisions.show", decision_id=str(saved.aggregate_id)))


@bp.get("/decisions/<decision_id>")
def show(decision_id: str) -> Any:
    return render_template("decision.html", **_document(decision_id))


@bp.get("/decisions/<decision_id>.pdf")
def pdf(decision_id: str) -> Any:
    doc = _document(decision_id)
    body = render_pdf(_printed(doc), compress=not request.args.get("uncompressed"))
    filename = f"decision-{doc['decision']['decided_on'].isoformat()}-{decision_id[:8]}.pdf"
    return body, 200, {"Content-Type": "application/pdf", "Cache-Control": "no-store",
                       "Content-Disposition": f'inline; filename="{filename}"'}


def _document(decision_id: str) -> dict[str, Any]:
    """Everything a printed decision shows (read models and the people store)."""
    with system().engine.connect() as conn:
        decision = decision_by_id(conn, decision_id)
        require(decision["plan_id"])
        overview = queries.plan_overview(conn, decision["plan_id"])
    budget = next((b for b in overview["budgets"] if b["budget_id"] == decision["budget_id"]), None)
    names = system().people.display_names(set(decision["attendees"]) | {decision["recorded_by"]})
    link = (f"/budgets/{decision['budget_id']}/history?version={decision['budget_version']}"
            if decision["budget_id"] else None)
    return {"decision": decision, "plan": overview, "budget": budget, "names": names,
            "budget_link": link, "digest": history_digest(decision["position"])}


def history_digest(position: int) -> dict[str, Any] | None:
    """The hash chain's checkpoint at a log position, or None while it is not there (yet)."""
    try:
        from projections.chain import checkpoint_at  # written beside this; may not be wired yet
    except ImportError:
        return None
    try:
        with system().engine.connect() as conn:
            return checkpoint_at(conn, position)
    except SQLAlchemyError:  # the chain's tables are not made yet
        return None


def _printed(doc: dict[str, Any]) -> PrintedDocument:
    """The same content as decision.html, in the reader's language, for the PDF."""
    d, plan = doc["decision"], doc["plan"]
    names = doc["names"]
    facts = [(gettext("Plan"), f"{plan['name']}, {plan['place']}"),
             (gettext("Date"), format_date(d["decided_on"], "long")),
             (gettext("Attendees"), ", ".join(names[p] for p in d["attendees"]))]
    links = {}
    if d["budget_id"]:
        label = gettext("Adopted budget")
        title = doc["budget"]["title"] if doc["budget"] else d["budget_id"]
        facts.append((label, gettext("%(title)s, version %(version)d", title=title,
                                     version=d["budget_version"])))
        links[label] = request.host_url.rstrip("/") + doc["budget_link"]
    facts.append((gettext("History digest"), _digest_text(doc["digest"], d["position"])))
    footer = gettext("Recorded by %(name)s on %(when)s.", name=names[d["recorded_by"]],
                     when=format_datetime(d["recorded_at"], "short"))
    return PrintedDocument(
        title=d["title"], facts=facts, sections=[(gettext("Decision"), d["text"])], footer=footer,
        language=str(get_locale() or "sv"), created=d["recorded_at"], links=links)


def _digest_text(digest: dict[str, Any] | None, position: int) -> str:
    if digest is None:
        return gettext("#%(position)d – digest pending", position=position)
    return gettext("#%(position)d – SHA-256 %(link)s", position=digest["position"], link=digest["link"])
