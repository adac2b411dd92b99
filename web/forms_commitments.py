"""marshmallow schemas for the commitments ledger's forms: pledge, record a delivery, verify,
withdraw. Each refusal names its field in the reader's language; the domain checks the rules
again (who may act for which organisation, the lifecycle, over-delivery).

A quantity is written as people write it: money in kronor ("12 500" or "12 500,50"), hours,
m² and items as whole numbers; the schema turns kronor into öre.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from domain.commitments import KINDS, MAX_QUANTITY
from web.forms import MAX_NEXT, FormSchema

MAX_TEXT = 2000
_KRONOR = re.compile(r"(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[,.](\d{1,2}))?")
_WHOLE = re.compile(r"\d+")


def kronor_to_ore(text: str) -> int:
    """"12 500" → 1 250 000 öre; "12 500,5" → 1 250 050; refuses anything else."""
    found = _KRONOR.fullmatch(text.strip())
    if found is None:
        raise ValidationError([_l("Write an amount in kronor, like 12 500 or 12 500,50.")])
    whole = int(re.sub(r"\D", "", found.group(1)))
    ore = whole * 100 + int((found.group(2) or "0").ljust(2, "0"))
    if ore > MAX_QUANTITY:
        raise ValidationError([_l("The amount is too large.")])
    return ore


def quantity_for(kind: str, text: str) -> int:
    """A quantity of this kind of commitment, as stored (öre for money)."""
    if kind == "money":
        return kronor_to_ore(text)
    cleaned = re.sub(r"[ \u00a0\u202f]", "", text.strip())
    if _WHOLE.fullmatch(cleaned) is None or int(cleaned) > MAX_QUANTITY:
        raise ValidationError([_l("Write a whole number.")])
    return int(cleaned)


def _text(most: int, required: bool) -> fields.String:
    optional = {} if required else {"load_default": ""}
    return fields.String(required=required, **optional,
                         validate=validate.Length(min=1 if required else 0, max=most,
                                                  error=_l("Write at most {max} characters.")),
                         error_messages={"required": _l("Write a reason.")})


def _day(message: Any) -> fields.Date:
    return fields.Date(required=True, error_messages={
        "invalid": _l("Write the date as YYYY-MM-DD."), "required": message})


class _Form(FormSchema):
    next = fields.String(load_default="", validate=validate.Length(max=MAX_NEXT))

    @pre_load
    def _one_value_each(self, data: Any, **_: Any) -> Any:
        data = data.to_dict() if hasattr(data, "to_dict") else dict(data)
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip()
                                                      and k not in ("description", "note"))}


class PledgeSchema(_Form):
    """`toward`: "service:<id>" or "line:<budget id>:<line id>"."""
    actor_id = fields.String(required=True, validate=validate.Length(max=80),
                             error_messages={"required": _l("Choose the organisation.")})
    kind = fields.String(required=True, validate=validate.OneOf(
        KINDS, error=_l("Choose what is pledged.")),
        error_messages={"required": _l("Choose what is pledged.")})
    quantity = fields.String(required=True, validate=validate.Length(max=40),
                             error_messages={"required": _l("Write how much is pledged.")})
    value = fields.String(load_default=None, validate=validate.Length(max=40))
    due = _day(_l("Write the date it is due."))
    toward = fields.String(required=True, validate=validate.Length(max=200),
                           error_messages={"required": _l("Choose what it goes toward.")})
    description = _text(MAX_TEXT, required=False)

    @validates_schema(skip_on_field_errors=False)
    def _amounts(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[Any]] = {}
        kind = data.get("kind")
        if kind and "quantity" in data:
            try:
                data["quantity"] = quantity_for(kind, data["quantity"])
            except ValidationError as error:
                errors["quantity"] = list(error.messages)
        if data.get("value") is not None:
            try:
                data["value_ore"] = kronor_to_ore(data.pop("value"))
            except ValidationError as error:
                errors["value"] = list(error.messages)
        else:
            data.pop("value", None)
        target = str(data.get("toward") or "").split(":")
        if target[0] == "service" and len(target) == 2:
            data["service_id"] = target[1]
        elif target[0] == "line" and len(target) == 3:
            data["budget_id"], data["line_id"] = target[1], target[2]
        elif "toward" in data:
            errors["toward"] = [_l("Choose what it goes toward.")]
        if errors:
            raise ValidationError(errors)
        data.pop("toward", None)


class DeliverySchema(_Form):
    quantity = fields.String(required=True, validate=validate.Length(max=40),
                             error_messages={"required": _l("Write how much was delivered.")})
    on = _day(_l("Write the date it was delivered."))
    note = _text(MAX_TEXT, required=False)
    over_delivery = fields.Boolean(load_default=False, truthy={"on", "1", "true"})

    def __init__(self, kind: str, today: date, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind, self.today = kind, today

    @validates_schema(skip_on_field_errors=False)
    def _checked(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[Any]] = {}
        if "quantity" in data:
            try:
                data["quantity"] = quantity_for(self.kind, data["quantity"])
            except ValidationError as error:
                errors["quantity"] = list(error.messages)
        # One day of slack, as for decisions: the meeting's time zone may already be tomorrow.
        if "on" in data and data["on"] > self.today + timedelta(days=1):
            errors["on"] = [_l("A delivery cannot be dated in the future.")]
        if errors:
            raise ValidationError(errors)


class VerifySchema(_Form):
    note = _text(MAX_TEXT, required=False)


class WithdrawSchema(_Form):
    reason = _text(MAX_TEXT, required=True)
