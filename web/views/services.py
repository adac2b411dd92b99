"""Shared services: the plan's board by lifecycle stage (filterable by providing organisation
and sector) and a page per service — what it is, who provides it, the needs it answers, the
budget lines that pay for it and who pays, and the commitments made toward it.

Every member reads them. A facilitator sets a service up, changes its details and providers
and moves it to another stage, saying why; facilitators and representatives record the needs
it answers (domain/access.py: MANAGE_SERVICES, WORK_ON_SERVICES).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from domain.access import MANAGE_SERVICES, WORK_ON_SERVICES
from domain.errors import NotFound
from domain.plans import SECTORS
from domain.services import STAGES
from projections import queries, service_pages
from web.app import system
from web.auth import require
from web.form_pages import submit
from web.forms_services import (
    KpiSchema,
    MeasurementSchema,
    NeedSchema,
    ProviderSchema,
    ServiceSchema,
    StageSchema,
)
from web.query import QuerySchema, query, takes_query
from web.vocabulary import COMMITMENT_KINDS, COMMITMENT_STATUSES, SERVICE_STAGES

bp = Blueprint("services", __name__, url_prefix="/plans/<plan_id>/services")
NO_STORE = {"Cache-Control": "no-store"}


class BoardQuerySchema(QuerySchema):
    organisation = fields.String(load_default=None, validate=validate.Length(max=80))
    sector = fields.String(load_default=None, validate=validate.OneOf(
        SECTORS, error=_l("Choose one of the sectors.")))


def _rights(plan_id: str) -> dict[str, Any]:
    me = require(plan_id)
    return {"may_manage": MANAGE_SERVICES.allows(me["role"]),
            "may_work": WORK_ON_SERVICES.allows(me["role"])}


def _board(plan_id: str, status: int = 200, filters: dict[str, Any] | None = None,
           **context: Any) -> Any:
    rights = _rights(plan_id)
    filters = filters or {}
    with system().engine.connect() as conn:
        plan = queries.plan_overview(conn, plan_id)
    actors = {a["actor_id"]: a for a in plan["actors"]}
    if filters.get("organisation") and filters["organisation"] not in actors:
        raise NotFound("No such organisation in the plan.", id=filters["organisation"][:80])
    columns = service_pages.board(plan["services"], actors, filters.get("organisation"),
                                  filters.get("sector"))
    return render_template(
        "services.html", plan=plan, columns=columns, actors=actors, filters=filters,
        stages=STAGES, stage_words=SERVICE_STAGES, sectors=SECTORS,
        next_stages=service_pages.next_stages, errors=context.pop("errors", None) or {},
        forms=context.pop("forms", None) or {}, **rights, **context), status, NO_STORE


def _service_page(plan_id: str, service_id: str, status: int = 200, **context: Any) -> Any:
    rights = _rights(plan_id)
    with system().engine.connect() as conn:
        plan = queries.plan_overview(conn, plan_id)
        service = next((s for s in plan["services"] if s["service_id"] == service_id), None)
        if service is None:
            raise NotFound("No such service.", id=service_id[:80])
        paid = service_pages.paid_lines(conn, plan, service_id)
        commitments = service_pages.toward(conn, plan_id, service_id, date.today())
    actors = {a["actor_id"]: a for a in plan["actors"]}
    return render_template(
        "service.html", plan=plan, service=service, actors=actors, paid=paid,
        today=date.today().isoformat(),
        commitments=commitments, stage_words=SERVICE_STAGES, kind_words=COMMITMENT_KINDS,
        status_words=COMMITMENT_STATUSES, next_stages=service_pages.next_stages(service["stage"]),
        errors=context.pop("errors", None) or {}, forms=context.pop("forms", None) or {},
        **rights, **context), status, NO_STORE


@bp.get("")
@takes_query(BoardQuerySchema)
def board(plan_id: str) -> Any:
    return _board(plan_id, filters=query())


@bp.post("")
def create(plan_id: str) -> Any:
    def refused(status: int, errors: dict[str, list[str]], alert: str | None,
                sent: dict[str, Any]) -> Any:
        return _board(plan_id, status, errors={"new": errors or {"": [alert]}},
                      forms={"new": sent})

    return submit(ServiceSchema(), request.form, refused,
                  lambda app, d: app.create_service(plan_id, d["name"], d["place"],
                                                    d["description"]),
                  gettext("The service is set up as an idea."),
                  lambda saved: url_for("services.show", plan_id=plan_id,
                                        service_id=str(saved.aggregate_id)))


@bp.get("/<service_id>")
def show(plan_id: str, service_id: str) -> Any:
    return _service_page(plan_id, service_id)


def _on_service(plan_id: str, service_id: str, key: str, schema: Any, command: Any,
                done: str, back_to_board: bool = False) -> Any:
    """One form of a service's page (or of its card on the board) → one use case."""
    def refused(status: int, errors: dict[str, list[str]], alert: str | None,
                sent: dict[str, Any]) -> Any:
        said = {key: errors or {"": [alert]}}
        if back_to_board:
            return _board(plan_id, status, errors={service_id: said[key]},
                          forms={service_id: sent})
        return _service_page(plan_id, service_id, status, errors=said, forms={key: sent})

    require_service_in(plan_id, service_id)
    return submit(schema, request.form, refused, command, done,
                  lambda _saved: url_for("services.show", plan_id=plan_id,
                                         service_id=service_id))


@bp.post("/<service_id>/details")
def change_details(plan_id: str, service_id: str) -> Any:
    return _on_service(plan_id, service_id, "details", ServiceSchema(),
                       lambda app, d: app.change_service_details(
                           service_id, d["name"], d["place"], d["description"]),
                       gettext("The service's details are saved."))


@bp.post("/<service_id>/stage")
def move(plan_id: str, service_id: str) -> Any:
    return _on_service(plan_id, service_id, "stage", StageSchema(),
                       lambda app, d: app.move_service_to(service_id, d["stage"], d["reason"]),
                       gettext("The service is moved to its new stage."),
                       back_to_board=request.form.get("from") == "board")


@bp.post("/<service_id>/needs")
def add_need(plan_id: str, service_id: str) -> Any:
    return _on_service(plan_id, service_id, "need", NeedSchema(),
                       lambda app, d: app.add_need(service_id, d["text"]),
                       gettext("The need is recorded."))


@bp.post("/<service_id>/providers")
def add_provider(plan_id: str, service_id: str) -> Any:
    return _on_service(plan_id, service_id, "provider", ProviderSchema(),
                       lambda app, d: app.add_provider(service_id, d["actor_id"]),
                       gettext("The organisation now provides the service."))


@bp.post("/<service_id>/providers/<actor_id>/remove")
def remove_provider(plan_id: str, service_id: str, actor_id: str) -> Any:
    return _on_service(plan_id, service_id, "provider", ProviderSchema(only=("next",)),
                       lambda app, _: app.remove_provider(service_id, actor_id),
                       gettext("The organisation no longer provides the service."))


@bp.post("/<service_id>/kpis")
def define_kpi(plan_id: str, service_id: str) -> Any:
    return _on_service(plan_id, service_id, "kpi", KpiSchema(),
                       lambda app, d: app.define_kpi(service_id, d["name"], d["unit"],
                                                     d["target"], d["by_gender"],
                                                     d["baseline"], d["direction"],
                                                     d["about_people"]),
                       gettext("The indicator is defined."))


@bp.post("/<service_id>/kpis/<kpi_id>/measurements")
def measure_kpi(plan_id: str, service_id: str, kpi_id: str) -> Any:
    def command(app: Any, d: dict[str, Any]) -> Any:
        split = {g: d[g] for g in ("women", "men", "other") if d.get(g) is not None}
        return app.measure_kpi(service_id, kpi_id, d["on"], d["value"], split or None)

    return _on_service(plan_id, service_id, f"measure-{kpi_id[:80]}", MeasurementSchema(),
                       command, gettext("The measurement is recorded."))


def require_service_in(plan_id: str, service_id: str) -> None:
    """A service is only reached through its own plan's address."""
    require(plan_id)
    with system().engine.connect() as conn:
        if not any(s["service_id"] == service_id
                   for s in queries.services_catalogue(conn, plan_id)):
            raise NotFound("No such service.", id=service_id[:80])
