"""The plan's risk register: every service's risks on a 5 × 5 matrix of likelihood and impact,
with a table that says the same (for screen readers and exact reading), highest score first;
recording a risk and reassessing one (its scores, mitigation, owner, status: open, mitigated,
closed). On the matrix a risk is moved with the arrow keys (static/js/riskmatrix.js), which
fills in and sends the same reassessment form as the table's.

Every member reads it; facilitators and representatives record and reassess risks
(domain/access.py: WORK_ON_SERVICES).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from domain.access import WORK_ON_SERVICES
from domain.services import RISK_STATUSES
from projections import queries
from web.app import system
from web.auth import require
from web.form_pages import submit
from web.forms_services import NewRiskSchema, RiskSchema
from web.query import QuerySchema, query, takes_query
from web.views.services import require_service_in
from web.vocabulary import RISK_STATUSES as STATUS_WORDS

bp = Blueprint("risks", __name__, url_prefix="/plans/<plan_id>/risks")
NO_STORE = {"Cache-Control": "no-store"}
SCALE = (1, 2, 3, 4, 5)


class RiskQuerySchema(QuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        RISK_STATUSES, error=_l("Choose open, mitigated or closed.")))


def _register(plan_id: str, status: int = 200, filters: dict[str, Any] | None = None,
              **context: Any) -> Any:
    me = require(plan_id)
    filters = filters or {}
    with system().engine.connect() as conn:
        plan = queries.plan_overview(conn, plan_id)
    risks = sorted(({**r, "service": s["name"], "service_id": s["service_id"],
                     "status": r.get("status", "open")}
                    for s in plan["services"] for r in s["risks"]),
                   key=lambda r: (-r["score"], r["title"]))
    shown = [r for r in risks if not filters.get("status") or r["status"] == filters["status"]]
    on_matrix = [r for r in risks if r["status"] != "closed"]
    return render_template(
        "risks.html", plan=plan, risks=shown, filters=filters, scale=SCALE,
        cells={(li, im): [r for r in on_matrix if (r["likelihood"], r["impact"]) == (li, im)]
               for li in SCALE for im in SCALE},
        actors={a["actor_id"]: a for a in plan["actors"]}, statuses=RISK_STATUSES,
        status_words=STATUS_WORDS, may_work=WORK_ON_SERVICES.allows(me["role"]),
        errors=context.pop("errors", None) or {}, forms=context.pop("forms", None) or {},
        **context), status, NO_STORE


@bp.get("")
@takes_query(RiskQuerySchema)
def register(plan_id: str) -> Any:
    return _register(plan_id, filters=query())


def _refused(plan_id: str, key: str) -> Any:
    def page(status: int, errors: dict[str, list[str]], alert: str | None,
             sent: dict[str, Any]) -> Any:
        return _register(plan_id, status, errors={key: errors or {"": [alert]}},
                         forms={key: sent})
    return page


def _back(plan_id: str) -> Any:
    return lambda _saved: url_for("risks.register", plan_id=plan_id)


@bp.post("")
def record(plan_id: str) -> Any:
    def command(app: Any, d: dict[str, Any]) -> Any:
        require_service_in(plan_id, d["service_id"])
        return app.record_risk(d["service_id"], d["title"], d["likelihood"], d["impact"],
                               d["mitigation"], d["owner_id"] or None, status=d["status"])

    return submit(NewRiskSchema(), request.form, _refused(plan_id, "new"), command,
                  gettext("The risk is recorded."), _back(plan_id))


@bp.post("/<service_id>/<risk_id>")
def reassess(plan_id: str, service_id: str, risk_id: str) -> Any:
    require_service_in(plan_id, service_id)
    return submit(RiskSchema(), request.form, _refused(plan_id, risk_id),
                  lambda app, d: app.record_risk(
                      service_id, d["title"], d["likelihood"], d["impact"], d["mitigation"],
                      d["owner_id"] or None, risk_id=risk_id, status=d["status"]),
                  gettext("The risk is reassessed."), _back(plan_id))
