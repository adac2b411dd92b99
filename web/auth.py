"""Who is asking: sign-in with e-mail and password, sessions, API tokens, and the access rules.

Every route needs a signed-in person unless its endpoint is in PUBLIC_ENDPOINTS (deny by
default: a new route is private until someone decides otherwise). A page session lives in the
database (the cookie holds a random token; the database its hash), so signing out, changing a
password or erasing a person ends it at once, in every process. The REST API also takes a
personal token: `Authorization: Bearer svk_…`, and so do the downloads marked
`@token_readable` (the audit and budget exports), for a GET only and with the person's rights.
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
from marshmallow import ValidationError, fields, validate
from werkzeug.wrappers import Response

from domain.access import READ, Right
from domain.context import acting_as
from web.app import chosen_language, system
from web.extensions import csrf, limiter
from web.forms import MAX_NEXT, SignInSchema, echo
from web.people import display_names
from web.query import QuerySchema, query, takes_query
from web.vocabulary import term

bp = Blueprint("auth", __name__)

#: Endpoints anyone may reach without signing in.
PUBLIC_ENDPOINTS = {"auth.sign_in_form", "auth.sign_in", "static", "invitations.accept_form",
                    "invitations.accept", "setup.form", "setup.create", "passwords.form",
                    "passwords.set_password", "health.alive", "health.ready"}
#: What stays reachable while nobody has an account: the first-run page itself, and the
#: links of people an operator added before anyone signed up (`samverkan people add`).
BEFORE_SETUP = {"static", "setup.form", "setup.create", "passwords.form", "passwords.set_password"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: Answered without asking who calls (no session lookup, no first-run redirect): files, and the
#: probes a load balancer sends many times a minute.
UNIDENTIFIED = {"static", "health.alive", "health.ready"}


def token_readable(view: Any) -> Any:
    """Mark a download (GET) outside /api/ that an API token may fetch, as its person."""
    view.token_readable = True
    return view


def _token_may_reach() -> bool:
    """An API token reaches the REST API and the downloads marked token-readable, nothing else."""
    if request.path.startswith("/api/"):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return request.method in ("GET", "HEAD") and getattr(view, "token_readable", False)


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
    if request.endpoint in UNIDENTIFIED:
        return None
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        person = system().tokens.person_for(header[7:].strip())
        if person is None or not _token_may_reach():
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
    if g.person_id is None and request.endpoint not in BEFORE_SETUP and system().first_run.needed():
        return _ask_to_set_up()
    if g.person_id is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return _ask_to_sign_in()
    return None


def _ask_to_set_up() -> Any:
    """Nobody can sign in yet: every page leads to the first-run page."""
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": "setup_needed", "message": gettext(
            "Nobody has an account here yet: open /setup to create the first one.")}, 401
    # The language chosen on the way in goes along (it may not be in the session yet).
    return redirect(url_for("setup.form", lang=chosen_language()), 303)


def _ask_to_sign_in() -> Any:
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": "unauthorised", "message": gettext("Sign in first.")}, 401
    target = request.full_path.rstrip("?") if request.method == "GET" else ""
    if len(target) > MAX_NEXT:  # the sign-in form would refuse it: start from the plans
        target = ""
    return redirect(url_for("auth.sign_in_form", next=target))


def safe_next(target: str | None) -> str:
    """Only a path of this site: not '//host' nor '/\\host', and no control characters
    (browsers drop a tab or newline, so '/<tab>/host' would lead to another site)."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable()):
        return target
    return url_for("plans.index")


@bp.app_context_processor
def inject_person() -> dict[str, object]:
    person_id = current_person_id()
    name = display_names([person_id])[person_id] if person_id else None
    return {"me": {"person_id": person_id, "name": name} if person_id else None}


class SignInQuerySchema(QuerySchema):
    next = fields.String(load_default="", validate=validate.Length(max=MAX_NEXT))


@bp.get("/sign-in")
@takes_query(SignInQuerySchema)
def sign_in_form() -> Any:
    target = query()["next"]
    if current_person_id():
        return redirect(safe_next(target))
    return _sign_in_page(next=target, email="")


def _sign_in_page(status: int = 200, **context: Any) -> Any:
    """The sign-in form, what Samverkan is, and — while the demo's people still have the demo
    password — the demo accounts to try it with."""
    accounts = [{"name": p.name, "email": p.email, "role": term(p.role),
                 "organisation": p.org_name} for p in system().demo_accounts.open()]
    password = system().settings.demo_password if accounts else None
    return render_template("sign_in.html", demo_accounts=accounts, demo_password=password,
                           **context), status


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
        shown = echo(SignInSchema(), form)  # never more than each field may hold
        return _sign_in_page(400, next=shown["next"], email=shown["email"], errors=error.messages)
    person = system().accounts.authenticate(data["email"], data["password"])
    if person is None:
        return _sign_in_page(401, next=data["next"], email=data["email"], failed=True)
    start_session(person.id)
    return redirect(safe_next(data["next"]))


@bp.post("/sign-out")
def sign_out() -> Response:
    end_session()
    return redirect(url_for("auth.sign_in_form"))


def init_auth(app: Flask) -> None:
    app.before_request(_identify)
    app.register_blueprint(bp)
