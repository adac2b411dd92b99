"""Query strings, loaded through one schema per route with real bounds.

Every route that reads its query string declares its `QuerySchema` (`@takes_query`) and calls
`query()`; no view reads `request.args` itself (tests/e2e/test_query_fuzz.py checks both, and fuzzes
every GET route with every parameter any schema names). A value out of range is a 400 that
names the field in the reader's language (web.errors: a page for pages, JSON for /api/), never
a 500 deeper down: positions fit 64 bits, days and moments lie between EARLIEST and LATEST
(no stored change is older than 1970, and nothing plans beyond 2100), and every moment has a
time zone (the app's, when none is given).

Conventions: a blank value (`?from=`, as a form's "all" choice sends) is as good as none; a
parameter that takes one value and comes twice is refused; `lang` belongs to the locale
selector (web.app) and is no schema's business.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from web.forms import FormSchema, echo

#: The largest log position or version there can be (a signed 64-bit integer).
MAX_POSITION = 2**63 - 1
EARLIEST, LATEST = date(1970, 1, 1), date(2100, 12, 31)


class QuerySchema(FormSchema):
    """The base of every route's query-string schema (unknown parameters are ignored)."""


View = TypeVar("View", bound=Callable[..., Any])


def takes_query(schema: type[QuerySchema]) -> Callable[[View], View]:
    """Declares the query string a route reads (a route without it reads none)."""
    def mark(view: View) -> View:
        view.query_schema = schema  # type: ignore[attr-defined]
        return view
    return mark


def query_schema_of(view: Callable[..., Any] | None) -> type[QuerySchema] | None:
    return getattr(view, "query_schema", None)


def _route_schema() -> QuerySchema:
    schema = query_schema_of(current_app.view_functions.get(request.endpoint or ""))
    if schema is None:
        raise LookupError(f"{request.endpoint} reads a query string: declare it with @takes_query")
    return schema()


def query() -> dict[str, Any]:
    """The request's query string through its route's schema (ValidationError → 400)."""
    schema = _route_schema()
    return schema.load(given(schema))


def given(schema: QuerySchema | None = None) -> dict[str, Any]:
    """The raw values the schema knows: a list for a List field, else the one value."""
    schema = schema or _route_schema()
    raw: dict[str, Any] = {}
    twice: dict[str, list[str]] = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        values = [v for v in request.args.getlist(key) if v.strip()]
        if not values:
            continue
        if isinstance(field, fields.List):
            raw[key] = values
        elif len(values) > 1:
            twice[key] = [gettext("Give this only once.")]
        else:
            raw[key] = values[0]
    if twice:
        raise ValidationError(twice)
    return raw


def shown_again() -> dict[str, Any]:
    """The query's values a page may put back into its filter form (each within its limit)."""
    return {k: v for k, v in echo(_route_schema(), request.args).items() if v}


def position(**kwargs: Any) -> fields.Integer:
    """A log position or a version: 1 … 2**63 − 1."""
    return fields.Integer(strict=False, validate=validate.Range(
        min=1, max=MAX_POSITION, error=_l("Give a whole number from {min} to {max}.")), **kwargs)


def day(**kwargs: Any) -> fields.Date:
    """A calendar day (YYYY-MM-DD) between EARLIEST and LATEST."""
    return fields.Date(validate=validate.Range(
        min=EARLIEST, max=LATEST, error=_l("Give a date from {min} to {max}.")),
        error_messages={"invalid": _l("Write the date as YYYY-MM-DD.")}, **kwargs)


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def moment(text: str) -> datetime:
    """An ISO 8601 moment ("2027-03-01T14:30", the app's time zone unless an offset is given),
    between EARLIEST and LATEST; ValidationError otherwise."""
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(gettext("Give a date and time (for example 2027-03-01T14:30).")) from None
    if not EARLIEST <= found.date() <= LATEST:  # also keeps time-zone arithmetic in range
        raise ValidationError(gettext("Give a moment from %(min)s to %(max)s.",
                                      min=EARLIEST.isoformat(), max=LATEST.isoformat()))
    return found if found.tzinfo else found.replace(tzinfo=zone())
