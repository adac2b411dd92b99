"""What a real python-socketio client gets when `samverkan serve` refuses its handshake, and
that an API token in the CONNECT payload opens a socket without a cookie."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.e2e.auth_helpers import DEMO_EMAILS
from tests.e2e.browser_support import Server
from tests.e2e.real_server import Listener, csrf_token, real_server_fixture, signed_in

pytestmark = pytest.mark.slow
__all__ = ["real_server_fixture"]


def _refusal(listener: Listener) -> dict[str, Any]:
    """The connect_error handler's argument: Socket.IO's {"message", "data"}."""
    assert listener.refused is not None, "the handshake was accepted"
    [refusal] = listener.named("connect_error")
    return refusal


def _new_token(http: requests.Session, url: str) -> str:
    page = http.post(f"{url}/account/tokens", timeout=5, data={
        "label": "script", "csrf_token": csrf_token(http, f"{url}/account")})
    return re.search(r"svk_[A-Za-z0-9_-]+", page.text).group(0)


def test_refused_handshakes_carry_the_documented_reason_as_data(real_server: Server) -> None:
    url = real_server.url
    anna = signed_in(url, DEMO_EMAILS["Anna Berg"])
    ended = signed_in(url, DEMO_EMAILS["Erik Lindqvist"])
    ended.post(f"{url}/sign-out", data={"csrf_token": csrf_token(ended, f"{url}/account")},
               timeout=5)
    garbage = requests.Session()
    garbage.cookies.set("session", "not-a-session")
    token = _new_token(anna, url)
    cases = {"no cookie": Listener(url), "a forged cookie": Listener(url, garbage),
             "an ended session": Listener(url, ended),
             "a wrong token": Listener(url, auth={"token": token + "x"})}
    for case, listener in cases.items():
        refusal = _refusal(listener)
        assert refusal["data"]["error"] == "not_signed_in", (case, refusal)
        assert set(refusal["data"]) == {"error", "message"}, (case, refusal)
        assert refusal["data"]["message"] == refusal["message"], (case, refusal)
        assert refusal["message"] != "Connection refused by server", case
    tokened = Listener(url, auth={"token": token})
    try:
        assert tokened.refused is None, tokened.refused
        joined = tokened.call("join", {"plan_id": real_server.plan_id})
        assert joined["ok"] and joined["you"]["name"] == "Anna Berg", joined
    finally:
        tokened.close()
