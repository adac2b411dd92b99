"""A plan's organisations, for its facilitators: add one, rename it or change its sector, and
remove it after a confirmation page that says what will happen and why.

Removing asks the application's own question (the organisation-usage port): an organisation
that never held a share, pledged or provided anything is removed; any other is kept, marked
as having left, so that its history keeps its name. The confirmation page says which, and the
message afterwards says what was done.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext

from domain.access import MANAGE_PLAN
from domain.application import Saved
from domain.errors import NotAllowed, NotFound
from domain.plans import SECTORS, Plan
from domain.usecases import Samverkan
from projections import queries
from web.app import system
from web.auth import require
from web.form_pages import require_open, submit
from web.forms_plans import ArchiveSchema, OrganisationChangeSchema, OrganisationSchema

bp = Blueprint("organisations", __name__, url_prefix="/plans/<plan_id>/organisations")
NO_STORE = {"Cache-Control": "no-store"}


def _overview(plan_id: str) -> dict[str, Any]:
    """The plan, for its facilitators (an archived plan's too: they may read, not change)."""
    me = require(plan_id)
    if not MANAGE_PLAN.allows(me["role"]):
        raise NotAllowed(MANAGE_PLAN.refusal, right=MANAGE_PLAN.name, role=me["role"])
    with system().engine.connect() as conn:
        return queries.plan_overview(conn, plan_id)


def _page(plan_id: str, status: int = 200, **context: Any) -> Any:
    plan = _overview(plan_id)
    return render_template("organisations.html", plan=plan, sectors=SECTORS,
                           errors=context.pop("errors", None) or {},
                           add_form=context.pop("add_form", None) or {}, **context), status, NO_STORE


def _actor(plan: dict[str, Any], actor_id: str) -> dict[str, Any]:
    found = next((a for a in plan["actors"] if a["actor_id"] == actor_id), None)
    if found is None:
        raise NotFound("No such organisation in the plan.", id=actor_id[:80])
    return found


@bp.get("")
def index(plan_id: str) -> Any:
    return _page(plan_id)


@bp.post("")
def add(plan_id: str) -> Any:
    return submit(OrganisationSchema(), request.form,
                  lambda status, errors, alert, sent: _page(
                      plan_id, status, errors={"add": errors}, alert=alert, add_form=sent),
                  lambda app, d: app.add_actor(plan_id, d["name"], d["sector"]),
                  gettext("The organisation is added to the plan."), lambda _: _back(plan_id))


@bp.post("/<actor_id>")
def change(plan_id: str, actor_id: str) -> Any:
    def command(app: Samverkan, d: dict[str, Any]) -> Saved:  # what is left out stays as it is
        current = app.load(Plan, plan_id, copy=False).actors.get(actor_id) or {}
        return app.change_actor(plan_id, actor_id, d["name"] or current.get("name"),
                                d["sector"] or current.get("sector"))

    return submit(OrganisationChangeSchema(), request.form,
                  lambda status, errors, alert, sent: _page(
                      plan_id, status, errors={actor_id: errors}, alert=alert,
                      forms={actor_id: sent}),
                  command, gettext("The organisation is changed."), lambda _: _back(plan_id))


def _use(plan: dict[str, Any], actor_id: str) -> Any:
    usage = system().app.organisation_usage
    return usage.use_of(plan["plan_id"], actor_id) if usage is not None else None


@bp.get("/<actor_id>/remove")
def remove_form(plan_id: str, actor_id: str) -> Any:
    """The confirmation step: whether the organisation will be removed or marked as having
    left, and why (what the plan's history holds of it, and who still represents it)."""
    plan = _overview(plan_id)
    require_open(plan)
    actor = _actor(plan, actor_id)
    members = [m for m in plan["members"] if m["org_id"] == actor_id]
    return render_template("organisation_remove.html", plan=plan, actor=actor,
                           use=_use(plan, actor_id), members=len(members)), 200, NO_STORE


@bp.post("/<actor_id>/remove")
def remove(plan_id: str, actor_id: str) -> Any:
    def said(saved: Saved) -> str:
        if saved.effect == "removed":
            return gettext("The organisation is removed from the plan: it had no shares, "
                           "commitments or services.")
        return gettext("The organisation has a history in the plan, so it is kept and marked "
                       "as having left: it takes no new shares, pledges or members.")

    return submit(ArchiveSchema(only=("next",)), request.form,
                  lambda status, errors, alert, sent: _page(plan_id, status, alert=alert),
                  lambda app, _: app.remove_actor(plan_id, actor_id), said,
                  lambda _: _back(plan_id))


def _back(plan_id: str) -> str:
    return url_for("organisations.index", plan_id=plan_id)
