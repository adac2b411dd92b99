"""Signing in and sending forms the way a browser does: with the page's CSRF token."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

DEMO_PASSWORD = "demo-password-2027"
_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, page: str = "/sign-in") -> str:
    """The CSRF token of the client's session, as a page carries it."""
    found = _TOKEN.search(client.get(page).get_data(as_text=True))
    assert found, f"{page} has no csrf-token meta tag"
    return found.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, Any] | None = None,
              page: str = "/sign-in", **kwargs: Any) -> TestResponse:
    """POST a form with the CSRF token a page of the site would have put in it."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, page)}, **kwargs)


def sign_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD,
            next_path: str = "") -> TestResponse:
    reply = post_form(client, "/sign-in", {"email": email, "password": password, "next": next_path})
    assert reply.status_code in (302, 303, 401, 400, 429), reply.status_code
    return reply
