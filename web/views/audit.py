"""The audit trail: a filtered page, its JSON API and streamed CSV/JSON exports (members only)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, stream_with_context
from flask_babel import format_datetime, get_locale, get_timezone, gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy.exc import SQLAlchemyError

from adapters.audit_workbook import AuditWorkbook, xlsx_chunks
from adapters.spreadsheet import csv_chunks, dialect_for
from projections import queries
from projections.audit_queries import (
    KINDS,
    AuditFilter,
    audit_page,
    commitment_owners,
    iter_audit,
    named_subjects,
)
from web.app import system
from web.audit_export import EXPORT_COLUMNS, KRONOR_COLUMNS, export_record, export_values, heads
from web.audit_text import people_in, record
from web.auth import require, token_readable
from web.formatting import currency_unit
from web.people import display_names
from web.query import QuerySchema, day, position, query, shown_again, takes_query
from web.validation import message_lines
from web.vocabulary import SECTORS

bp = Blueprint("audit", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NAMES_BATCH = 500
#: The kinds of change a reader filters by, in the reader's words (keys are KINDS').
KIND_LABELS = {"amounts": _l("Amounts"), "shares": _l("Cost shares"), "lines": _l("Budget lines"),
               "budget_status": _l("Budgets and their status"),
               "budget_years": _l("Budget years"), "members": _l("Members"),
               "organisations": _l("Organisations"), "plan": _l("The plan"),
               "services": _l("Shared services"), "commitments": _l("Commitments")}


class AuditQuerySchema(QuerySchema):
    person = fields.UUID()
    org = fields.UUID()
    sector = fields.String(validate=validate.OneOf(SECTORS))
    kind = fields.List(fields.String(validate=validate.OneOf(KINDS)),
                       validate=validate.Length(max=len(KINDS)))
    event_type = fields.List(fields.String(validate=validate.Regexp(r"^[A-Za-z]{1,60}$")),
                             validate=validate.Length(max=60))
    aggregate = fields.UUID()
    line = fields.UUID()
    since = day(data_key="from")
    to = day()
    before = position()
    heads = fields.String(validate=validate.OneOf(("words", "names")))  # the exports' head row

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("since") and data.get("to") and data["since"] > data["to"]:
            raise ValidationError(gettext("The from date must not be after the to date."), "from")


def _load(plan_id: str) -> tuple[AuditFilter, int | None]:
    """The filter the query string asks for (ValidationError → 400)."""
    p = query()
    ids = {k: str(p[k]) if k in p else None for k in ("person", "org", "aggregate", "line")}
    f = AuditFilter(plan_id, aggregate_id=ids["aggregate"], subject_id=ids["line"],
                    person_id=ids["person"], org_id=ids["org"], sector=p.get("sector"),
                    kinds=tuple(p.get("kind", ())), event_types=tuple(p.get("event_type", ())),
                    since=_utc(p.get("since")),
                    until=_utc(p["to"] + timedelta(days=1)) if p.get("to") else None)
    return f, p.get("before")


def _utc(day: date | None) -> str | None:
    """The start of a day in the reader's time zone, as audit rows store times (UTC ISO)."""
    if day is None:
        return None
    zone, naive = get_timezone(), datetime.combine(day, time())
    local = zone.localize(naive) if hasattr(zone, "localize") else naive.replace(tzinfo=zone)
    return local.astimezone(UTC).isoformat(timespec="microseconds")


def _filters() -> dict[str, list[str]]:
    """The filters given (each within its field's limit), every one as a list of values."""
    return {k: v if isinstance(v, list) else [v]
            for k, v in shown_again().items()}


def _filters_query(filters: dict[str, list[str]], **extra: Any) -> str:
    kept = [(k, v) for k, vs in filters.items() if k != "before" for v in vs]
    return urlencode(kept + [(k, v) for k, v in extra.items() if v is not None])


def _names_and_actors(rows: list[dict[str, Any]], plan_id: str) -> tuple[dict[str, str], dict[str, str]]:
    with system().engine.connect() as conn:
        actors = {a["actor_id"]: a["name"] for a in queries.actors(conn, plan_id)}
    return display_names(people_in(rows)), actors


@bp.get("/plans/<plan_id>/audit")
@takes_query(AuditQuerySchema)
def page(plan_id: str) -> Any:
    require(plan_id)
    try:
        f, before = _load(plan_id)
        error = None
    except ValidationError as invalid:  # the page again, with the filters and what is wrong
        f, before, error = AuditFilter(plan_id), None, message_lines(invalid.messages)
    with system().engine.connect() as conn:
        overview = queries.plan_overview(conn, plan_id)
        rows, cursor = audit_page(conn, f, before) if error is None else ([], None)
        subjects = named_subjects(conn, plan_id)
        verified = _verification(conn)
    names, actors = _names_and_actors(rows, plan_id)
    members = display_names({m["person_id"] for m in overview["members"]})
    entries = [dict(record(r, names, actors), shown_at=format_datetime(
        datetime.fromisoformat(r["recorded_at"]), "short"),
        change_no=r["aggregate_version"] if r["aggregate_type"] == "budget" else None)
        for r in rows]
    filters = _filters()
    html = render_template(
        "audit.html", plan=overview, entries=entries, members=members, subjects=subjects,
        kinds=KIND_LABELS, sectors=SECTORS, args=filters, errors=error, verified=verified,
        older=_filters_query(filters, before=cursor) if cursor else None,
        filters=_filters_query(filters))
    return html, 400 if error else 200


@bp.get("/api/plans/<plan_id>/audit")
@takes_query(AuditQuerySchema)
def api_page(plan_id: str) -> Any:
    require(plan_id)
    f, before = _load(plan_id)
    with system().engine.connect() as conn:
        rows, cursor = audit_page(conn, f, before)
    names, actors = _names_and_actors(rows, plan_id)
    return {"entries": [record(r, names, actors) for r in rows], "next": cursor}


@bp.get("/plans/<plan_id>/audit.csv")
@token_readable
@takes_query(AuditQuerySchema)
def export_csv(plan_id: str) -> Response:
    require(plan_id)
    f, _ = _load(plan_id)
    # `;` and decimal commas for a Swedish or Norwegian spreadsheet, `,` and points in English;
    # every text cell neutralised: a name or label starting with "=" is data, never a formula.
    body = csv_chunks(_heads(), _values(f), dialect_for(str(get_locale() or "sv")))
    return _attachment(body, "text/csv; charset=utf-8", plan_id, "csv")


@bp.get("/plans/<plan_id>/audit.xlsx")
@token_readable
@takes_query(AuditQuerySchema)
def export_xlsx(plan_id: str) -> Response:
    require(plan_id)
    f, _ = _load(plan_id)
    book = AuditWorkbook(gettext("Audit trail"), _heads(),
                         [EXPORT_COLUMNS.index(c) for c in KRONOR_COLUMNS], currency_unit())
    return _attachment(xlsx_chunks(book, _values(f)), XLSX, plan_id, "xlsx")


@bp.get("/plans/<plan_id>/audit.json")
@token_readable
@takes_query(AuditQuerySchema)
def export_json(plan_id: str) -> Response:
    require(plan_id)
    f, _ = _load(plan_id)

    def chunks() -> Iterator[str]:
        yield "["
        separator = "\n"
        for batch in _records(f):
            for r in batch:
                # kronor as JSON numbers: öre / 100 as the shortest float that reads back the same
                yield separator + json.dumps({c: r[c] for c in EXPORT_COLUMNS},
                                             ensure_ascii=False, default=float)
                separator = ",\n"
        yield "\n]\n"

    return _attachment(chunks(), "application/json", plan_id, "json")


def _heads() -> list[str]:
    return heads(machine_names=query().get("heads") == "names")


def _values(f: AuditFilter) -> Iterator[list[list[Any]]]:
    return ([export_values(r) for r in batch] for batch in _records(f))


def _records(f: AuditFilter) -> Iterator[list[dict[str, Any]]]:
    """Export records a batch at a time; names are looked up once per person at export time."""
    names: dict[str, str] = {}
    with system().engine.connect() as conn:
        # Organisations by their latest names, removed ones too (a share's owner may have gone).
        actors = {a["id"]: a["name"] for a in named_subjects(conn, f.plan_id).get("actor", [])}
        owners = commitment_owners(conn, f.plan_id)
    rows = iter_audit(system().engine, f)
    while batch := list(itertools.islice(rows, NAMES_BATCH)):
        unknown = people_in(batch) - names.keys()
        if unknown:
            names.update(display_names(unknown))
        yield [export_record(r, names, actors, owners) for r in batch]


def _attachment(body: Iterator[str], mimetype: str, plan_id: str, extension: str) -> Response:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(stream_with_context(body), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="audit-{plan_id[:8]}-{stamp}.{extension}"',
        "Cache-Control": "no-store"})


def _verification(conn: Any) -> dict[str, Any]:
    """What the hash chain's checks found and when (web/verification.py words it)."""
    from web.verification import banner

    try:
        return banner(conn)
    except SQLAlchemyError:  # the chain's tables are not there yet
        return {"state": "none"}
