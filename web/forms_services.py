"""marshmallow schemas for the shared services' forms: a service's details, a move to another
stage (with the reason, which the audit keeps), a need it answers and a providing organisation.
The domain checks the rules again (which moves are allowed, who may)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate

from domain.services import DIRECTIONS, RISK_STATUSES, STAGES
from web.forms_plans import MAX_NAME, PageForm, text_field

MAX_SERVICE_TEXT = 5000


class ServiceSchema(PageForm):
    name = text_field(MAX_NAME)
    place = text_field(MAX_NAME)
    description = text_field(MAX_SERVICE_TEXT, required=False, load_default="")


class StageSchema(PageForm):
    stage = fields.String(required=True, validate=validate.OneOf(
        STAGES, error=_l("Choose the stage to move to.")),
        error_messages={"required": _l("Choose the stage to move to.")})
    reason = text_field(2000)


class NeedSchema(PageForm):
    text = text_field(1000)


class ProviderSchema(PageForm):
    actor_id = fields.String(required=True, validate=validate.Length(max=80),
                             error_messages={"required": _l("Choose the organisation.")})


class Number(fields.String):
    """A number as people write it ("12,5", "1 200"), loaded as an exact Decimal."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        text = re.sub(r"[ \u00a0\u202f]", "", str(super()._deserialize(value, attr, data, **kwargs)))
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or len(text) > 30:
            raise ValidationError([_l("Write a number, like 12 or 12,5.")])
        return number


class _WithNumbers(PageForm):
    @pre_load
    def _blank_number_is_none_given(self, data: Any, **_: Any) -> Any:
        data = data.to_dict() if hasattr(data, "to_dict") else dict(data)
        return {k: v for k, v in data.items()
                if not (isinstance(self.fields.get(k), Number) and isinstance(v, str)
                        and not v.strip())}


class KpiSchema(_WithNumbers):
    name = text_field(MAX_NAME)
    unit = text_field(40)
    baseline = Number(load_default=None)
    target = Number(load_default=None)
    direction = fields.String(load_default="higher", validate=validate.OneOf(
        DIRECTIONS, error=_l("Choose whether higher or lower is better.")))
    by_gender = fields.Boolean(load_default=False, truthy={"on", "1", "true"})
    about_people = fields.Boolean(load_default=False, truthy={"on", "1", "true"})


class MeasurementSchema(_WithNumbers):
    on = fields.Date(required=True, error_messages={
        "invalid": _l("Write the date as YYYY-MM-DD."), "required": _l("Write the date measured.")})
    value = Number(required=True, error_messages={"required": _l("Write the value measured.")})
    women = Number(load_default=None)
    men = Number(load_default=None)
    other = Number(load_default=None)


def _score(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=False, validate=validate.Range(
        min=1, max=5, error=_l("Choose 1 to 5.")), error_messages={
        "required": _l("Choose 1 to 5."), "invalid": _l("Choose 1 to 5.")}, **kwargs)


class RiskSchema(PageForm):
    title = text_field(MAX_NAME)
    likelihood = _score(required=True)
    impact = _score(required=True)
    mitigation = text_field(2000, required=False, load_default="")
    owner_id = fields.String(load_default=None, validate=validate.Length(max=80))
    status = fields.String(load_default="open", validate=validate.OneOf(
        RISK_STATUSES, error=_l("Choose open, mitigated or closed.")))


class NewRiskSchema(RiskSchema):
    service_id = fields.String(required=True, validate=validate.Length(max=80),
                               error_messages={"required": _l("Choose the service.")})
