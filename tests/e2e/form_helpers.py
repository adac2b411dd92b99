"""Helpers for the HTTP tests of the plan's pages: a signed-in demo person, a form sent with
its CSRF token, a page's text, and how many events the store holds (to show nothing was
stored)."""

from __future__ import annotations

import html
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from adapters.bootstrap import System
from tests.e2e.auth_helpers import DEMO_EMAILS, post_form, sign_in


def signed_in_as(app: Flask, name: str, lang: str = "en") -> FlaskClient:
    """A test client of the demo person `name`, reading the pages in `lang`."""
    client = app.test_client()
    client.get(f"/sign-in?lang={lang}")
    assert sign_in(client, DEMO_EMAILS[name]).status_code == 302
    return client


def post(client: FlaskClient, path: str, **form: Any) -> Any:
    """Send a form (the CSRF token read from a page of the session)."""
    return post_form(client, path, form, page="/account")


def text_of(reply: Any) -> str:
    return html.unescape(reply.get_data(as_text=True))


def events_stored(system: System) -> int:
    return system.app.recorder.max_notification_id() or 0
