"""A budget's history: the changes grouped by day and person, the budget as it stood after a
change number or at a moment, the difference between two, and the JSON the meeting replay
steps through (also for services and commitments).

Words (docs/audit.md): a budget's *revision* (1, 2, …) is the budget that a revision started;
a *change number* is a position in one budget's history (the aggregate's version). The query
parameters keep their names (`version`, `at`, `from`, `to`, `before`) for the links people
kept. Every page and API here is read-only; the application checks READ in the plan. A bad
parameter is a page with the message (web.views.history_errors), JSON only for /api/.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Blueprint, render_template
from flask_babel import get_timezone, gettext
from marshmallow import ValidationError, fields, validates_schema

from domain.budgets import Budget
from domain.commitments import Commitment
from domain.services import SharedService
from projections import history, queries
from projections.audit_queries import AuditFilter, audit_page
from web.app import system
from web.audit_text import people_in
from web.auth import acting, require
from web.history_list import group, picked
from web.history_text import Speaker, removed_line, touched
from web.people import display_names
from web.query import QuerySchema, moment, position, query, takes_query
from web.schemas import SheetSchema
from web.views.history_errors import register_refusals

bp = Blueprint("history", __name__)
register_refusals(bp)


class ChangeOrMoment(fields.Field):
    """A change number ("12") or a moment in ISO 8601 ("2027-03-01T14:30", local time if no
    offset is given), each within web.query's bounds."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int | datetime:
        text = str(value).strip()
        if CHANGE_NUMBER.fullmatch(text):
            return position().deserialize(text)
        try:
            return moment(text)
        except ValidationError:
            raise ValidationError(gettext("Give a change number or a date and time "
                                          "(for example 2027-03-01T14:30).")) from None


#: A change number as digits (ASCII only: "²" is a digit to str.isdigit, not to int()).
CHANGE_NUMBER = re.compile(r"[0-9]{1,19}")


class AtSchema(QuerySchema):
    version = position()  # a change number
    at = ChangeOrMoment()

    @validates_schema
    def _one_of(self, data: dict[str, Any], **_: Any) -> None:
        if "version" in data and "at" in data:
            raise ValidationError(gettext("Give a change number or a moment, not both."))
        if isinstance(data.get("at"), int):
            raise ValidationError(gettext("Give a date and time."), "at")


class DiffSchema(QuerySchema):
    start = ChangeOrMoment(data_key="from", required=True)
    end = ChangeOrMoment(data_key="to")

    #: A refusal names the fields as the reader knows them here (the audit's `from` is a date).
    NAMES = {"from": "compare_from", "to": "compare_to"}

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        renamed = {self.NAMES.get(str(k), k): v for k, v in messages.items()}
        super().handle_error(ValidationError(renamed, data=error.data, valid_data=error.valid_data),
                             data, many=many, **kwargs)


class ChangesSchema(QuerySchema):
    before = position()  # the log position the next (older) page starts below


def _at(point: int | datetime | None) -> dict[str, Any]:
    if isinstance(point, datetime):
        return {"moment": point}
    return {"version": point}


def _budget(budget_id: str, point: int | datetime | None) -> tuple[Budget, Any | None]:
    """The budget after a change number or at a moment, and the change that made it so."""
    with acting():
        app = system().app
        budget = app.budget_at(budget_id, **_at(point))
        events = app.changes_between(Budget, budget.id, budget.version - 1, budget.version)
    return budget, events[0] if events else None


def _sheet(budget: Budget) -> tuple[Any, Speaker]:
    with system().engine.connect() as conn:
        actors = queries.actors(conn, budget.plan_id)
    return history.sheet_of(budget, actors), Speaker(actors, budget.title)


def _latest(budget_id: str) -> int:
    return system().app.load(Budget, budget_id, copy=False).version


def _change(budget: Budget, event: Any | None, sheet: Any) -> dict[str, Any] | None:
    """The change that made this state: its parts, the cell it touched and, for a removal,
    the line as it was (so that a page can show it crossed out)."""
    if event is None:
        return None
    change = history.changes([event], _labels(sheet))[0]
    return {**change, "touched": touched(event, change), "removed_line": removed_line(event)}


@bp.get("/budgets/<budget_id>/changes")
@takes_query(ChangesSchema)
def changes(budget_id: str) -> str:
    """The budget's changes, newest first, by day and person, with a from/to picker."""
    before = query().get("before")
    with acting():
        budget = system().app.load(Budget, budget_id, copy=False)
    require(budget.plan_id)
    with system().engine.connect() as conn:
        rows, cursor = audit_page(conn, AuditFilter(budget.plan_id, aggregate_id=str(budget.id)),
                                  before)
        actors = {a["actor_id"]: a["name"] for a in queries.actors(conn, budget.plan_id)}
    days = group(rows, display_names(people_in(rows)), actors, get_timezone())
    start, end = picked(days)
    return render_template("history_changes.html", budget=budget, days=days, older=cursor,
                           paged=before is not None, picked={"from": start, "to": end})


@bp.get("/budgets/<budget_id>/history")
@takes_query(AtSchema)
def budget_at(budget_id: str) -> str:
    """The budget sheet as it stood (read-only), with who made that change."""
    params = query()
    budget, event = _budget(budget_id, params.get("version") or params.get("at"))
    sheet, speaker = _sheet(budget)
    change = _change(budget, event, sheet)
    return render_template("history.html", sheet=sheet, latest=_latest(budget_id),
                           change=change, said=change and speaker.describe(event, change),
                           marked=change and change["touched"])


@bp.get("/budgets/<budget_id>/diff")
@takes_query(DiffSchema)
def budget_diff(budget_id: str) -> str:
    """What differs between two change numbers or moments, and each change in between."""
    params = query()
    before, _ = _budget(budget_id, params["start"])
    after, _ = _budget(budget_id, params.get("end"))
    if before.version > after.version:
        before, after = after, before
    with acting():
        events = system().app.changes_between(Budget, budget_id, before.version, after.version)
    (old, speaker), (new, _) = _sheet(before), _sheet(after)
    result = history.diff(old, new, events)
    return render_template("history_diff.html", sheet=new, diff=result, words=speaker,
                           latest=_latest(budget_id),
                           described=[speaker.describe(e, c)
                                      for e, c in zip(events, result["changes"], strict=True)])


@bp.get("/api/budgets/<budget_id>/at")
@takes_query(AtSchema)
def api_budget_at(budget_id: str) -> dict[str, Any]:
    """The budget sheet after a change number (the latest without one), for the replay."""
    params = query()
    budget, event = _budget(budget_id, params.get("version") or params.get("at"))
    sheet, speaker = _sheet(budget)
    reply = SheetSchema().dump({"position": 0, "sheet": sheet})
    reply.pop("position")
    change = _change(budget, event, sheet)
    reply.update(
        version=budget.version, latest=_latest(budget_id),
        totals={"by_year": {str(y): v for y, v in sheet.totals_by_year.items()},
                "total": sheet.total,
                "by_actor": {a: v["total"] for a, v in sheet.by_actor.items()}},
        change=change and {"version": change["version"], "kind": change["kind"],
                           "recorded_at": change["recorded_at"].isoformat(),
                           "person_id": change["person_id"], "org_id": change["org_id"],
                           "text": speaker.describe(event, change),
                           "touched": change["touched"], "removed_line": change["removed_line"]})
    return reply


def _aggregate_json(cls: type, aggregate_id: str) -> dict[str, Any]:
    params = query()
    with acting():
        aggregate = system().app.aggregate_at(cls, aggregate_id,
                                              **_at(params.get("version") or params.get("at")))
    return {"latest": system().app.load(cls, aggregate_id, copy=False).version,
            "state": history.state_of(aggregate)}


@bp.get("/api/services/<service_id>/at")
@takes_query(AtSchema)
def api_service_at(service_id: str) -> dict[str, Any]:
    """A shared service's state after a change number (read-only)."""
    return _aggregate_json(SharedService, service_id)


@bp.get("/api/commitments/<commitment_id>/at")
@takes_query(AtSchema)
def api_commitment_at(commitment_id: str) -> dict[str, Any]:
    """A commitment's state after a change number (read-only)."""
    return _aggregate_json(Commitment, commitment_id)


def _labels(sheet: Any) -> dict[str, str]:
    return {line["line_id"]: line["label"] for line in sheet.lines}
