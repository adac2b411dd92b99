"""Every refusal speaks the reader's language and, under /api, JSON of one shape
({"error": key, "message": …}): a method an address does not take (405, with Allow), and an
error nobody foresaw (500, no traceback), not Werkzeug's English HTML pages."""

from __future__ import annotations

from flask import Flask

from adapters.bootstrap import System
from adapters.demo import DemoPlan
from tests.e2e.auth_helpers import DEMO_EMAILS
from tests.e2e.test_api_tokens import _bearer, _new_token, _signed_in
from web.app import create_app


def test_a_method_an_api_address_does_not_take_is_refused_in_json_in_the_readers_language(
        app: Flask, demo: DemoPlan) -> None:
    secret = _new_token(_signed_in(app, DEMO_EMAILS["Anna Berg"]))
    for method, path in (("POST", "/api/plans"), ("DELETE", f"/api/plans/{demo.plan_id}")):
        reply = app.test_client().open(path, method=method,
                                       headers={"Accept-Language": "sv", **_bearer(secret)})
        assert reply.status_code == 405
        assert reply.get_json() == {"error": "method_not_allowed",
                                    "message": "Den här adressen tar inte emot den sortens förfrågan."}
        assert "GET" in reply.headers["Allow"]


def test_a_method_a_page_does_not_take_gets_a_page_in_the_readers_language(
        app: Flask, demo: DemoPlan) -> None:
    client = _signed_in(app, DEMO_EMAILS["Anna Berg"])
    reply = client.open(f"/plans/{demo.plan_id}/dashboard?lang=nb", method="PUT",
                        headers={"X-CSRFToken": "x"})
    assert reply.status_code in (400, 405)  # the CSRF check may come first; either way:
    page = reply.get_data(as_text=True)
    assert reply.content_type.startswith("text/html") and '<html lang="nb"' in page
    assert "Method Not Allowed" not in page


def test_an_unforeseen_error_is_a_500_without_a_traceback_in_the_readers_language(
        demo_system: System) -> None:
    app = create_app({"SYSTEM": demo_system, "TESTING": True, "SECRET_KEY": "test",
                      "PROPAGATE_EXCEPTIONS": False})

    @app.get("/api/broken")
    def broken() -> None:
        raise RuntimeError("secret detail of the server")

    @app.get("/broken")
    def broken_page() -> None:
        raise RuntimeError("secret detail of the server")

    client = _signed_in(app, DEMO_EMAILS["Gunnar Persson"])
    api = client.get("/api/broken", headers={"Accept-Language": "en"})
    assert api.status_code == 500
    assert api.get_json()["error"] == "internal"
    assert "secret detail" not in api.get_data(as_text=True)
    page = client.get("/broken?lang=sv", headers={"Accept": "text/html"})
    assert page.status_code == 500 and '<html lang="sv"' in page.get_data(as_text=True)
    assert "secret detail" not in page.get_data(as_text=True)
