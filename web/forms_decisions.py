"""marshmallow schema for the decision form (each refusal names its field).

Attendees must be the plan's members and the budget one that can be decided on, so the schema
is made with those ids; the application checks the same again on the plan as it is then.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from domain.decisions import MAX_TEXT, MAX_TITLE
from web.forms import FormSchema


class DecisionSchema(FormSchema):
    decided_on = fields.Date(required=True, error_messages={
        "invalid": _l("Write the date as YYYY-MM-DD."), "required": _l("Write the date of the decision.")})
    title = fields.String(required=True, validate=validate.Length(
        min=1, max=MAX_TITLE, error=_l("Write a title (at most {max} characters).")),
        error_messages={"required": _l("Write a title.")})
    text = fields.String(required=True, validate=validate.Length(
        min=1, max=MAX_TEXT, error=_l("Write what was decided (at most {max} characters).")),
        error_messages={"required": _l("Write what was decided.")})
    attendees = fields.List(fields.String(), required=True, validate=validate.Length(
        min=1, error=_l("Tick at least one attendee.")),
        error_messages={"required": _l("Tick at least one attendee.")})
    budget_id = fields.String(load_default=None, allow_none=True)

    def __init__(self, member_ids: Iterable[str], budget_ids: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.member_ids, self.budget_ids = frozenset(member_ids), frozenset(budget_ids)

    @pre_load
    def _from_form(self, data: Any, **_: Any) -> Any:
        """A request's form (a MultiDict): one value per field, except the ticked attendees."""
        if hasattr(data, "getlist"):
            attendees = data.getlist("attendees")
            data = {**data.to_dict(), "attendees": attendees} if attendees else data.to_dict()
        data = dict(data)
        for name in ("title", "text"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
        if str(data.get("budget_id") or "").strip() == "":
            data["budget_id"] = None
        return data

    @validates_schema
    def _of_the_plan(self, data: dict[str, Any], **_: Any) -> None:
        if any(a not in self.member_ids for a in data.get("attendees", ())):
            raise ValidationError(gettext("Attendees must be members of the plan."), "attendees")
        budget_id = data.get("budget_id")
        if budget_id is not None and budget_id not in self.budget_ids:
            raise ValidationError(gettext("Choose a proposed or adopted budget of the plan."),
                                  "budget_id")
