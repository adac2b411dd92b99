"""The first-run page: on an installation where nobody has an account, the first person makes one.

Until then every page leads here (web/auth.py); afterwards this page is gone (404). The
account and the mark that setup is done are stored in one transaction (adapters/first_run.py),
so two people submitting at once cannot both become the first.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from adapters.first_run import AlreadySetUp
from domain.errors import Conflict, RuleViolated
from web.app import system
from web.auth import start_session
from web.errors import translated
from web.extensions import limiter
from web.forms import echo
from web.forms_setup import FirstAccountSchema

bp = Blueprint("setup", __name__)


@bp.after_request
def _not_stored(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(status: int = 200, errors: dict[str, list[str]] | None = None,
          sent: dict[str, Any] | None = None) -> Any:
    return render_template("setup.html", errors=errors, sent=sent or {}), status


def _only_while_needed() -> None:
    if not system().first_run.needed():
        abort(404)


@bp.get("/setup")
def form() -> Any:
    _only_while_needed()
    return _page()


@bp.post("/setup")
# Each submission hashes a password (argon2): a flood from one address is turned away.
@limiter.limit(lambda: current_app.config["SETUP_LIMIT_PER_ADDRESS"])
def create() -> Any:
    _only_while_needed()
    sent = echo(FirstAccountSchema(), request.form)
    try:
        data = FirstAccountSchema().load(request.form)
    except ValidationError as error:
        return _page(400, error.messages, sent)  # type: ignore[arg-type]
    try:
        person_id = system().first_run.create_first_account(data["name"], data["email"],
                                                            data["password"])
    except AlreadySetUp:  # someone else was first, a moment ago
        abort(404)
    except (Conflict, RuleViolated) as error:
        return _page(400, {error.details.get("field") or "email": [translated(error)]}, sent)
    start_session(person_id)
    flash(gettext("Welcome, %(name)s. Your account is ready: you can start a plan.",
                  name=data["name"]))
    return redirect(url_for("plans.index"))
