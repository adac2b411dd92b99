"""Web hardening: CSRF on every change from a page, security headers, rate-limit answers.

- CSRF: Flask-WTF checks a token on every POST/PUT/PATCH/DELETE that is not made with an API
  token (web.auth calls `csrf.protect()` after finding out who is asking). Pages put the token
  in forms (`csrf_token()`) and in `<meta name="csrf-token">` for scripts.
- Headers: a Content-Security-Policy without 'unsafe-inline' (every script and style is a file
  of ours), no framing, no MIME sniffing, a strict referrer policy, HSTS on HTTPS.
- Cookies: HttpOnly, SameSite=Lax, Secure whenever the request came over HTTPS.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError

from adapters.accounts import SESSION_HOURS
from web.extensions import csrf, limiter
from web.request_limits import init_request_limits

CSP = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
    "form-action 'self'", "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SessionCookies(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the page was served over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def init_security(app: Flask, ratelimit_storage: str) -> None:
    init_request_limits(app)  # first: nothing may read a body before its size is checked
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # web.auth decides when
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a token lives as long as the session
    app.config.setdefault("WTF_CSRF_SSL_STRICT", True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", ratelimit_storage)
    app.config.setdefault("SIGN_IN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    app.config.setdefault("SIGN_IN_LIMIT_PER_ADDRESS", "30 per 15 minutes")
    app.config.setdefault("PASSWORD_CHECK_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    app.config.setdefault("PASSWORD_CHECK_LIMIT_PER_ADDRESS", "30 per 15 minutes")
    app.config.setdefault("SETUP_LIMIT_PER_ADDRESS", "10 per 15 minutes")
    app.session_interface = SessionCookies()
    csrf.init_app(app)
    limiter.init_app(app)
    app.after_request(_headers)

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> Any:
        message = gettext("The form had expired or did not come from this site. "
                          "Reload the page and try again.")
        if request.path.startswith("/api/") or request.is_json:
            return {"error": "csrf", "message": message}, 400
        return render_template("error.html", message=message, status=400), 400

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> Any:
        message = gettext("Too many attempts. Wait a few minutes and try again.")
        if request.path.startswith("/api/") or request.is_json:
            return {"error": "rate_limited", "message": message}, 429
        return render_template("error.html", message=message, status=429), 429


def _headers(response: Any) -> Any:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
