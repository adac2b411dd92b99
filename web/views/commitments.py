"""The commitments ledger of a plan: what each organisation pledged, confirmed, delivered and
had verified, beside what its share of the budget asks of it; and the forms that move a
commitment along its lifecycle.

Every member reads the ledger. The forms shown follow the rights the application checks
anyway (domain/access.py): a facilitator or representative pledges, confirms, records
deliveries and withdraws for their own organisation; a facilitator verifies.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from domain.access import OWN_COMMITMENTS, VERIFY_COMMITMENTS
from domain.commitments import KINDS, UNITS, Commitment
from domain.errors import NotFound
from projections import ledger, queries
from web.app import system
from web.auth import require
from web.form_pages import submit
from web.forms_commitments import DeliverySchema, PledgeSchema, VerifySchema, WithdrawSchema
from web.query import QuerySchema, query, takes_query
from web.vocabulary import COMMITMENT_KINDS, COMMITMENT_STATUSES

bp = Blueprint("commitments", __name__, url_prefix="/plans/<plan_id>/commitments")
NO_STORE = {"Cache-Control": "no-store"}


class LedgerQuerySchema(QuerySchema):
    organisation = fields.String(load_default=None, validate=validate.Length(max=80))
    status = fields.String(load_default=None, validate=validate.OneOf(
        ledger.STATUS_ORDER, error=_l("Choose one of the statuses.")))


def _today() -> date:
    return date.today()


def _page(plan_id: str, status: int = 200, filters: dict[str, Any] | None = None,
          **context: Any) -> Any:
    me = require(plan_id)
    filters = filters or {}
    with system().engine.connect() as conn:
        plan = queries.plan_overview(conn, plan_id)
        every = ledger.entries(conn, plan_id, _today())  # one read feeds list and balance
        sheets = ledger.asked_sheets(conn, plan)  # … and the balance and the pledge form
        balance = ledger.balance(conn, plan, _today(), sheets, every)
        labels = ledger.line_labels(conn, plan_id)
    wanted = {key: filters[key] for key in ("organisation", "status") if filters.get(key)}
    entries = [c for c in every if wanted.get("organisation", c["actor_id"]) == c["actor_id"]
               and wanted.get("status", c["status"]) == c["status"]]
    lines = [(b, sheets[b["budget_id"]].lines) for b in ledger.asked_budgets(plan)[0]]
    actors = {a["actor_id"]: a for a in plan["actors"]}
    order = {actor_id: n for n, actor_id in enumerate(actors)}
    entries.sort(key=lambda c: (order.get(c["actor_id"], len(order)), c["due"]))
    if filters.get("organisation") and filters["organisation"] not in actors:
        raise NotFound("No such organisation in the plan.", id=filters["organisation"][:80])
    mine = me.get("org_id") if OWN_COMMITMENTS.allows(me["role"]) else None
    return render_template(
        "commitments.html", plan=plan, entries=entries, balance=balance, actors=actors,
        services={s["service_id"]: s for s in plan["services"]}, labels=labels, lines=lines,
        kinds=KINDS, kind_words=COMMITMENT_KINDS, status_words=COMMITMENT_STATUSES,
        units=UNITS, statuses=ledger.STATUS_ORDER, filters=filters, today=_today(),
        my_org=mine if mine in actors and not actors[mine]["left"] else None,
        may_verify=VERIFY_COMMITMENTS.allows(me["role"]),
        errors=context.pop("errors", None) or {}, forms=context.pop("forms", None) or {},
        open=context.pop("open", None),
        **context), status, NO_STORE


@bp.get("")
@takes_query(LedgerQuerySchema)
def index(plan_id: str) -> Any:
    return _page(plan_id, filters=query())


def _refused(plan_id: str, key: str, action: str) -> Any:
    """The ledger again with the refused form open, its errors in it (a refusal that names no
    field of the form is said at the top of that form, not of the page)."""
    def page(status: int, errors: dict[str, list[str]], alert: str | None,
             sent: dict[str, Any]) -> Any:
        said = errors or ({"": [alert]} if alert else {})
        return _page(plan_id, status, errors={key: said}, forms={key: sent},
                     open=(key, action))
    return page


def _back(plan_id: str, anchor: str | None = None) -> Any:
    def to(_saved: Any) -> str:
        return url_for("commitments.index", plan_id=plan_id,
                       _anchor=f"c-{anchor[:8]}" if anchor else None)
    return to


@bp.post("")
def pledge(plan_id: str) -> Any:
    return submit(PledgeSchema(), request.form, _refused(plan_id, "pledge", "pledge"),
                  lambda app, d: app.pledge(
                      plan_id, d["actor_id"], d["kind"], d["quantity"], d["due"],
                      d["description"], d.get("value_ore"), d.get("service_id"),
                      d.get("budget_id"), d.get("line_id")),
                  gettext("The pledge is recorded."), _back(plan_id))


def _step(plan_id: str, commitment_id: str, action: str, schema: Schema, command: Any,
          done: str) -> Any:
    return submit(schema, request.form, _refused(plan_id, commitment_id, action), command, done,
                  _back(plan_id, commitment_id))


@bp.post("/<commitment_id>/confirm")
def confirm(plan_id: str, commitment_id: str) -> Any:
    return _step(plan_id, commitment_id, "confirm", VerifySchema(only=("next",)),
                 lambda app, _: app.confirm_commitment(_in_plan(plan_id, commitment_id)),
                 gettext("The commitment is confirmed."))


@bp.post("/<commitment_id>/deliveries")
def deliver(plan_id: str, commitment_id: str) -> Any:
    kind = _kind(plan_id, commitment_id)
    return _step(plan_id, commitment_id, "deliver", DeliverySchema(kind, _today()),
                 lambda app, d: app.record_delivery(
                     _in_plan(plan_id, commitment_id), d["quantity"], d["on"], d["note"],
                     d["over_delivery"]),
                 gettext("The delivery is recorded."))


@bp.post("/<commitment_id>/verify")
def verify(plan_id: str, commitment_id: str) -> Any:
    return _step(plan_id, commitment_id, "verify", VerifySchema(),
                 lambda app, d: app.verify_commitment(_in_plan(plan_id, commitment_id),
                                                      d["note"]),
                 gettext("The commitment is verified."))


@bp.post("/<commitment_id>/withdraw")
def withdraw(plan_id: str, commitment_id: str) -> Any:
    return _step(plan_id, commitment_id, "withdraw", WithdrawSchema(),
                 lambda app, d: app.withdraw_commitment(_in_plan(plan_id, commitment_id),
                                                        d["reason"]),
                 gettext("The commitment is withdrawn."))


def _commitment(plan_id: str, commitment_id: str) -> Commitment:
    """The commitment (to read), only through its own plan's address."""
    found = system().app.load(Commitment, commitment_id, copy=False)
    if str(found.plan_id) != plan_id:
        raise NotFound("No such commitment.", id=commitment_id[:80])
    return found


def _in_plan(plan_id: str, commitment_id: str) -> str:
    _commitment(plan_id, commitment_id)
    return commitment_id


def _kind(plan_id: str, commitment_id: str) -> str:
    """What the delivery form's quantity is counted in (a member's question only)."""
    require(plan_id)
    return str(_commitment(plan_id, commitment_id).kind)
