"""Text no store can keep is refused at the edge of every HTTP route, before any view runs.

A JSON body may carry a lone UTF-16 surrogate (`"\\ud800"`), a form or a query string a NUL
or another control character (`%00`); validation would pass them and the save would fail as
an internal error, or PostgreSQL would refuse them. One hook looks at everything a request
brings as text (the address's parts, the query string, the form, a JSON body; names and
values) with web.text_input.first_unfit_text, the same check the live socket uses, and
refuses the request as invalid (400, the field named) when any of it is unfit.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import gettext
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from web.text_input import first_unfit_text, unfit_text


def first_unfit_in_request() -> str | None:
    """The first field of the request holding unfit text, or None."""
    for found in (first_unfit_text(request.view_args or {}), _in_multidict(request.args),
                  _in_multidict(request.form)):
        if found:
            return found
    if request.is_json:
        return first_unfit_text(request.get_json(silent=True))
    return None


def _in_multidict(data: MultiDict[str, Any]) -> str | None:
    for key, values in data.lists():
        if unfit_text(key):
            return "_schema"
        if any(isinstance(v, str) and unfit_text(v) for v in values):
            return key
    return None


def _refuse_unfit_text() -> None:
    try:
        where = first_unfit_in_request()
    except RecursionError:  # JSON nested deeper than the parser goes (no body of ours is)
        raise ValidationError({"_schema": [gettext("The JSON is nested too deeply.")]}) from None
    if where is not None:
        raise ValidationError({where: [gettext(
            "This holds characters that cannot be stored (control characters or broken "
            "Unicode). Remove them and try again.")]})


def init_input_guard(app: Flask) -> None:
    """After sign-in and CSRF (web.auth), before any view."""
    app.before_request(_refuse_unfit_text)
