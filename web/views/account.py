"""The signed-in person's own account: password change (and, below it, API tokens)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from adapters.accounts import WrongPassword
from web.app import system
from web.auth import current_person_id, session_token
from web.forms import PasswordChangeSchema

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(status: int = 200, **context: Any) -> Any:
    person = system().people.get(current_person_id() or "")
    return render_template("account.html", person=person, **context), status


@bp.get("")
def index() -> Any:
    return _page()


@bp.post("/password")
def change_password() -> Any:
    """Needs the current password; every other session of the person ends (and its sockets)."""
    try:
        data = PasswordChangeSchema().load(request.form)
    except ValidationError as error:
        return _page(400, password_errors=error.messages)
    if data["new_password"] != data["repeat_password"]:
        return _page(400, password_errors={"repeat_password": [
            gettext("The two new passwords are not the same.")]})
    person_id = current_person_id() or ""
    try:
        system().accounts.change_password(person_id, data["current_password"], data["new_password"])
    except WrongPassword:
        return _page(400, password_errors={"current_password": [
            gettext("The current password is not right.")]})
    ended = system().accounts.close_sessions(person_id, keep=session_token())
    from web.live import end_live_sessions

    end_live_sessions(ended, hashed=True)
    flash(gettext("Your password is changed. You are signed out everywhere else."))
    return redirect(url_for("account.index"))
