"""The signed-in person's own account: password, personal API tokens, and erasing their data."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError, fields, validate
from werkzeug.wrappers import Response

from adapters.accounts import WrongPassword
from adapters.tokens import MAX_LABEL
from domain.errors import NotFound, translatable
from web.app import system
from web.auth import current_person_id, end_session, session_token
from web.extensions import limiter
from web.forms import FormSchema, PasswordChangeSchema

bp = Blueprint("account", __name__, url_prefix="/account")


class NewTokenSchema(FormSchema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=MAX_LABEL))


class EraseSchema(FormSchema):
    confirm_email = fields.String(required=True, validate=validate.Length(min=1, max=320))


@bp.after_request
def _not_stored(response: Response) -> Response:
    """Account pages (one of them shows a new token's secret) stay out of every cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(status: int = 200, **context: Any) -> Any:
    person_id = current_person_id() or ""
    person = system().people.get(person_id)
    tokens = system().tokens.of(person_id)
    return render_template("account.html", person=person, tokens=tokens, **context), status


@bp.get("")
def index() -> Any:
    return _page()


def _person_key() -> str:
    return "person:" + (current_person_id() or "")


def _wrong_password(_: Response) -> bool:
    return bool(g.get("wrong_password"))


@bp.post("/password")
# Guessing the current password (a session left open, a stolen cookie) is limited like
# guessing at sign-in: failures count per account and per address, then 429.
@limiter.limit(lambda: current_app.config["PASSWORD_CHECK_LIMIT_PER_ADDRESS"],
               deduct_when=_wrong_password)
@limiter.limit(lambda: current_app.config["PASSWORD_CHECK_LIMIT_PER_ACCOUNT"], key_func=_person_key,
               deduct_when=_wrong_password)
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
        g.wrong_password = True
        return _page(400, password_errors={"current_password": [
            gettext("The current password is not right.")]})
    ended = system().accounts.close_sessions(person_id, keep=session_token())
    from web.live import end_live_sessions

    end_live_sessions(ended, hashed=True)
    flash(gettext("Your password is changed. You are signed out everywhere else."))
    return redirect(url_for("account.index"))


@bp.post("/tokens")
def create_token() -> Any:
    """The secret is in this response only: never stored, never put in the session cookie."""
    try:
        label = NewTokenSchema().load({"label": request.form.get("label", "").strip()})["label"]
    except ValidationError:
        return _page(400, token_errors=[gettext(
            "Give the token a name of 1 to %(maximum)d characters.", maximum=MAX_LABEL)])
    _, secret = system().tokens.issue(current_person_id() or "", label)
    return _page(201, new_token={"label": label, "secret": secret})


@bp.post("/tokens/<token_id>/revoke")
def revoke_token(token_id: str) -> Response:
    if not system().tokens.revoke(current_person_id() or "", token_id):
        raise NotFound(translatable("You have no such active API token."), id=token_id)
    flash(gettext("The API token is revoked: it no longer works."))
    return redirect(url_for("account.index"))


@bp.post("/erase")
def erase() -> Any:
    """Self-service erasure, confirmed by typing one's own e-mail address."""
    person = system().people.get(current_person_id() or "")
    try:
        typed = EraseSchema().load(request.form)["confirm_email"].strip().lower()
    except ValidationError:
        typed = ""
    if person is None or not person.email or typed != person.email:
        return _page(400, erase_errors=[gettext(
            "Type your own e-mail address to confirm that your personal data is to be erased.")])
    erase_person(person.id)
    end_session()
    flash(gettext("Your personal data is erased: your name, e-mail address, password, sessions "
                  "and API tokens are gone. The plans' history shows you as an erased person."))
    return redirect(url_for("auth.sign_in_form"))


def erase_person(person_id: str) -> None:
    """Erase the person (System.erase_person) and cut them off in this process: their live
    connections close and the live pages' name cache forgets them."""
    from web.live import end_live_sessions, live

    ended = system().accounts.close_sessions(person_id)
    system().erase_person(person_id)
    end_live_sessions(ended, hashed=True)
    live().names.forget_person(person_id)
