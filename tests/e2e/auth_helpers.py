"""Signing in and sending forms the way a browser does: with the page's CSRF token."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from adapters.demo import PEOPLE

DEMO_PASSWORD = "demo-password-2027"
#: The demo people's e-mail addresses by name ("Anna Berg" → "anna.berg@ljusdal.example.se").
DEMO_EMAILS = {name: email for name, email, _role, _actor in PEOPLE.values()}
_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, page: str = "/sign-in", **kwargs: Any) -> str:
    """The CSRF token of the client's session, as a page carries it."""
    found = _TOKEN.search(client.get(page, **kwargs).get_data(as_text=True))
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


def http_sign_in(base_url: str, email: str, password: str = DEMO_PASSWORD,
                 timeout: float = 5) -> urllib.request.OpenerDirector:
    """A urllib opener signed in to a running server through its sign-in form (cookies kept)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(f"{base_url}/sign-in", timeout=timeout) as reply:
        found = _TOKEN.search(reply.read().decode())
    assert found, "the sign-in page has no csrf-token meta tag"
    form = urllib.parse.urlencode({"email": email, "password": password,
                                   "csrf_token": found.group(1)}).encode()
    with opener.open(f"{base_url}/sign-in", data=form, timeout=timeout) as reply:
        landed = urllib.parse.urlparse(reply.url).path
    assert landed != "/sign-in", f"{email} could not sign in"
    return opener
