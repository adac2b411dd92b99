"""marshmallow schemas for the members page and the invitation link (each refusal names the field).

The organisation must be one of the plan's, so these schemas are made with the plan's actor ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate, validates, validates_schema

from adapters.accounts import MAX_PASSWORD, MIN_PASSWORD
from domain.plans import ROLES
from web.forms import FormSchema

MAX_NAME = 200


class MembershipSchema(FormSchema):
    """A role and the organisation it is held for (none: an empty choice)."""

    role = fields.String(required=True, validate=validate.OneOf(
        ROLES, error=_l("Choose one of the roles.")))
    org_id = fields.String(load_default=None, allow_none=True)

    def __init__(self, actor_ids: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.actor_ids = frozenset(actor_ids)

    @pre_load
    def _empty_is_none(self, data: Any, **_: Any) -> Any:
        if hasattr(data, "to_dict"):  # a request's form (a MultiDict): one value per field
            data = data.to_dict()
        if isinstance(data, dict) and str(data.get("org_id", "")).strip() == "":
            data = {**data, "org_id": None}
        return data

    @validates_schema
    def _organisation_of_the_plan(self, data: dict[str, Any], **_: Any) -> None:
        org_id = data.get("org_id")
        if org_id is not None and org_id not in self.actor_ids:
            raise ValidationError(gettext("Choose one of the plan's organisations."), "org_id")
        if data.get("role") == "representative" and org_id is None:
            raise ValidationError(gettext("A representative must represent an organisation."),
                                  "org_id")


class InvitationSchema(MembershipSchema):
    email = fields.String(required=True)

    @validates("email")
    def _an_address(self, value: str, **_: Any) -> None:
        """marshmallow's own check, with a message in the reader's language."""
        validate.Email(error=gettext("Write an e-mail address, for example name@example.se."))(value)
        validate.Length(max=320, error=gettext("At most {max} characters."))(value)

    @pre_load
    def _strip_email(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            data = {**data, "email": data["email"].strip()}
        return data


class NewAccountSchema(FormSchema):
    """Who accepts an invitation without an account yet: a name and a password, twice."""

    name = fields.String(required=True, validate=validate.Length(
        min=1, max=MAX_NAME, error=_l("Write your name (at most {max} characters).")))
    password = fields.String(required=True, validate=validate.Length(
        min=MIN_PASSWORD, max=MAX_PASSWORD,
        error=_l("A password has at least {min} and at most {max} characters.")))
    repeat_password = fields.String(required=True)

    @pre_load
    def _strip_name(self, data: Any, **_: Any) -> Any:
        data = data.to_dict() if hasattr(data, "to_dict") else dict(data)
        data["name"] = str(data.get("name", "")).strip()
        return data

    @validates_schema
    def _same_password_twice(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("password") != data.get("repeat_password"):
            raise ValidationError(gettext("The two passwords are not the same."), "repeat_password")
