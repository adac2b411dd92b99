"""Choosing a password through a one-time link (`samverkan people add` prints it).

Public: the person has no password yet (or has forgotten it and the operator made a new link).
Setting it uses the link up, ends every other session of the person, and signs them in.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from adapters.password_links import LinkUsed
from domain.errors import RuleViolated
from web.app import system
from web.auth import start_session
from web.errors import translated
from web.forms_setup import chosen_password_schema

bp = Blueprint("passwords", __name__)


@bp.after_request
def _keep_the_link_secret(response: Response) -> Response:
    """The token is in the address: no Referer carries it away, no cache keeps the page."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _invalid() -> Any:
    message = gettext("This link does not work: it has been used already, replaced by a newer "
                      "one, or it has expired. Ask whoever sent it for a new one.")
    return render_template("error.html", message=message, status=404), 404


def _page(person_id: str, token: str, status: int = 200,
          errors: dict[str, list[str]] | None = None) -> Any:
    person = system().people.get(person_id)
    if person is None or person.erased:
        return _invalid()
    return render_template("set_password.html", person=person, token=token, errors=errors), status


@bp.get("/set-password/<token>")
def form(token: str) -> Any:
    person_id = system().password_links.person_for(token)
    return _invalid() if person_id is None else _page(person_id, token)


@bp.post("/set-password/<token>")
def set_password(token: str) -> Any:
    person_id = system().password_links.person_for(token)
    if person_id is None:
        return _invalid()
    try:
        data = chosen_password_schema().load(request.form)
    except ValidationError as error:
        return _page(person_id, token, 400, error.messages)  # type: ignore[arg-type]
    try:
        system().password_links.use(token, data["password"])
    except LinkUsed:  # used in another tab a moment ago
        return _invalid()
    except RuleViolated as error:
        return _page(person_id, token, 400, {"password": [translated(error)]})
    ended = system().accounts.close_sessions(person_id)
    from web.live import end_live_sessions

    end_live_sessions(ended, hashed=True)
    start_session(person_id)
    flash(gettext("Your password is set. You are signed in."))
    return redirect(url_for("plans.index"))
