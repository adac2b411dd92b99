"""marshmallow schemas for JSON the pages and API send."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields


class BudgetHeadSchema(Schema):
    budget_id = fields.String()
    plan_id = fields.String()
    title = fields.String()
    status = fields.String()
    revision = fields.Integer()
    revision_of = fields.String(allow_none=True)
    version = fields.Integer()
    years = fields.List(fields.Integer())
    decision_id = fields.String(allow_none=True)  # the decision that adopted it
    superseded_by = fields.String(allow_none=True)  # the revision that superseded it


class ActorSchema(Schema):
    actor_id = fields.String()
    name = fields.String()
    sector = fields.String()
    left = fields.Boolean()  # it has left the plan: no new shares, pledges or members


class LineSchema(Schema):
    line_id = fields.String()
    position = fields.Integer()
    label = fields.String()
    label_version = fields.Integer()
    category = fields.String()
    category_version = fields.Integer()
    service_id = fields.String(allow_none=True)
    service_version = fields.Integer()
    kind = fields.String()  # cost | income
    kind_version = fields.Integer()
    amounts = fields.Method("_amounts")
    shares = fields.Method("_shares")

    def _amounts(self, line: dict[str, Any]) -> dict[str, dict[str, int]]:
        return {str(y): {"amount": a["amount"], "version": a["version"]}
                for y, a in line["amounts"].items()}

    def _shares(self, line: dict[str, Any]) -> dict[str, dict[str, int]]:
        return {a: {"share": s["share"], "version": s["version"]}
                for a, s in line["shares"].items()}


def _figures(entry: dict[str, Any]) -> dict[str, int]:
    return {k: entry[k] for k in ("costs", "income", "net")}


def totals(sheet: Any) -> dict[str, Any]:
    """The sheet's totals as of its position (projections/sheet.py): costs, income and net per
    year, organisation and sector; the funding gap on the net, per year and per line."""
    return {
        **_figures(vars(sheet)), "committed": sheet.committed, "funding_gap": sheet.funding_gap,
        "unallocated": sheet.unallocated, "unallocated_income": sheet.unallocated_income,
        "by_year": {str(y): dict(e) for y, e in sheet.by_year.items()},
        "by_actor": {a: {**_figures(e), "committed": e["committed"],
                         "by_year": {str(y): _figures(f) for y, f in e["years"].items()}}
                     for a, e in sheet.by_actor.items()},
        "by_sector": {s: _figures(e) for s, e in sheet.sectors.items()},
        "lines": {ln["line_id"]: {"net": ln["net"], "committed": ln["committed"],
                                  "committed_by_year": {str(y): c for y, c
                                                        in ln["committed_by_year"].items()},
                                  "gap": ln["gap"],
                                  "gaps": {str(y): g for y, g in ln["gaps"].items()}}
                  for ln in sheet.lines},
    }


class SheetSchema(Schema):
    position = fields.Integer()
    budget = fields.Function(lambda o: BudgetHeadSchema().dump(o["sheet"].budget))
    actors = fields.Function(lambda o: ActorSchema(many=True).dump(o["sheet"].actors))
    lines = fields.Function(lambda o: LineSchema(many=True).dump(o["sheet"].lines))
    totals = fields.Function(lambda o: totals(o["sheet"]))
