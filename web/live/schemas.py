"""marshmallow schemas for what clients send over the socket (docs/realtime.md)."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

MAX_ORE = 10**13
Uuid = fields.UUID


class Strict(Schema):
    class Meta:
        unknown = RAISE


class JoinSchema(Strict):
    plan_id = Uuid(required=True)
    budget_id = Uuid(load_default=None)
    since = fields.Integer(load_default=None, validate=validate.Range(min=0))
    #: False: follow the plan's changes (a page that refreshes itself) without being shown in
    #: the meeting's presence.
    presence = fields.Boolean(load_default=True, truthy={True}, falsy={False})
    #: True: presence comes as small per-person `presence_changed` messages; False (what clients
    #: written before them get): the whole `presence` list, as often as it changes.
    presence_changes = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class LeaveSchema(Strict):
    plan_id = Uuid(required=True)


class CellSchema(Strict):
    line_id = Uuid(required=True)
    field = fields.String(required=True, validate=validate.Regexp(
        r"^(label|category|kind|amount:\d{4}|share:[0-9a-f-]{36})$"))


class FocusSchema(Strict):
    plan_id = Uuid(required=True)
    budget_id = Uuid(load_default=None)
    cell = fields.Nested(CellSchema, load_default=None, allow_none=True)


def Label(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=200), **kwargs)


def Category(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=80), **kwargs)


def Version() -> fields.Integer:
    return fields.Integer(load_default=None, strict=True, validate=validate.Range(min=0))


class CommandBase(Strict):
    command_id = Uuid(required=True)
    type = fields.String(required=True)
    budget_id = Uuid(required=True)


def Kind(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(("cost", "income")), **kwargs)


class AddLine(CommandBase):
    label = Label(required=True)
    category = Category(load_default="")
    kind = Kind(load_default="cost")
    amounts = fields.Dict(keys=fields.Integer(validate=validate.Range(2000, 2100)),
                          values=fields.Integer(strict=True,
                                                validate=validate.Range(0, MAX_ORE)),
                          load_default=None)
    position = fields.Integer(load_default=None, validate=validate.Range(min=0))
    line_id = Uuid(load_default=None)


class RenameLine(CommandBase):
    line_id = Uuid(required=True)
    label = Label(required=True)
    expected_version = Version()


class RecategoriseLine(CommandBase):
    line_id = Uuid(required=True)
    category = Category(required=True)
    expected_version = Version()


class SetLineKind(CommandBase):
    line_id = Uuid(required=True)
    kind = Kind(required=True)
    expected_version = Version()


class ChangeAmount(CommandBase):
    line_id = Uuid(required=True)
    year = fields.Integer(required=True, strict=True)
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(0, MAX_ORE))
    expected_version = Version()


class SetShare(CommandBase):
    line_id = Uuid(required=True)
    actor_id = Uuid(required=True)
    share = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10_000))
    expected_version = Version()


class MoveLine(CommandBase):
    line_id = Uuid(required=True)
    position = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class RemoveLine(CommandBase):
    line_id = Uuid(required=True)


class Undo(CommandBase):
    pass


class Redo(CommandBase):
    pass


COMMANDS: dict[str, type[Schema]] = {
    "add_line": AddLine, "rename_line": RenameLine, "recategorise_line": RecategoriseLine,
    "set_line_kind": SetLineKind, "change_amount": ChangeAmount, "set_share": SetShare,
    "move_line": MoveLine, "remove_line": RemoveLine, "undo": Undo, "redo": Redo,
}


def load_command(data: Any) -> dict[str, Any]:
    """Validate a command message; raises ValidationError naming what is wrong."""
    if not isinstance(data, dict):
        raise ValidationError({"_schema": ["A command is an object."]})
    kind = data.get("type")
    schema = COMMANDS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise ValidationError({"type": [f"Must be one of: {', '.join(COMMANDS)}."]})
    return schema().load(data)

