"""marshmallow schemas for what the pages' forms send (each refusal names the field)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from adapters.accounts import MAX_PASSWORD, MIN_PASSWORD
from web.validation import translate_messages

#: The longest address a sign-in may lead back to.
MAX_NEXT = 2000


class FormSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token and the submit button travel with every form

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        """Every refusal in the reader's language, marshmallow's own messages too, so that a
        page showing `error.messages` shows no English."""
        raise ValidationError(translate_messages(error.messages), data=error.data,
                              valid_data=error.valid_data) from error


class SignInSchema(FormSchema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=320))
    password = fields.String(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))
    next = fields.String(load_default="", validate=validate.Length(max=MAX_NEXT))


def new_password() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=MIN_PASSWORD, max=MAX_PASSWORD))


class PasswordChangeSchema(FormSchema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))
    new_password = new_password()
    repeat_password = fields.String(required=True)


#: The longest value shown again for a field whose schema sets no length of its own.
ECHO_WITHOUT_LIMIT = 320


def echo(schema: Schema, sent: Mapping[str, Any]) -> dict[str, Any]:
    """What a refused form may show again: each field the schema knows (by its form name),
    only when it fits that field's own length limit; anything longer, or not text, comes back
    empty. A page never re-renders megabytes someone sent, nor fields it does not have."""
    shown: dict[str, Any] = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if isinstance(field, fields.List):
            values = sent.getlist(key) if hasattr(sent, "getlist") else sent.get(key) or []
            most = _longest(field) or 0
            fit = isinstance(values, list) and all(_fits(field.inner, v) for v in values)
            shown[key] = list(values) if fit and (not most or len(values) <= most) else []
        else:
            value = sent.get(key)
            shown[key] = value if _fits(field, value) else ""
    return shown


def _fits(field: fields.Field, value: Any) -> bool:
    return isinstance(value, str) and len(value) <= (_longest(field) or ECHO_WITHOUT_LIMIT)


def _longest(field: fields.Field) -> int | None:
    """The field's own maximum length (the smallest its Length validators allow), if any."""
    maxima = [v.max for v in field.validators if isinstance(v, validate.Length) and v.max]
    return min(maxima) if maxima else None
