"""create_app(): the Flask app around a System, with its blueprints, socket namespace and i18n."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, request, session
from flask_babel import get_locale

from adapters.bootstrap import System, bootstrap
from adapters.settings import Settings
from web.errors import register_error_handlers
from web.extensions import babel, socketio
from web.formatting import register_filters
from web.observability import configure_logging, init_request_ids

LANGUAGES = ("sv", "nb", "en")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app around a System (from config["SYSTEM"], or from the environment)."""
    app = Flask(__name__)
    app.config.update(
        BABEL_DEFAULT_LOCALE="sv",
        BABEL_DEFAULT_TIMEZONE="Europe/Stockholm",  # the same time as Oslo
        BABEL_TRANSLATION_DIRECTORIES=os.path.join(app.root_path, "translations"),
        LANGUAGES=LANGUAGES,
    )
    app.config.update(config or {})
    given: System | None = app.config.get("SYSTEM")
    settings = given.settings if given else app.config.get("SETTINGS") or Settings.from_env()
    configure_logging(settings.log_format)  # before bootstrap, so its lines are alike
    system: System = given or bootstrap(settings)
    app.extensions["samverkan"] = system
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = system.settings.session_secret()

    init_request_ids(app)  # first, so every later hook and handler logs with the request's id
    babel.init_app(app, locale_selector=_select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["live_position"] = _live_position
    _register_namespaces()
    socketio.init_app(app, async_mode=async_mode(), **live_options(system.settings))
    register_filters(app)
    register_error_handlers(app)

    from web.api import bp as api_bp
    from web.auth import init_auth
    from web.input_guard import init_input_guard
    from web.live import init_live
    from web.security import init_security
    from web.views.account import bp as account_bp
    from web.views.audit import bp as audit_bp
    from web.views.budget_import import bp as budget_import_bp
    from web.views.budgets import bp as budgets_bp
    from web.views.commitments import bp as commitments_bp
    from web.views.dashboard import bp as dashboard_bp
    from web.views.decisions import bp as decisions_bp
    from web.views.health import bp as health_bp
    from web.views.history import bp as history_bp
    from web.views.invitations import bp as invitations_bp
    from web.views.members import bp as members_bp
    from web.views.organisations import bp as organisations_bp
    from web.views.passwords import bp as passwords_bp
    from web.views.plans import bp as plans_bp
    from web.views.plans_admin import bp as plans_admin_bp
    from web.views.risks import bp as risks_bp
    from web.views.services import bp as services_bp
    from web.views.setup import bp as setup_bp

    init_security(app, system.settings.ratelimit_storage)
    init_auth(app)
    init_input_guard(app)
    app.register_blueprint(plans_bp)
    app.register_blueprint(plans_admin_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(budgets_bp)
    app.register_blueprint(budget_import_bp)
    app.register_blueprint(decisions_bp)
    app.register_blueprint(commitments_bp)
    app.register_blueprint(services_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(risks_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(history_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(setup_bp)
    app.register_blueprint(passwords_bp)
    app.register_blueprint(health_bp)
    init_live(app)
    return app


def live_options(settings: Settings) -> dict[str, Any]:
    """Socket.IO hardening: which pages may connect (same origin unless named; never '*'),
    and the largest frame the transport takes at all (messages over 16 KiB get a clear
    refusal from the namespace; anything far larger is cut off here)."""
    return {"cors_allowed_origins": list(settings.allowed_origins) or None,
            "max_http_buffer_size": 64 * 1024}


def async_mode() -> str:
    """gevent when the process was patched for it (`samverkan serve`), else threads (tests).

    Measured on this kind of machine (scripts/bench_realtime.py): threads saturate a core near
    200–300 broadcasts/s to 50 clients; gevent holds twice that at half the CPU.
    """
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def _register_namespaces() -> None:
    """Socket.IO namespaces are registered once; every app's server then gets them."""
    from web.live import NAMESPACE
    from web.live.namespace import LiveNamespace

    if not any(getattr(h, "namespace", None) == NAMESPACE for h in socketio.namespace_handlers):
        socketio.on_namespace(LiveNamespace(NAMESPACE))


def chosen_language() -> str | None:
    """The language this request's `?lang=` asks for, if it is one of ours."""
    chosen = request.args.get("lang")
    return chosen if chosen in LANGUAGES else None


def _select_locale() -> str:
    chosen = chosen_language()
    if chosen:
        session["lang"] = chosen
    return session.get("lang") or request.accept_languages.best_match(LANGUAGES) or "sv"


def system() -> System:
    """The System of the current app."""
    from flask import current_app

    return current_app.extensions["samverkan"]


def _live_position() -> int:
    """How far in the log every read model is: a page rendered from them includes everything
    up to here, so a page that follows its plan live catches up from this position."""
    from projections.queries import views_position

    with system().engine.connect() as conn:
        return views_position(conn)
