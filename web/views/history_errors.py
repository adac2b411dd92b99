"""History pages refuse a bad parameter with a page that says what is wrong and where to go on.

A change number beyond the latest, a moment before the budget existed, a malformed `version`,
`at`, `from`, `to` or `before`: the reader gets the message in their language (web.errors'
refusal: JSON only for /api/), and links back to the budget's history and the budget. The
links appear only where the message already shows the reader may read the budget (a bad
query string is refused before anyone is asked), so they reveal nothing about a budget id.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for
from flask_babel import format_datetime, gettext
from marshmallow import ValidationError

from domain.budgets import Budget
from domain.errors import NotFound
from web.app import system
from web.auth import acting
from web.errors import payload_for, refusal
from web.validation import message_lines


def _links() -> list[tuple[str, str]]:
    budget_id = (request.view_args or {}).get("budget_id")
    if not budget_id or request.path.startswith("/api/"):
        return []
    return [(url_for("history.changes", budget_id=budget_id), gettext("The budget's history")),
            (url_for("plans.budget", budget_id=budget_id), gettext("The current budget"))]


def _first_change(budget_id: str) -> str | None:
    """When the budget was created (its change no. 1), for a moment before that."""
    with acting():
        events = system().app.changes_between(Budget, budget_id, 0, 1)
    if not events:
        return None
    return gettext("The budget was created on %(when)s (change no. 1).",
                   when=format_datetime(events[0].timestamp, "medium"))


def register_refusals(bp: Blueprint) -> None:
    """The blueprint's own handlers: they come before the app's for its routes."""

    @bp.errorhandler(ValidationError)
    def invalid(error: ValidationError) -> Any:
        return refusal(400, payload_for(error), message_lines(error.messages), links=_links())

    @bp.errorhandler(NotFound)
    def not_found(error: NotFound) -> Any:
        budget_id = (request.view_args or {}).get("budget_id")
        readable = budget_id and ("latest" in error.details or "at" in error.details)
        if not readable:  # no such budget (or service, commitment): no way on but back
            return refusal(404, payload_for(error))
        lines = [line] if "at" in error.details and (line := _first_change(budget_id)) else []
        return refusal(404, payload_for(error), lines, links=_links())
