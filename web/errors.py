"""One place that turns domain errors into HTTP answers (and, later, socket error replies)."""

from __future__ import annotations

import math
from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError

from domain.errors import Busy, Conflict, DomainError, NotAllowed, NotFound, RuleViolated
from domain.undo import SKIP_REASONS
from web.validation import message_lines, translate_messages
from web.vocabulary import field_name, term

STATUS = {NotFound: 404, Conflict: 409, RuleViolated: 422, NotAllowed: 403, Busy: 503}
#: Blanks filled with a word the domain stores ("pledged", "draft"), shown in the reader's language.
TERM_BLANKS = ("status", "new_status", "stage", "next_stage", "wanted")
#: The other HTTP refusals, in the reader's language with a key of their own (docs/realtime.md,
#: "Errors"); CSRF, rate limits, sizes and 404 have handlers of their own.
HTTP_REFUSALS = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorised", _l("Sign in first.")),
    403: ("not_allowed", _l("You may not do that.")),
    405: ("method_not_allowed", _l("This address does not take that kind of request.")),
    406: ("not_acceptable", _l("That form of answer is not available here.")),
    409: ("conflict", _l("That could not be done as things stand now.")),
    415: ("unsupported_media_type", _l("That kind of content is not taken here.")),
    500: ("internal", _l("Something went wrong on the server. Try again; if it happens "
                               "again, tell whoever runs this installation.")),
}


def status_for(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def payload_for(error: Exception) -> dict[str, Any]:
    if isinstance(error, DomainError):
        payload = {**error.as_dict(), "message": translated(error)}
        if isinstance(payload.get("skipped"), list):  # an undo with nothing left to undo
            payload["skipped"] = [{**e, "message": skip_message(e)} for e in payload["skipped"]]
        return payload
    if isinstance(error, ValidationError):
        return {"error": "invalid", "message": gettext("Some values are missing or invalid."),
                "fields": translate_messages(error.messages)}
    return {"error": "internal", "message": gettext("Something went wrong.")}


def translated(error: DomainError) -> str:
    """The domain's message in the reader's language (templates are in the catalogues)."""
    try:
        text = gettext(error.template).format_map(_blanks_in_reader_language(error.details))
    except (KeyError, IndexError, ValueError):  # a translation with a broken blank
        return error.message
    return text[:1].upper() + text[1:]  # "{field} must …" starts with a field's name


def skip_message(entry: dict[str, Any]) -> str:
    """Why an undo skipped a change (domain/undo.py), in the reader's language."""
    template = SKIP_REASONS.get(entry.get("reason_code") or "")
    if template is None:
        return str(entry.get("message") or "")
    try:
        return gettext(template).format_map({"label": "", "year": "", **entry})
    except (KeyError, IndexError, ValueError):
        return str(entry.get("message") or "")


def _blanks_in_reader_language(details: dict[str, Any]) -> dict[str, Any]:
    shown = dict(details)
    for name in TERM_BLANKS:
        if name in shown:
            shown[name] = term(shown[name])
    if "field" in shown:
        shown["field"] = field_name(shown["field"])
    if isinstance(shown.get("choices"), list):
        shown["options"] = ", ".join(str(term(choice)) for choice in shown["choices"])
    return shown


def _retry_after(error: DomainError) -> dict[str, str]:
    """`busy` says when to try again: Retry-After takes whole seconds (rounded up)."""
    seconds = error.details.get("retry_after")
    return {"Retry-After": str(max(1, math.ceil(seconds)))} if isinstance(error, Busy) and seconds else {}


def wants_json() -> bool:
    """API clients get JSON; a page (or an export a browser opens) gets a page."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def refusal(status: int, payload: dict[str, Any], lines: list[str] | None = None,
            headers: dict[str, str] | None = None,
            links: list[tuple[str, str]] | None = None) -> Any:
    """A refusal as JSON for the API, else as a page with the message (and, for invalid
    input, a line per field: "from date: Not a valid date."), and `links` (address, words)
    to go on from there."""
    if wants_json():
        return payload, status, headers or {}
    html = render_template("error.html", message=payload.get("message"), lines=lines or [],
                           status=status, links=links or [])
    return html, status, headers or {}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Any:
        return refusal(status_for(error), payload_for(error), headers=_retry_after(error))

    @app.errorhandler(ValidationError)
    def validation_error(error: ValidationError) -> Any:
        return refusal(400, payload_for(error), message_lines(error.messages))

    @app.errorhandler(404)
    def not_found(_: Exception) -> Any:
        if wants_json():
            return {"error": "not_found", "message": gettext("Not found.")}, 404
        return render_template("error.html", message=None, status=404), 404

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        key, words = HTTP_REFUSALS.get(code, (f"http_{code}", _l("The request could not be handled.")))
        allow = {k: v for k, v in error.get_headers() if k == "Allow"}  # 405 says what is taken
        return refusal(code, {"error": key, "message": str(words)}, headers=allow)

    @app.errorhandler(InternalServerError)
    def internal_error(_: InternalServerError) -> Any:  # logged by Flask before it gets here
        key, words = HTTP_REFUSALS[500]
        return refusal(500, {"error": key, "message": str(words)})
