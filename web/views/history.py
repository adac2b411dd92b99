"""Time travel: a budget as it stood at a version or moment, the difference between two, and
the JSON the meeting replay steps through (also for services and commitments).

Every page and API here is read-only; the application checks READ in the aggregate's plan.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext
from marshmallow import ValidationError, fields, validate, validates_schema

from domain.budgets import Budget
from domain.commitments import Commitment
from domain.services import SharedService
from projections import history, queries
from web.app import system
from web.auth import acting
from web.formatting import money, share
from web.forms import FormSchema
from web.schemas import SheetSchema
from web.vocabulary import term

bp = Blueprint("history", __name__)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


class VersionOrMoment(fields.Field):
    """A version number ("12") or a moment in ISO 8601 ("2027-03-01T14:30", local time if no
    offset is given)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int | datetime:
        text = str(value).strip()
        if text.isdigit() and 0 < int(text) < 2**31:
            return int(text)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(gettext("Give a version number or a date and time "
                                          "(for example 2027-03-01T14:30).")) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=_zone())


class AtSchema(FormSchema):
    version = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    at = VersionOrMoment()

    @validates_schema
    def _one_of(self, data: dict[str, Any], **_: Any) -> None:
        if "version" in data and "at" in data:
            raise ValidationError(gettext("Give a version or a moment, not both."))
        if isinstance(data.get("at"), int):
            raise ValidationError(gettext("Give a date and time."), "at")


class DiffSchema(FormSchema):
    start = VersionOrMoment(data_key="from", required=True)
    end = VersionOrMoment(data_key="to")


def _at(point: int | datetime | None) -> dict[str, Any]:
    if isinstance(point, datetime):
        return {"moment": point}
    return {"version": point}


def _budget(budget_id: str, point: int | datetime | None) -> tuple[Budget, dict[str, Any] | None]:
    """The budget at a version or moment, and the change that made that version."""
    with acting():
        app = system().app
        budget = app.budget_at(budget_id, **_at(point))
        events = app.changes_between(Budget, budget.id, budget.version - 1, budget.version)
    return budget, events[0] if events else None


def _sheet(budget: Budget) -> tuple[Any, list[dict[str, Any]]]:
    with system().engine.connect() as conn:
        actors = queries.actors(conn, budget.plan_id)
    return history.sheet_of(budget, actors), actors


def _latest(budget_id: str) -> int:
    return system().app.load(Budget, budget_id, copy=False).version


@bp.get("/budgets/<budget_id>/history")
def budget_at(budget_id: str) -> str:
    """The budget sheet as it stood (read-only), with who made that version."""
    params = AtSchema().load(request.args)
    budget, event = _budget(budget_id, params.get("version") or params.get("at"))
    sheet, actors = _sheet(budget)
    words = Words(actors)
    change = history.changes([event], _labels(sheet))[0] if event else None
    return render_template("history.html", sheet=sheet, latest=_latest(budget_id),
                           change=change and words.describe(change),
                           at=change and change["recorded_at"], words=words)


@bp.get("/budgets/<budget_id>/diff")
def budget_diff(budget_id: str) -> str:
    """What differs between two versions or moments, and each change in between with who."""
    params = DiffSchema().load(request.args)
    before, _ = _budget(budget_id, params["start"])
    after, _ = _budget(budget_id, params.get("end"))
    if before.version > after.version:
        before, after = after, before
    with acting():
        events = system().app.changes_between(Budget, budget_id, before.version, after.version)
    (old, actors), (new, _) = _sheet(before), _sheet(after)
    words = Words(actors)
    result = history.diff(old, new, events)
    return render_template("history_diff.html", sheet=new, diff=result, words=words,
                           latest=_latest(budget_id),
                           described=[words.describe(c) for c in result["changes"]])


@bp.get("/api/budgets/<budget_id>/at")
def api_budget_at(budget_id: str) -> dict[str, Any]:
    """The budget sheet at a version (the latest without one), for the meeting replay."""
    params = AtSchema().load(request.args)
    budget, event = _budget(budget_id, params.get("version") or params.get("at"))
    sheet, actors = _sheet(budget)
    reply = SheetSchema().dump({"position": 0, "sheet": sheet})
    reply.pop("position")
    change = history.changes([event], _labels(sheet))[0] if event else None
    reply.update(
        version=budget.version, latest=_latest(budget_id),
        totals={"by_year": {str(y): v for y, v in sheet.totals_by_year.items()},
                "total": sheet.total,
                "by_actor": {a: v["total"] for a, v in sheet.by_actor.items()}},
        change=change and {"version": change["version"], "kind": change["kind"],
                           "recorded_at": change["recorded_at"].isoformat(),
                           "person_id": change["person_id"], "org_id": change["org_id"],
                           "text": Words(actors).describe(change)})
    return reply


def _aggregate_json(cls: type, aggregate_id: str) -> dict[str, Any]:
    params = AtSchema().load(request.args)
    with acting():
        aggregate = system().app.aggregate_at(cls, aggregate_id,
                                              **_at(params.get("version") or params.get("at")))
    return {"latest": system().app.load(cls, aggregate_id, copy=False).version,
            "state": history.state_of(aggregate)}


@bp.get("/api/services/<service_id>/at")
def api_service_at(service_id: str) -> dict[str, Any]:
    """A shared service's state at a version (read-only)."""
    return _aggregate_json(SharedService, service_id)


@bp.get("/api/commitments/<commitment_id>/at")
def api_commitment_at(commitment_id: str) -> dict[str, Any]:
    """A commitment's state at a version (read-only)."""
    return _aggregate_json(Commitment, commitment_id)


def _labels(sheet: Any) -> dict[str, str]:
    return {line["line_id"]: line["label"] for line in sheet.lines}


class Words:
    """Changes in the reader's words: "Anna Berg (Ljusdals kommun) changed Lokalhyra 2027 …"."""

    def __init__(self, actors: list[dict[str, Any]]) -> None:
        self.orgs = {a["actor_id"]: a["name"] for a in actors}
        self.names: dict[str, str] = {}

    def person(self, person_id: str | None) -> str:
        if person_id not in self.names:
            self.names.update(system().people.display_names([person_id or ""]))
        return self.names.get(person_id or "", "") or gettext("Someone")

    def who(self, person_id: str | None, org_id: str | None) -> str:
        org = self.orgs.get(org_id or "")
        name = self.person(person_id)
        return gettext("%(name)s (%(org)s)", name=name, org=org) if org else name

    def org(self, actor_id: str | None) -> str:
        return self.orgs.get(actor_id or "", gettext("an organisation"))

    def describe(self, c: dict[str, Any]) -> str:
        who, line, kind = self.who(c["person_id"], c["org_id"]), c["label"] or "", c["kind"]
        if kind == "amount":
            return gettext("%(who)s changed %(line)s %(year)s from %(before)s to %(after)s",
                           who=who, line=line, year=c["year"], before=money(c["before"]),
                           after=money(c["after"]))
        if kind == "share":
            return gettext("%(who)s changed %(org)s's share of %(line)s from %(before)s to %(after)s",
                           who=who, org=self.org(c["actor_id"]), line=line,
                           before=share(c["before"]) or "0 %", after=share(c["after"]) or "0 %")
        if kind == "changed_line" and c["field"] == "label":
            return gettext("%(who)s renamed %(before)s to %(after)s", who=who, before=c["before"],
                           after=c["after"])
        if kind == "changed_line" and c["field"] == "category":
            return gettext("%(who)s changed the category of %(line)s from %(before)s to %(after)s",
                           who=who, line=line, before=c["before"] or "–", after=c["after"] or "–")
        if kind == "status":
            return gettext("%(who)s changed the budget from %(before)s to %(after)s", who=who,
                           before=term(c["before"]), after=term(c["after"]))
        simple = {"created": gettext("%(who)s created the budget"),
                  "added": gettext("%(who)s added the line %(line)s"),
                  "moved": gettext("%(who)s moved the line %(line)s"),
                  "removed": gettext("%(who)s removed the line %(line)s"),
                  "restored": gettext("%(who)s restored the line %(line)s"),
                  "changed_line": gettext("%(who)s linked %(line)s to a service")}
        return simple.get(kind, gettext("%(who)s changed the budget")) % {"who": who, "line": line}
