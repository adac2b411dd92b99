"""Importing a budget from a file (.xlsx or CSV) into a new draft budget of the plan, and the
empty template to fill in by hand (README, "Excel").

The form posts the file (multipart, CSRF like every form) and an optional title. The file is
read whole; any problem, in any cell, shows the form again with every problem listed (422) and
nothing stored. A valid file is one application call: the budget with all its lines in one
save, one audit entry. Only those who may create a budget (a facilitator) see or use the form.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from adapters.budget_import import MAX_FILE, Invalid, Refused
from adapters.budget_workbook import template_bytes
from domain.access import SHAPE_BUDGET
from domain.errors import RuleViolated
from web.budget_export import words
from web.budget_import import file_name, problem_text, read, store
from web.errors import translated
from web.form_pages import require_open
from web.forms_plans import ImportSchema
from web.request_limits import FORM_BODY, body_limit
from web.views.budgets import XLSX, _download
from web.views.members import wait_for
from web.views.plans_admin import NO_STORE, _overview

bp = Blueprint("budget_import", __name__, url_prefix="/plans/<plan_id>/budgets")
#: The file at its largest, and the form's few fields around it.
IMPORT_BODY = MAX_FILE + FORM_BODY


def _form(plan: dict[str, Any], status: int = 200, problems: list[str] | None = None,
          title: str = "") -> Any:
    return render_template("budget_import.html", plan=plan, problems=problems or [],
                           title=title, max_mb=MAX_FILE // (1024 * 1024)), status, NO_STORE


@bp.get("/import")
def form(plan_id: str) -> Any:
    plan = _overview(plan_id, SHAPE_BUDGET)
    require_open(plan)
    return _form(plan)


@bp.post("/import")
@body_limit(IMPORT_BODY, upload=True)
def upload(plan_id: str) -> Any:
    plan = _overview(plan_id, SHAPE_BUDGET)
    upload = request.files.get("file")
    try:
        title = ImportSchema().load(request.form)["title"]
    except ValidationError:
        return _form(plan, 400, [gettext("Write a title of at most 200 characters, or leave it "
                                         "empty to use the file's.")])
    if upload is None or not upload.filename:
        return _form(plan, 400, [gettext("Choose the budget's .xlsx or CSV file.")], title)
    name = file_name(upload.filename)
    try:
        budget = read(upload.read(MAX_FILE + 1), name, plan)
        saved = store(plan_id, budget, title, name)
    except Refused as refused:
        return _form(plan, 422, [translated(refused.error)], title)
    except Invalid as invalid:
        return _form(plan, 422, [problem_text(p) for p in invalid.problems], title)
    except RuleViolated as error:  # what only the budget itself knows (the plan archived…)
        return _form(plan, 422, [translated(error)], title)
    wait_for(saved)
    flash(gettext("The budget is imported from %(file)s as a draft with %(count)d lines.",
                  file=name, count=len(budget.lines)))
    return redirect(url_for("plans.budget", budget_id=str(saved.aggregate_id)))


@bp.get("/template.xlsx")
def template(plan_id: str) -> Response:
    """An empty workbook with the import's column heads for this plan's years and organisations."""
    plan = _overview(plan_id, SHAPE_BUDGET)
    body = template_bytes(words(), list(range(plan["start_year"], plan["end_year"] + 1)),
                          [a["name"] for a in plan["actors"] if not a.get("left")])
    return _download(body, XLSX, "budget-template.xlsx")
