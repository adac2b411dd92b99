"""marshmallow schemas for the shared services' forms: a service's details, a move to another
stage (with the reason, which the audit keeps), a need it answers and a providing organisation.
The domain checks the rules again (which moves are allowed, who may)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from domain.services import STAGES
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
