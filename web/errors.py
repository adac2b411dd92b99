"""One place that turns domain errors into HTTP answers (and, later, socket error replies)."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext
from marshmallow import ValidationError

from domain.errors import Conflict, DomainError, NotAllowed, NotFound, RuleViolated
from web.vocabulary import field_name, term

STATUS = {NotFound: 404, Conflict: 409, RuleViolated: 422, NotAllowed: 403}
#: Blanks filled with a word the domain stores ("pledged", "draft"), shown in the reader's language.
TERM_BLANKS = ("status", "new_status", "stage", "next_stage", "wanted")


def status_for(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def payload_for(error: Exception) -> dict[str, Any]:
    if isinstance(error, DomainError):
        return {**error.as_dict(), "message": translated(error)}
    if isinstance(error, ValidationError):
        return {"error": "invalid", "message": gettext("Some values are missing or invalid."),
                "fields": error.messages}
    return {"error": "internal", "message": gettext("Something went wrong.")}


def translated(error: DomainError) -> str:
    """The domain's message in the reader's language (templates are in the catalogues)."""
    try:
        text = gettext(error.template).format_map(_blanks_in_reader_language(error.details))
    except (KeyError, IndexError, ValueError):  # a translation with a broken blank
        return error.message
    return text[:1].upper() + text[1:]  # "{field} must …" starts with a field's name


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


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Any:
        status = status_for(error)
        if _wants_json():
            return payload_for(error), status
        return render_template("error.html", message=translated(error), status=status), status

    @app.errorhandler(ValidationError)
    def validation_error(error: ValidationError) -> Any:
        return payload_for(error), 400

    @app.errorhandler(404)
    def not_found(_: Exception) -> Any:
        if _wants_json():
            return {"error": "not_found", "message": gettext("Not found.")}, 404
        return render_template("error.html", message=None, status=404), 404
