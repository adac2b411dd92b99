"""marshmallow schemas for the forms that start and shape plans, organisations and budgets.

Each refusal names the field in the reader's language; the domain checks everything again (a
page is not the only way in). `next` is where the form's page wants the reader back (a path of
this site only; web.auth.safe_next).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import fields, pre_load, validate

from domain.plans import FIRST_YEAR, LAST_YEAR, MAX_DESCRIPTION, MAX_REASON, SECTORS
from web.forms import MAX_NEXT, FormSchema

MAX_NAME = 200


def text_field(most: int, required: bool = True, **kwargs: Any) -> fields.String:
    return fields.String(required=required, validate=validate.Length(
        min=1 if required else 0, max=most,
        error=_l("Write at most {max} characters.") if not required
        else _l("Write 1 to {max} characters.")), **kwargs)


def _year(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=False, validate=validate.Range(
        min=FIRST_YEAR, max=LAST_YEAR, error=_l("Give a year from {min} to {max}.")), **kwargs)


class PageForm(FormSchema):
    next = fields.String(load_default="", validate=validate.Length(max=MAX_NEXT))

    @pre_load
    def _blank_is_missing(self, data: Any, **_: Any) -> Any:
        """A request's form, one value per field; an empty optional number is none given."""
        data = data.to_dict() if hasattr(data, "to_dict") else dict(data)
        return {k: v for k, v in data.items()
                if not (isinstance(self.fields.get(k), fields.Integer)
                        and isinstance(v, str) and not v.strip())}


class PlanSchema(PageForm):
    name = text_field(MAX_NAME)
    place = text_field(MAX_NAME)
    start_year = _year(required=True)
    end_year = _year(required=True)
    description = text_field(MAX_DESCRIPTION, required=False, load_default="")


class PlanDetailsSchema(PageForm):
    name = text_field(MAX_NAME)
    place = text_field(MAX_NAME)
    description = text_field(MAX_DESCRIPTION, required=False, load_default=None)


class GenderSplitSchema(PageForm):
    """The plan's setting: KPIs about people must be followed up by gender (a checkbox)."""

    gender_split_required = fields.Boolean(load_default=False, truthy={"on", "1", "true"},
                                           falsy={"off", "0", "false", ""})


class ArchiveSchema(PageForm):
    reason = text_field(MAX_REASON, required=False, load_default="")


class OrganisationSchema(PageForm):
    name = text_field(MAX_NAME)
    sector = fields.String(required=True, validate=validate.OneOf(
        SECTORS, error=_l("Choose one of the sectors.")))


class OrganisationChangeSchema(PageForm):
    """A new name, a new sector, or both (what is left out stays as it is)."""

    name = text_field(MAX_NAME, required=False, load_default=None)
    sector = fields.String(load_default=None, validate=validate.OneOf(
        SECTORS, error=_l("Choose one of the sectors.")))


class BudgetSchema(PageForm):
    title = text_field(MAX_NAME)
    start_year = _year(load_default=None)
    end_year = _year(load_default=None)


class ImportSchema(PageForm):
    """The import form's fields besides the file: a title (empty: the file's)."""

    title = text_field(MAX_NAME, required=False, load_default="")


class YearSchema(PageForm):
    year = _year(required=True)
