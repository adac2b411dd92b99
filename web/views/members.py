"""A plan's members (name, role, organisation) and its pending invitations.

Every member sees the page; facilitators also get the controls. Each change is one
application call made as the signed-in person, so the application decides who may do it (the
page only hides controls someone cannot use). Invitations live beside the people store: the
one-time link is shown once, to the facilitator who made it, and never stored.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from domain.access import MANAGE_PLAN
from domain.application import Saved
from domain.errors import DomainError
from domain.plans import ROLES, Plan
from domain.usecases import Samverkan
from projections import queries
from web.app import system
from web.auth import acting, current_person_id, require
from web.errors import status_for, translated
from web.forms import echo
from web.forms_members import InvitationSchema, MembershipSchema
from web.people import display_names

bp = Blueprint("members", __name__)


def _page(plan_id: str, status: int = 200, **context: Any) -> Any:
    me = require(plan_id)
    with system().engine.connect() as conn:
        overview = queries.plan_overview(conn, plan_id)
    # Invitations carry e-mail addresses: only those who manage members see them.
    pending = system().invitations.pending(overview["plan_id"]) if MANAGE_PLAN.allows(me["role"]) else []
    names = display_names(
        {m["person_id"] for m in overview["members"]} | {i.invited_by for i in pending})
    members = sorted(overview["members"], key=lambda m: (
        ROLES.index(m["role"]), names[m["person_id"]].casefold()))
    reply = render_template(
        "members.html", plan=overview, members=members, names=names, pending=pending,
        actors={a["actor_id"]: a for a in overview["actors"]}, roles=ROLES,
        my_role=me["role"], my_id=current_person_id(),
        can_manage=MANAGE_PLAN.allows(me["role"]) and not overview["archived"],
        **context)
    return reply, status, {"Cache-Control": "no-store"}


def _plan(plan_id: str) -> Plan:
    """The plan itself (not the read model): what the forms are checked against right now."""
    return system().app.load(Plan, plan_id, copy=False)


def _run(plan_id: str, command: Callable[[Samverkan], Saved], done: str, to: str | None = None) -> Any:
    """One application call as the signed-in person; a refusal shows on the page with its status."""
    try:
        with acting():
            saved = command(system().app)
    except DomainError as error:
        return _page(plan_id, status_for(error), alert=translated(error))
    wait_for(saved)
    flash(done)
    return redirect(to or url_for("members.index", plan_id=plan_id))


def wait_for(saved: Saved) -> None:
    """Let the read models catch up with a command, so the next page shows it."""
    with suppress(TimeoutError):  # the page may then lag a moment; the change itself is stored
        system().projections.wait(saved.positions[-1] if saved.positions else None, timeout=5)


@bp.get("/plans/<plan_id>/members")
def index(plan_id: str) -> Any:
    return _page(plan_id)


@bp.post("/plans/<plan_id>/members/<person_id>")
def change(plan_id: str, person_id: str) -> Any:
    require(plan_id, MANAGE_PLAN)
    try:
        data = MembershipSchema(_plan(plan_id).actors).load(request.form)
    except ValidationError as error:
        return _page(plan_id, 400, member_errors={person_id: error.messages})
    return _run(plan_id, lambda app: app.change_member(plan_id, person_id, data["role"], data["org_id"]),
                gettext("The member's role is changed."))


@bp.post("/plans/<plan_id>/members/<person_id>/remove")
def remove(plan_id: str, person_id: str) -> Any:
    require(plan_id, MANAGE_PLAN)
    leaving = person_id == current_person_id()  # no longer a member: the plans page follows
    return _run(plan_id, lambda app: app.remove_member(plan_id, person_id),
                gettext("The member is removed from the plan."),
                url_for("plans.index") if leaving else None)


@bp.post("/plans/<plan_id>/invitations")
def invite(plan_id: str) -> Any:
    require(plan_id, MANAGE_PLAN)
    plan = _plan(plan_id)
    schema = InvitationSchema(plan.actors)
    try:
        data = schema.load(request.form)
    except ValidationError as error:
        return _page(plan_id, 400, invite_errors=error.messages,
                     invite_form=echo(schema, request.form))
    invitee = system().people.by_email(data["email"])
    if invitee is not None and invitee.id in plan.members:
        return _page(plan_id, 409, invite_form=echo(schema, request.form), invite_errors={
            "email": [gettext("That person is already a member of the plan.")]})
    _, token = system().invitations.create(plan.plan_id, data["email"], data["role"],
                                           data["org_id"], current_person_id() or "")
    link = url_for("invitations.accept_form", token=token, _external=True)
    return _page(plan_id, 201, new_link=link, new_email=data["email"])


@bp.post("/plans/<plan_id>/invitations/<invitation_id>/revoke")
def revoke(plan_id: str, invitation_id: str) -> Any:
    require(plan_id, MANAGE_PLAN)
    if not system().invitations.revoke(_plan(plan_id).plan_id, invitation_id):
        return _page(plan_id, 404, alert=gettext("There is no such pending invitation."))
    flash(gettext("The invitation is withdrawn: its link no longer works."))
    return redirect(url_for("members.index", plan_id=plan_id))
