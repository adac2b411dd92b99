"""What the plan, organisation and budget pages share: running one use case from a form, and
showing a refusal on the form's own page (each message next to its field, in the reader's
language) instead of a bare error page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from domain.application import Saved
from domain.errors import DomainError, RuleViolated
from domain.plans import ARCHIVED
from domain.usecases import Samverkan
from web.app import system
from web.auth import acting, safe_next
from web.errors import status_for, translated
from web.forms import echo
from web.views.members import wait_for

#: Shows the form's page again: (status, errors by field, alert, the values sent) → response.
Page = Callable[[int, dict[str, list[str]], str | None, dict[str, Any]], Any]


def submit(schema: Schema, form: MultiDict[str, str], page: Page,
           command: Callable[[Samverkan, dict[str, Any]], Saved],
           done: str | Callable[[Saved], str], to: Callable[[Saved], str]) -> Any:
    """Load the form, make one application call as the signed-in person, and go on (to the
    form's `next`, else `to`) with a message; or show the form again, saying what was wrong."""
    sent = echo(schema, form)
    try:
        data = schema.load(form)
    except ValidationError as error:
        return page(400, error.messages, None, sent)
    try:
        with acting():
            saved = command(system().app, data)
    except DomainError as error:
        field = error.details.get("field")
        if isinstance(field, str) and field in schema.fields and status_for(error) == 422:
            return page(422, {field: [translated(error)]}, None, sent)
        return page(status_for(error), {}, translated(error), sent)
    wait_for(saved)
    flash(done(saved) if callable(done) else done)
    return redirect(safe_next(data["next"]) if data.get("next") else to(saved))


def require_open(plan: dict[str, Any]) -> None:
    """A form to change an archived plan is not offered at all (every write is refused anyway)."""
    if plan["archived"]:
        raise RuleViolated(ARCHIVED)
