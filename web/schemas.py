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


class ActorSchema(Schema):
    actor_id = fields.String()
    name = fields.String()
    sector = fields.String()


class LineSchema(Schema):
    line_id = fields.String()
    position = fields.Integer()
    label = fields.String()
    label_version = fields.Integer()
    category = fields.String()
    category_version = fields.Integer()
    service_id = fields.String(allow_none=True)
    service_version = fields.Integer()
    amounts = fields.Method("_amounts")
    shares = fields.Method("_shares")

    def _amounts(self, line: dict[str, Any]) -> dict[str, dict[str, int]]:
        return {str(y): {"amount": a["amount"], "version": a["version"]}
                for y, a in line["amounts"].items()}

    def _shares(self, line: dict[str, Any]) -> dict[str, dict[str, int]]:
        return {a: {"share": s["share"], "version": s["version"]}
                for a, s in line["shares"].items()}


class SheetSchema(Schema):
    position = fields.Integer()
    budget = fields.Function(lambda o: BudgetHeadSchema().dump(o["sheet"].budget))
    actors = fields.Function(lambda o: ActorSchema(many=True).dump(o["sheet"].actors))
    lines = fields.Function(lambda o: LineSchema(many=True).dump(o["sheet"].lines))
