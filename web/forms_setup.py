"""marshmallow schemas for the first-run page and the set-password link (each refusal names the field)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from marshmallow import fields, pre_load, validate, validates

from web.forms_members import NewAccountSchema


class FirstAccountSchema(NewAccountSchema):
    """The first person of an installation: a name, an e-mail address and a password, twice."""

    email = fields.String(required=True)

    @validates("email")
    def _an_address(self, value: str, **_: Any) -> None:
        validate.Email(error=gettext("Write an e-mail address, for example name@example.se."))(value)
        validate.Length(max=320, error=gettext("At most {max} characters."))(value)

    @pre_load
    def _strip_email(self, data: Any, **_: Any) -> Any:
        data = data.to_dict() if hasattr(data, "to_dict") else dict(data)
        data["email"] = str(data.get("email", "")).strip()
        return data


def chosen_password_schema() -> NewAccountSchema:
    """A new password, twice alike (the set-password link: the name is known already)."""
    return NewAccountSchema(only=("password", "repeat_password"))
