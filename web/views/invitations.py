"""Accepting an invitation by its one-time link (public: the invitee may have no account yet).

Someone new gives a name and a password and gets an account for the invited address; someone
with an account signs in first and confirms. Either way they join the plan with the role and
organisation the invitation names (Plan.MemberJoined), and the link is used up.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from adapters.invitations import Invitation, InvitationUsed
from domain.application import Saved
from domain.context import acting_as
from domain.errors import DomainError
from domain.plans import Plan
from projections import queries
from web.app import system
from web.auth import current_person_id, start_session
from web.errors import status_for, translated
from web.forms import echo
from web.forms_members import NewAccountSchema
from web.people import display_names
from web.views.members import wait_for
from web.vocabulary import term

bp = Blueprint("invitations", __name__, url_prefix="/invitations")

NEW, CONFIRM, SIGN_IN, OTHER = "new", "confirm", "sign_in", "other_account"


@bp.after_request
def _keep_the_link_secret(response: Response) -> Response:
    """The token is in the address: no Referer carries it away, no cache keeps the page."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _pending(token: str) -> Invitation | None:
    return system().invitations.find(token)


def _invalid() -> Any:
    message = gettext("This invitation link does not work: it has been used already, withdrawn, "
                      "or it has expired. Ask the person who invited you for a new one.")
    return render_template("error.html", message=message, status=404), 404


def _situation(invitation: Invitation) -> str:
    """Who opened the link: someone new, the invited person signed in, or someone to sign in."""
    person_id = current_person_id()
    if person_id:
        person = system().people.get(person_id)
        return CONFIRM if person is not None and person.email == invitation.email else OTHER
    return SIGN_IN if system().people.by_email(invitation.email) is not None else NEW


def _page(invitation: Invitation, token: str, status: int = 200, **context: Any) -> Any:
    with system().engine.connect() as conn:
        overview = queries.plan_overview(conn, invitation.plan_id)
    organisation = next((a["name"] for a in overview["actors"]
                         if a["actor_id"] == invitation.org_id), None)
    inviter = display_names([invitation.invited_by])[invitation.invited_by]
    return render_template(
        "invitation.html", invitation=invitation, token=token, plan=overview, inviter=inviter,
        role=term(invitation.role), organisation=organisation,
        situation=_situation(invitation), **context), status


@bp.get("/<token>")
def accept_form(token: str) -> Any:
    invitation = _pending(token)
    return _invalid() if invitation is None else _page(invitation, token)


@bp.post("/<token>")
def accept(token: str) -> Any:
    invitation = _pending(token)
    if invitation is None:
        return _invalid()
    plan = system().app.load(Plan, invitation.plan_id, copy=False)
    if plan.role_of(invitation.invited_by) != "facilitator":  # checked before any account is made
        return _page(invitation, token, 403, alert=gettext(
            "The invitation is no longer valid: whoever sent it is no longer a facilitator "
            "of this plan."))
    situation = _situation(invitation)
    if situation == NEW:
        try:
            data = NewAccountSchema().load(request.form)
        except ValidationError as error:
            return _page(invitation, token, 400, errors=error.messages,
                         name=echo(NewAccountSchema(), request.form)["name"])
        person_id = system().accounts.register(data["name"], invitation.email, data["password"])
    elif situation == CONFIRM:
        person_id = current_person_id() or ""
    else:  # sign in first, or sign out of another account first: the page says which
        return _page(invitation, token, 403)
    try:
        saved = _join(invitation, token, person_id)
    except InvitationUsed:  # someone was quicker with the same link
        return _invalid()
    except DomainError as error:
        return _page(invitation, token, status_for(error), alert=translated(error))
    if situation == NEW:
        start_session(person_id)
    wait_for(saved)
    flash(gettext("Welcome to %(plan)s.", plan=plan.name))
    return redirect(url_for("plans.plan", plan_id=invitation.plan_id))


def _join(invitation: Invitation, token: str, person_id: str) -> Saved:
    """Use the link up first (once, even in a race), then join; a refused join gives it back."""
    system().invitations.accept(token, person_id)
    try:
        with acting_as(person_id):
            return system().app.join_plan(invitation.plan_id, invitation.role, invitation.org_id,
                                          invitation.invited_by)
    except DomainError:
        system().invitations.release(invitation.id, person_id)
        raise
