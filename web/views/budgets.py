"""A budget's lifecycle from its page: propose, return to draft, adopt, start a revision.

Each is one application call as the signed-in person; the application refuses anyone whose
role may not decide budgets (403), whatever the page showed them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext

from domain.access import DECIDE_BUDGET
from domain.application import Saved
from domain.budgets import Budget
from domain.usecases import Samverkan
from web.app import system
from web.auth import acting, require
from web.views.members import wait_for

bp = Blueprint("budgets", __name__, url_prefix="/budgets/<budget_id>")


def _decide(budget_id: str, command: Callable[[Samverkan], Saved], done: str,
            to_new: bool = False) -> Any:
    # The right first, so that anyone else hears "not allowed" (403), never how far the
    # budget is (start_revision checks the status before it checks who asks).
    require(system().app.load(Budget, budget_id, copy=False).plan_id, DECIDE_BUDGET)
    with acting():
        saved = command(system().app)
    wait_for(saved)
    flash(done)
    return redirect(url_for("plans.budget", budget_id=saved.aggregate_id if to_new else budget_id))


@bp.post("/propose")
def propose(budget_id: str) -> Any:
    return _decide(budget_id, lambda app: app.propose_budget(budget_id),
                   gettext("The budget is proposed for decision; it can no longer be edited."))


@bp.post("/return-to-draft")
def return_to_draft(budget_id: str) -> Any:
    return _decide(budget_id, lambda app: app.return_budget_to_draft(budget_id),
                   gettext("The budget is a draft again and can be edited."))


@bp.post("/adopt")
def adopt(budget_id: str) -> Any:
    return _decide(budget_id, lambda app: app.adopt_budget(budget_id),
                   gettext("The budget is adopted. To change it, start a revision."))


@bp.post("/revision")
def revision(budget_id: str) -> Any:
    return _decide(budget_id, lambda app: app.start_revision(budget_id),
                   gettext("A new draft revision is started from the adopted budget."), to_new=True)
