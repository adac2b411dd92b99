"""Who is asking: sign-in with e-mail and password, sessions, API tokens, and the access rules.

Every route needs a signed-in person unless its endpoint is in PUBLIC_ENDPOINTS (deny by
default: a new route is private until someone decides otherwise). A page session lives in the
database (the cookie holds a random token; the database its hash), so signing out, changing a
password or erasing a person ends it at once, in every process. The REST API also takes a
personal token: `Authorization: Bearer svk_…`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from domain.access import READ, Right
from domain.context import acting_as
from web.app import system
from web.extensions import csrf, limiter
from web.forms import SignInSchema

bp = Blueprint("auth", __name__)

#: Endpoints anyone may reach without signing in.
PUBLIC_ENDPOINTS = {"auth.sign_in_form", "auth.sign_in", "static", "invitations.accept_form",
                    "invitations.accept"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def current_person_id() -> str | None:
    return g.get("person_id")


def session_token() -> str | None:
    """The signed-in page session's token (None for API tokens and anonymous requests)."""
    return None if g.get("by_token") else session.get("sid")


@contextmanager
def acting(command_id: str | None = None) -> Iterator[None]:
    """Commands of this request act as the signed-in person (the application finds their
    organisation in the plan)."""
    with acting_as(current_person_id() or "", None, command_id):
        yield


def require(plan_id: str, right: Right = READ) -> dict[str, Any]:
    """The signed-in person's membership of the plan, if their role has `right` (else 403)."""
    with acting():
        return system().app.require(plan_id, right)


def start_session(person_id: str) -> None:
    """A new session for the person (a fresh cookie: nothing of the one before survives,
    which defeats session fixation), keeping only the chosen language. A session still open
    in this browser ends: it is not left valid behind the new cookie."""
    _close(session.get("sid"))
    language = session.get("lang")
    session.clear()
    session["sid"] = system().accounts.open_session(person_id)
    session.permanent = True
    if language:
        session["lang"] = language
    g.person_id = person_id


def end_session() -> None:
    _close(session.get("sid"))
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def _close(token: str | None) -> None:
    """End a page session on the server, and its live connections."""
    if token:
        system().accounts.close_session(token)
        from web.live import end_live_sessions

        end_live_sessions([token])


def _identify() -> Any:
    """Before every request: who is asking, CSRF for changes from pages, and sign-in first."""
    g.person_id, g.by_token = None, False
    if request.endpoint == "static":
        return None
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        person = system().tokens.person_for(header[7:].strip())
        if person is None or not request.path.startswith("/api/"):
            return {"error": "unauthorised",
                    "message": gettext("That API token is not valid (or not for this address).")}, 401
        g.person_id, g.by_token = person, True
        return None
    token = session.get("sid")
    if token:
        g.person_id = system().accounts.session_person(token)
        if g.person_id is None:  # ended elsewhere (sign-out, password change, erasure)
            session.pop("sid", None)
    if request.method not in SAFE_METHODS:
        csrf.protect()
    if g.person_id is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return _ask_to_sign_in()
    return None


def _ask_to_sign_in() -> Any:
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": "unauthorised", "message": gettext("Sign in first.")}, 401
    target = request.full_path if request.method == "GET" else ""
    return redirect(url_for("auth.sign_in_form", next=target.rstrip("?")))


def _safe_next(target: str | None) -> str:
    """Only a path of this site: not '//host' nor '/\\host', and no control characters
    (browsers drop a tab or newline, so '/<tab>/host' would lead to another site)."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable()):
        return target
    return url_for("plans.index")


@bp.app_context_processor
def inject_person() -> dict[str, object]:
    person_id = current_person_id()
    name = system().people.display_names([person_id])[person_id] if person_id else None
    return {"me": {"person_id": person_id, "name": name} if person_id else None}


@bp.get("/sign-in")
def sign_in_form() -> Any:
    if current_person_id():
        return redirect(_safe_next(request.args.get("next")))
    return render_template("sign_in.html", next=request.args.get("next", ""), email="")


def _account_key() -> str:
    return "account:" + str(request.form.get("email", "")).strip().lower()[:320]


def _failed(response: Response) -> bool:
    return response.status_code == 401


@bp.post("/sign-in")
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], key_func=_account_key,
               deduct_when=_failed)
def sign_in() -> Any:
    form = request.form
    try:
        data = SignInSchema().load({"email": form.get("email", ""),
                                    "password": form.get("password", ""),
                                    "next": form.get("next", "")})
    except ValidationError as error:
        return render_template("sign_in.html", next=form.get("next", ""),
                               email=form.get("email", ""), errors=error.messages), 400
    person = system().accounts.authenticate(data["email"], data["password"])
    if person is None:
        return render_template("sign_in.html", next=data["next"], email=data["email"],
                               failed=True), 401
    start_session(person.id)
    return redirect(_safe_next(data["next"]))


@bp.post("/sign-out")
def sign_out() -> Response:
    end_session()
    return redirect(url_for("auth.sign_in_form"))


def init_auth(app: Flask) -> None:
    app.before_request(_identify)
    app.register_blueprint(bp)
