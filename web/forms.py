"""marshmallow schemas for what the pages' forms send (each refusal names the field)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from adapters.accounts import MAX_PASSWORD, MIN_PASSWORD


class FormSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token and the submit button travel with every form


class SignInSchema(FormSchema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=320))
    password = fields.String(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))
    next = fields.String(load_default="", validate=validate.Length(max=2000))


def new_password() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=MIN_PASSWORD, max=MAX_PASSWORD))


class PasswordChangeSchema(FormSchema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))
    new_password = new_password()
    repeat_password = fields.String(required=True)
